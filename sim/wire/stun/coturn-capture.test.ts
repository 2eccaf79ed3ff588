// The real coturn capture (../shared/captures/stun-turn-coturn): every STUN/TURN message and ChannelData in it
// decodes cleanly, agrees with what tshark wrote in truth.json, and MESSAGE-INTEGRITY verifies with the
// long-term credentials of credentials.json (55/55), FINGERPRINT on all 93.
import { existsSync, readFileSync } from 'node:fs';
import { describe as suite, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { peekUdpDatagram, udpPayload } from '../ip/udp-datagram.ts';
import { readCapture } from '../pcap/index.ts';
import {
  ChannelNumber,
  decodeChannelData,
  decodeStun,
  describe,
  encodeStun,
  ErrorCode,
  getAttribute,
  hex16,
  isChannelData,
  isStun,
  Lifetime,
  longTermKey,
  methodName,
  Nonce,
  Realm,
  reasonText,
  Software,
  Username,
  verifyFingerprint,
  verifyMessageIntegrity,
} from './index.ts';
import type { ChannelData, StunMessage } from './index.ts';
import { capturePath } from '../../../test/captures.ts';

const DIR = new URL(`file://${capturePath('stun-turn-coturn')}/`);
const present = existsSync(new URL('stun-turn-coturn.pcapng', DIR));

interface TruthMessage {
  frame: number;
  src: string;
  dst: string;
  type: string;
  method: string;
  class: string;
  transaction_id: string;
  attributes: string[];
  error_code?: number;
  error_reason?: string;
  username?: string;
  realm?: string;
  nonce?: string;
  lifetime?: number;
  channel_number?: string;
  software?: string;
}

interface Seen {
  frame: number;
  src: string;
  dst: string;
  bytes: Uint8Array;
}

function udpPayloads(): Seen[] {
  const capture = readCapture(new Uint8Array(readFileSync(new URL('stun-turn-coturn.pcapng', DIR))));
  const out: Seen[] = [];
  for (const p of capture.packets) {
    if (p.link.ipOffset === undefined) continue;
    const ip = p.data.subarray(p.link.ipOffset);
    const v = peekUdpDatagram(ip);
    if ('error' in v) continue;
    out.push({ frame: p.index + 1, src: `${v.src}:${v.srcPort}`, dst: `${v.dst}:${v.dstPort}`, bytes: udpPayload(ip, v) });
  }
  return out;
}

const CLASS_NAMES: Record<string, string> = { request: 'request', indication: 'indication', success: 'success_response', error: 'error_response' };

suite.skipIf(!present)('coturn capture', () => {
  const truth = present ? JSON.parse(readFileSync(new URL('truth.json', DIR), 'utf8')) : undefined;
  const creds = present ? JSON.parse(readFileSync(new URL('credentials.json', DIR), 'utf8')) : undefined;
  const payloads = present ? udpPayloads() : [];
  // Only the client↔server leg carries STUN and ChannelData; the relay↔peer leg is opaque application data.
  const serverLeg = payloads.filter((s) => s.src.endsWith(':3478') || s.dst.endsWith(':3478'));
  const stun = serverLeg.filter((s) => isStun(s.bytes));
  const channel = serverLeg.filter((s) => !isStun(s.bytes) && isChannelData(s.bytes, { rfc5766Range: true }));

  it('finds every UDP packet, and all on the server leg are either STUN or ChannelData', () => {
    expect(payloads.length).toBe(truth.packet_count);
    expect(stun.length + channel.length).toBe(serverLeg.length);
    expect(stun.length).toBe(truth.stun.total_stun_messages);
    expect(channel.length).toBe(truth.stun.channeldata_total);
  });

  it('decodes every STUN message without a problem, matching method, class, transaction id and attributes', () => {
    const byFrame = new Map<number, TruthMessage>(truth.stun.messages.map((m: TruthMessage) => [m.frame, m]));
    for (const s of stun) {
      const d = decodeStun(s.bytes);
      // The only remark allowed: uclient binds channel 0x6ab8, valid in RFC 5766 but outside RFC 8656's range.
      const remarks = d.problems.filter((p) => !/CHANNEL-NUMBER 0x6ab8 is in RFC 5766's range/.test(p.message));
      expect(remarks, `frame ${s.frame}`).toEqual([]);
      const m = d.value!;
      const t = byFrame.get(s.frame);
      expect(t, `frame ${s.frame} in truth`).toBeDefined();
      const got = summarize(m);
      const want = {
        method: t!.method,
        class: t!.class,
        transaction_id: t!.transaction_id,
        attributes: t!.attributes,
        error_code: t!.error_code,
        error_reason: t!.error_reason,
        username: t!.username,
        realm: t!.realm,
        nonce: t!.nonce,
        lifetime: t!.lifetime,
        channel_number: t!.channel_number,
        software: t!.software,
      };
      expect(got, `frame ${s.frame}`).toEqual(want);
      expect(m.attributes.every((a) => !a.opaque), `frame ${s.frame}: all attributes known`).toBe(true);
    }
  });

  it('re-encodes every decoded message to the exact bytes on the wire', () => {
    for (const s of stun) expect(toHex(encodeStun(decodeStun(s.bytes).value!)), `frame ${s.frame}`).toBe(toHex(s.bytes));
  });

  it('verifies MESSAGE-INTEGRITY with the long-term key on all 55 messages that carry it, and FINGERPRINT on all 93', () => {
    const key = longTermKey(creds.username, creds.realm, creds.password);
    expect(toHex(key)).toBe(creds.long_term_key_md5_hex);
    const mi = stun.map((s) => verifyMessageIntegrity(s.bytes, key)).filter((r) => r.status !== 'absent');
    const fp = stun.map((s) => verifyFingerprint(s.bytes)).filter((r) => r.status !== 'absent');
    expect(mi.length).toBe(truth.extra.integrity_check.mi_checked);
    expect(mi.filter((r) => r.ok).length).toBe(55);
    expect(fp.length).toBe(truth.extra.integrity_check.fp_checked);
    expect(fp.filter((r) => r.ok).length).toBe(93);
  });

  it('decodes all 26 ChannelData messages; uclient\'s 0x6ab8 (RFC 5766 range) with a warning, 0x4000 cleanly', () => {
    const counts: Record<string, number> = {};
    for (const s of channel) {
      const d = decodeChannelData(s.bytes);
      const cd = d.value!;
      counts[hex16(cd.channel)] = (counts[hex16(cd.channel)] ?? 0) + 1;
      if (cd.channel === 0x4000) expect(d.problems, `frame ${s.frame}`).toEqual([]);
      else expect(d.problems.map((p) => p.message).join(), `frame ${s.frame}`).toMatch(/RFC 5766/);
    }
    expect(counts).toEqual(truth.stun.channeldata_by_channel);
  });

  it('classifies ChannelData by first byte exactly as RFC 7983 does: only the six on 0x4000', () => {
    expect(serverLeg.filter((s) => isChannelData(s.bytes)).length).toBe(truth.rfc7983_demux.counts.turn_channeldata);
  });

  it('reads ChannelData padding both ways: the scripted client pads to 4, coturn does not', () => {
    const on4000 = channel.filter((s) => s.bytes[0] === 0x40);
    const toServer = on4000.find((s) => s.dst.endsWith(':3478'))!;
    const fromServer = on4000.find((s) => s.src.endsWith(':3478'))!;
    expect(toServer.bytes.length % 4).toBe(0);
    expect(decodeChannelData(toServer.bytes).value!.data.length).toBe(13);
    expect(fromServer.bytes.length).toBe(17);
    expect(decodeChannelData(fromServer.bytes).value!.data.length).toBe(13);
  });

  it('describes messages for the ladder', () => {
    const labels = new Map<number, string>();
    for (const s of stun) labels.set(s.frame, describe(decodeStun(s.bytes).value!));
    expect(labels.get(4)).toBe('Allocate Error Response 401 Unauthorized');
    expect(labels.get(168)).toBe('CreatePermission Error Response 438 Wrong nonce');
    expect(labels.get(15)).toMatch(/^ChannelBind Request \(0x48dc → 127\.0\.0\.1:348[01]\)$/);
    expect(labels.get(69)).toBe('Refresh Request (LIFETIME 0)');
    const cd: ChannelData = decodeChannelData(channel[0]!.bytes).value!;
    expect(describe(cd)).toMatch(/^ChannelData 0x6ab8 \(\d+ bytes\)$/);
  });
});

function summarize(m: StunMessage): Record<string, unknown> {
  const err = getAttribute(m, ErrorCode);
  const ch = getAttribute(m, ChannelNumber);
  return {
    method: methodName(m.method),
    class: CLASS_NAMES[m.class],
    transaction_id: toHex(m.transactionId),
    attributes: m.attributes.map((a) => hex16(a.type)),
    error_code: err?.code,
    // coturn ends reason phrases with a NUL byte; tshark shows them without it.
    error_reason: err ? reasonText(err.reason) : undefined,
    username: getAttribute(m, Username),
    realm: getAttribute(m, Realm),
    nonce: getAttribute(m, Nonce),
    lifetime: getAttribute(m, Lifetime),
    channel_number: ch === undefined ? undefined : hex16(ch),
    software: getAttribute(m, Software),
  };
}
