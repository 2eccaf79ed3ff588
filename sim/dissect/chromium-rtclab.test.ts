import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import { capturePath } from '../../test/captures.ts';
import { dissectFile } from '../../test/support/dissect-captures.ts';
import { srtpCensus } from '../../test/support/srtp-census.ts';

// captures/chromium-rtclab-dtls12: headless Chromium 156 calling our WebRtcPeer over real UDP on 127.0.0.1 (DTLS 1.2,
// we are the client), with our key log. Every SRTP and SRTCP packet, both ways, must decrypt and authenticate, on
// both candidate pairs Chromium used; tshark's own reading of the clear headers is the count to meet.

const at = (name: string) => capturePath('chromium-rtclab-dtls12', name);
const tshark = JSON.parse(readFileSync(at('chromium-rtclab.tshark.json'), 'utf8')) as { packets: number; rtpBySsrc: Record<string, number>; udpDataFrames: number[]; finishedFrames: number[]; stunTransactionIds: string[] };
type Stat = Record<string, unknown>;
const made = JSON.parse(readFileSync(at('chromium-rtclab.getstats.json'), 'utf8')) as { stats: Record<string, Stat>; ourStreams: { kind: string; ssrc: number }[] };
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
const stats = (type: string) => Object.values(made.stats).filter((s) => s.type === type);

describe('Chromium ↔ rtclab capture, DTLS 1.2, opened with our key log', () => {
  const d = dissectFile(at('chromium-rtclab.pcapng'), readFileSync(at('chromium-rtclab.keylog.txt'), 'utf8'));
  const census = srtpCensus(d);

  it('the DTLS 1.2 handshake decrypts with both Finished verified, in the frames tshark opens', () => {
    // one association; the second pair carries it too (Chromium's close_notify came that way)
    const hs = [...new Set(d.dissector.flows.all().flatMap((f) => (f.dtls?.clientRandom && f.dtls.serverRandom ? [f.dtls] : [])))];
    expect(hs.length).toBe(1);
    expect(hs[0]!.version).toBe('DTLS 1.2');
    expect(hs[0]!.finished).toEqual([{ role: 'client', ok: true }, { role: 'server', ok: true }]);
    const finished = d.packets.filter((p) => /\[decrypted: Finished(, verify_data verified| \(retransmitted\))\]/.test(p.d.summary)).map((p) => p.raw.index + 1);
    expect(finished).toEqual(tshark.finishedFrames);
  });

  it('every SRTP and SRTCP packet, both ways, decrypts and authenticates; no packet has a problem', () => {
    expect(d.packets.length).toBe(tshark.packets);
    expect(census.unopened).toEqual([]);
    expect(census.stun).toBe(tshark.stunTransactionIds.length);
  });

  it('SRTP per SSRC is what tshark counts from the clear headers, SRTCP what it leaves as data', () => {
    // tshark's RTP heuristic rejects SRTP with the P bit (RFC 3550 §5.1: the padding count it reads is the last
    // byte of the auth tag, RFC 3711 §3.1): those frames are SRTP here, every other frame it leaves as data SRTCP
    const rtpBySsrc: Record<string, number> = { ...tshark.rtpBySsrc };
    let srtcp = 0;
    for (const f of tshark.udpDataFrames) {
      const p = d.packets[f - 1]!.d;
      const outer = p.layers.find((l) => l.protocol === 'SRTP' || l.protocol === 'SRTCP')!;
      if (outer.protocol === 'SRTCP') srtcp++;
      else {
        const h = (outer.value as RtpPacket).header;
        expect(h.padding, `frame ${f}`).toBe(true);
        rtpBySsrc[hex(h.ssrc)] = (rtpBySsrc[hex(h.ssrc)] ?? 0) + 1;
      }
    }
    expect(Object.fromEntries([...census.rtp].map(([s, n]) => [hex(s), n]))).toEqual(rtpBySsrc);
    expect([...census.rtcp.values()].reduce((a, b) => a + b, 0)).toBe(srtcp);
    // both sides sent SRTCP: Chromium's RTCP SSRC(s) and ours
    expect(census.rtcp.size).toBeGreaterThanOrEqual(2);
  });

  it('covers what Chromium said it sent and received (the capture ran a little longer than getStats)', () => {
    for (const o of stats('outbound-rtp')) {
      const seen = census.rtp.get(o.ssrc as number) ?? 0;
      expect(seen, `Chromium ${String(o.kind)}`).toBeGreaterThanOrEqual(o.packetsSent as number);
      expect(seen).toBeLessThan((o.packetsSent as number) * 1.5 + 20);
    }
    for (const s of made.ourStreams) {
      const inbound = stats('inbound-rtp').find((x) => x.ssrc === s.ssrc);
      expect(inbound?.packetsReceived as number, `ours ${s.kind}`).toBeGreaterThan(0);
      expect(census.rtp.get(s.ssrc)).toBeGreaterThanOrEqual(inbound!.packetsReceived as number);
    }
  });

  it('SRTP and DTLS on the second candidate pair Chromium moved to open with the first pair\'s handshake', () => {
    const moved = d.packets.filter((p) => p.d.src.startsWith('192.0.2.') && p.d.layers.some((l) => l.protocol === 'RTP' && l.plaintext));
    expect(moved.length).toBeGreaterThan(0);
    // Chromium's close_notify came that way too: the session's association opens it
    const alert = d.packets.filter((p) => p.d.src.startsWith('192.0.2.') && p.d.layers.some((l) => l.protocol === 'DTLS'));
    expect(alert.map((p) => p.d.summary)).toEqual(['encrypted Alert [decrypted: Alert (warning close_notify)]']);
    expect(d.dissector.flows.all().find((f) => f.dtls?.clientRandom)!.dtls!.progress).toBe('closed');
  });

  it('has the STUN transactions tshark has, in order', () => {
    const ids = d.packets.filter((p) => p.d.protocol === 'STUN').map((p) => toHex((p.d.layers.find((l) => l.protocol === 'STUN')!.value as StunMessage).transactionId));
    expect(ids).toEqual(tshark.stunTransactionIds);
  });
});
