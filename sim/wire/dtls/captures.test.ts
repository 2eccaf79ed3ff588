/**
 * The codec against real captures: openssl DTLS 1.2 (plain and fragmented) and Chromium 156 DTLS 1.3.
 * Every datagram decodes without problems, gets tshark's message sequence and a readable label, and every
 * prefix of every real record decodes to problems, never to an exception.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { findField } from '../field.ts';
import { decodeDatagram } from './datagram.ts';
import type { DissectedRecord } from './datagram.ts';
import { describeDatagram } from './describe.ts';
import { findExtension } from '../handshake/extensions.ts';
import { decodeHandshakeBody } from './handshake.ts';
import { HandshakeReassembler } from './fragment.ts';
import { contentTypeName, handshakeTypeName } from '../handshake/names.ts';
import { decodeRecords } from './record.ts';
import { udpPacketsFromPcapng } from './testing/pcapng-udp.ts';
import type { UdpPacket } from './testing/pcapng-udp.ts';
import { capturePath } from '../../../test/captures.ts';

const OPENSSL = capturePath('dtls-srtp-openssl');
const CHROMIUM = capturePath('chromium-loopback-call', 'chromium-host.pcapng');

const isDtls = (p: UdpPacket): boolean => p.payload[0]! >= 20 && p.payload[0]! <= 63; // RFC 7983 §7
const load = (path: string): UdpPacket[] => udpPacketsFromPcapng(new Uint8Array(readFileSync(path))).filter(isDtls);

interface Truth {
  dtls: { non_appdata_sequence: { frame: number; src: string; records: string[]; handshake?: string[] }[]; record_content_type_counts: Record<string, number> };
}

describe.each([
  ['dtls12-srtp', 4444],
  ['dtls12-srtp-fragmented', 4445],
] as const)('openssl capture %s', (name, serverPort) => {
  const packets = load(`${OPENSSL}/${name}.pcapng`);
  const truth = JSON.parse(readFileSync(`${OPENSSL}/${name}.truth.json`, 'utf8')) as Truth;
  const decoded = new Map(packets.map((p) => [p.frame, decodeDatagram(p.payload)]));

  test('every datagram decodes without a problem and the record type counts match tshark', () => {
    const counts: Record<string, number> = {};
    for (const d of decoded.values()) {
      expect(d.problems).toEqual([]);
      for (const r of d.value) if (r.record.kind === 'dtls12') counts[contentTypeName(r.record.contentType)] = (counts[contentTypeName(r.record.contentType)] ?? 0) + 1;
    }
    expect(counts).toEqual(truth.dtls.record_content_type_counts);
  });

  test('handshake fragments per frame are the ones tshark lists, and reassembly yields each message once, in order', () => {
    const r = { c: new HandshakeReassembler({ ordered: false }), s: new HandshakeReassembler({ ordered: false }) };
    const reassembled: string[] = [];
    for (const want of truth.dtls.non_appdata_sequence) {
      const p = packets.find((x) => x.frame === want.frame)!;
      const side = p.srcPort === serverPort ? r.s : r.c;
      const got: string[] = [];
      for (const { record, content } of decoded.get(want.frame)!.value) {
        if (record.kind === 'dtls12' && record.encrypted && record.contentType === 22) {
          got.push('finished');
          reassembled.push('finished');
        }
        if (content.kind !== 'handshake') continue;
        for (const m of content.messages) {
          got.push(handshakeTypeName(m.fragment.msgType));
          for (const whole of side.push(m.fragment).messages) reassembled.push(handshakeTypeName(whole.msgType));
        }
      }
      expect(got).toEqual(want.handshake ?? []);
    }
    // a message fragmented over several frames appears once, in the frame that completes it
    const flat = truth.dtls.non_appdata_sequence.flatMap((x) => (x.handshake ?? []).map((t) => `${x.src} ${t}`));
    expect(reassembled).toEqual(flat.filter((t, i) => t !== flat[i - 1]).map((t) => t.split(' ')[1]));
  });

  test('labels name flights the way RFC 6347 §4.2.4 numbers them', () => {
    const label = (frame: number): string => {
      const p = packets.find((x) => x.frame === frame)!;
      return describeDatagram(decoded.get(frame)!.value, p.srcPort === serverPort ? 'server' : 'client');
    };
    expect(label(1)).toBe('Flight 1: ClientHello (use_srtp SRTP_AES128_CM_HMAC_SHA1_80)');
    expect(label(2)).toBe('Flight 2: HelloVerifyRequest (cookie 20 bytes)');
    expect(label(3)).toBe('Flight 3: ClientHello (cookie 20 bytes)');
    if (name === 'dtls12-srtp') {
      expect(label(4)).toBe('Flight 4: ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone');
      expect(label(5)).toBe('Flight 5: Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished (encrypted)');
      expect(label(6)).toBe('Flight 6: ChangeCipherSpec, Finished (encrypted)');
      expect(label(9)).toBe('encrypted Alert');
    } else {
      expect(label(4)).toBe('Flight 4: ServerHello, Certificate (fragment 0..108 of 411)');
      expect(label(7)).toBe('Flight 4: ServerKeyExchange (fragment 78..111 of 111), CertificateRequest, ServerHelloDone');
    }
  });

  test('every prefix of every real datagram decodes to problems, never an exception, never a false record', () => {
    for (const p of packets) {
      // a prefix ending exactly between two records is itself a valid datagram
      const boundaries = new Set(decoded.get(p.frame)!.value.map((r) => r.record.offset));
      for (let n = 0; n < p.payload.length; n++) {
        const d = decodeDatagram(p.payload.subarray(0, n));
        if (!boundaries.has(n)) expect(d.problems.length).toBeGreaterThan(0);
        for (const f of d.fields) expect(f.offset + f.length).toBeLessThanOrEqual(n);
      }
    }
  });

  test('random byte corruption of real datagrams never throws and keeps every span inside the buffer', () => {
    const rng = Rng.fromSeed(42).fork(name);
    for (let i = 0; i < 2000; i++) {
      const p = rng.pick(packets);
      const bad = p.payload.slice();
      for (let k = rng.int(1, 4); k > 0; k--) bad[rng.int(0, bad.length)] = rng.int(0, 256);
      const d = decodeDatagram(bad);
      for (const f of d.fields) expect(f.offset + f.length).toBeLessThanOrEqual(bad.length);
    }
  });

  test('every prefix of every real handshake body decodes without throwing', () => {
    for (const d of decoded.values()) {
      for (const r of d.value) {
        if (r.content.kind !== 'handshake') continue;
        for (const m of r.content.messages) {
          if (!m.body) continue;
          // RFC 5246 §7.4.1.2: a hello may end before its (optional) extensions
          const ext = findField(decodeHandshakeBody(m.fragment.msgType, m.fragment.fragment).fields, 'extensions');
          for (let n = 0; n < m.fragment.fragment.length; n++) {
            const b = decodeHandshakeBody(m.fragment.msgType, m.fragment.fragment.subarray(0, n));
            if (n !== ext?.offset) expect(b.problems.length).toBeGreaterThan(0);
          }
        }
      }
    }
  });
});

describe('Chromium 156 DTLS 1.3 capture', () => {
  const packets = load(CHROMIUM);
  const decoded = packets.map((p) => ({ p, d: decodeDatagram(p.payload) }));

  test('all DTLS datagrams decode without problems: 3 plaintext handshake datagrams and 21 unified-header ones', () => {
    for (const { d } of decoded) expect(d.problems).toEqual([]);
    const unified = decoded.filter(({ d }) => d.value.every((r) => r.record.kind === 'dtls13-ciphertext'));
    expect(unified.length).toBe(21);
    expect(decoded.length - unified.length).toBe(3);
  });

  test('the unified header bits are read per RFC 9147 §4 (0x2e: no CID, 16-bit seq, length present, epoch 2)', () => {
    const first = decoded.find(({ p }) => p.payload[0] === 0x2e)!;
    const rec = first.d.value[0]!.record;
    if (rec.kind !== 'dtls13-ciphertext') throw new Error('expected a unified header');
    expect([rec.connectionIdPresent, rec.sequenceNumberLength, rec.lengthPresent, rec.epochLowBits]).toEqual([false, 2, true, 2]);
    expect(decodeRecords(first.p.payload).value.reduce((n, r) => n + (r.kind === 'dtls13-ciphertext' ? 5 + r.length : 0), 0)).toBe(first.p.payload.length);
    expect(describeDatagram(first.d.value)).toMatch(/^encrypted DTLS 1\.3 record \(epoch bits 2, seq 0x[0-9a-f]{4} \(encrypted\), \d+ bytes\)$/);
  });

  test('the fragmented DTLS 1.3 ClientHello reassembles and shows supported_versions and the hybrid key share', () => {
    // one reassembler per direction: both sides start at message_seq 0
    const bySource = new Map<number, HandshakeReassembler>();
    const whole = decoded.flatMap(({ p, d }) => {
      const r = bySource.get(p.srcPort) ?? new HandshakeReassembler({ ordered: false });
      bySource.set(p.srcPort, r);
      return d.value.flatMap((x: DissectedRecord) => (x.content.kind === 'handshake' ? x.content.messages.flatMap((m) => r.push(m.fragment).messages) : []));
    });
    expect(whole.map((m) => handshakeTypeName(m.msgType))).toEqual(['client_hello', 'server_hello']);
    const ch = decodeHandshakeBody(whole[0]!.msgType, whole[0]!.body);
    expect(ch.problems).toEqual([]);
    if (ch.value.type !== 'client_hello') throw new Error('not a ClientHello');
    expect(findExtension(ch.value.extensions, 'supported_versions')?.body.versions).toContain(0xfefc);
    const shares = findExtension(ch.value.extensions, 'key_share')?.body.shares ?? [];
    expect(shares.map((s) => [s.group, s.keyExchange.length])).toContainEqual([0x11ec, 1216]);
    const sh = decodeHandshakeBody(whole[1]!.msgType, whole[1]!.body);
    expect(sh.value.type === 'server_hello' && findExtension(sh.value.extensions, 'supported_versions')?.body.selected).toBe(0xfefc);
    const shLabel = decoded.map(({ d }) => describeDatagram(d.value)).find((l) => l.startsWith('ServerHello'));
    expect(shLabel).toBe('ServerHello (DTLS 1.3, key_share X25519MLKEM768)');
  });

  test('every prefix of the DTLS 1.3 datagrams decodes without throwing', () => {
    for (const { p } of decoded.slice(0, 8)) for (let n = 0; n < p.payload.length; n += 7) decodeDatagram(p.payload.subarray(0, n));
  });
});
