import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { methodName } from '../wire/stun/constants.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import type { ChannelData } from '../wire/stun/channel-data.ts';
import type { DissectedRecord } from '../wire/dtls/datagram.ts';
import { handshakeTypeName } from '../wire/handshake/names.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import { captureCases, dissectFile, readTruth, type Dissected } from '../../test/support/dissect-captures.ts';
import type { DissectedPacket } from './types.ts';

// Every capture in captures/ (real traffic from coturn, openssl and Chromium, see captures/README.md) must dissect
// with no problem, and agree with the tshark-derived facts of its truth file packet by packet.

const CLASS_NAMES: Record<string, string> = { request: 'request', indication: 'indication', success: 'success_response', error: 'error_response' };

function stunOf(p: DissectedPacket): StunMessage[] {
  return p.layers.filter((l) => l.protocol === 'STUN' && !l.plaintext).map((l) => l.value as StunMessage);
}

/** Handshake message types per record, as tshark lists them (one per fragment; decrypted Finished included). */
function handshakeTypes(p: DissectedPacket): string[] {
  const out: string[] = [];
  for (const l of p.layers) {
    if (l.protocol !== 'DTLS') continue;
    const v = l.value;
    if (v === undefined) continue;
    if ('decrypted' in v) {
      if (v.decrypted === 'handshake') for (const m of v.messages) out.push(handshakeTypeName(m.fragment.msgType));
      continue;
    }
    for (const r of v) {
      if (r.content.kind === 'handshake') for (const m of r.content.messages) out.push(handshakeTypeName(m.fragment.msgType));
    }
  }
  return out;
}

const cases = captureCases();
const memo = new Map<string, Dissected>();
function dissected(file: string, keyLogFile: string | undefined): Dissected {
  let d = memo.get(file);
  if (!d) {
    d = dissectFile(file, keyLogFile ? readFileSync(keyLogFile, 'utf8') : undefined);
    memo.set(file, d);
  }
  return d;
}

describe('real captures dissect cleanly and agree with their tshark truth', () => {
  it('finds the captures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  for (const c of cases) {
    describe(c.name, () => {
      const truth = readTruth(c);

      it('decodes every packet with no problem reported', () => {
        const d = dissected(c.file, c.keyLogFile);
        expect(d.problems).toEqual([]);
        const bad = d.packets.filter((p) => p.d.problems.length).map((p) => `${p.raw.index + 1}: ${p.d.problems.map((x) => x.message).join('; ')}`);
        expect(bad).toEqual([]);
        if (truth) expect(d.packets.length).toBe(truth.packet_count);
      });

      it('has the STUN method, class and transaction id of every STUN message, in order', () => {
        if (!truth?.stun) return;
        const d = dissected(c.file, c.keyLogFile);
        for (const m of truth.stun.messages) {
          const p = d.packets[m.frame - 1]!.d;
          const ours = stunOf(p).find((s) => toHex(s.transactionId) === m.transaction_id);
          expect(ours, `frame ${m.frame}`).toBeDefined();
          expect(methodName(ours!.method)).toBe(m.method);
          expect(CLASS_NAMES[ours!.class]).toBe(m.class);
          expect(ours!.attributes.map((a) => `0x${a.type.toString(16).padStart(4, '0')}`)).toEqual(m.attributes);
        }
        const total = d.packets.reduce((n, p) => n + stunOf(p.d).length, 0);
        expect(total).toBe(truth.stun.total_stun_messages);
      });

      it('finds every ChannelData message on its channel', () => {
        if (!truth?.stun) return;
        const d = dissected(c.file, c.keyLogFile);
        const byChannel: Record<string, number> = {};
        for (const p of d.packets) {
          for (const l of p.d.layers) {
            if (l.protocol !== 'TURN-CHANNELDATA') continue;
            const ch = `0x${(l.value as ChannelData).channel.toString(16)}`;
            byChannel[ch] = (byChannel[ch] ?? 0) + 1;
          }
        }
        expect(byChannel).toEqual(truth.stun.channeldata_by_channel);
      });

      it('lists the DTLS handshake messages of every datagram in order', () => {
        if (!truth?.dtls) return;
        const d = dissected(c.file, c.keyLogFile);
        for (const step of truth.dtls.non_appdata_sequence) {
          if (!step.handshake) continue;
          const p = d.packets[step.frame - 1]!.d;
          expect(handshakeTypes(p), `frame ${step.frame}`).toEqual(step.handshake);
          expect(p.src).toBe(step.src);
        }
      });

      it('sees every RTP stream with its SSRC, packet count, payload types and sequence range', () => {
        if (!truth?.rtp) return;
        const d = dissected(c.file, c.keyLogFile);
        const streams = new Map<string, { packets: number; pts: Record<string, number>; first: number; last: number; src: string }>();
        for (const { d: p } of d.packets) {
          const l = p.layers.find((x) => (x.protocol === 'RTP' || x.protocol === 'SRTP') && !x.plaintext);
          if (!l) continue;
          const h = (l.value as RtpPacket).header;
          const key = `0x${h.ssrc.toString(16).padStart(8, '0')}`;
          const s = streams.get(key) ?? { packets: 0, pts: {}, first: h.sequenceNumber, last: h.sequenceNumber, src: p.src };
          s.packets++;
          s.pts[String(h.payloadType)] = (s.pts[String(h.payloadType)] ?? 0) + 1;
          s.last = h.sequenceNumber;
          streams.set(key, s);
        }
        expect(streams.size).toBe(truth.rtp.streams.length);
        for (const t of truth.rtp.streams) {
          const s = streams.get(t.ssrc);
          expect(s, t.ssrc).toBeDefined();
          expect(s!.packets).toBe(t.packets);
          expect(s!.pts).toEqual(t.payload_types);
          expect(s!.first).toBe(t.first_seq);
          expect(s!.last).toBe(t.last_seq);
          expect(s!.src).toBe(t.src);
        }
        const total = [...streams.values()].reduce((n, s) => n + s.packets, 0);
        expect(total).toBe(truth.rtp.total_packets);
      });

      it('classifies RTCP packets by their first header like the truth', () => {
        const demux = truth?.rfc7983_demux;
        if (!demux || !demux.rtcp_total) return;
        const d = dissected(c.file, c.keyLogFile);
        const rtcp = d.packets.filter((p) => p.d.protocol === 'RTCP' || p.d.protocol === 'SRTCP').length;
        expect(rtcp).toBe(demux.rtcp_total);
      });
    });
  }
});
