import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { LINKTYPE_RAW } from '../wire/pcap/linktype.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';
import { fromHex } from '../core/encoding.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import {
  attributeName,
  crc32,
  decodeStun,
  DtlsInStunAck,
  DtlsInStunData,
  encodeStun,
  getAttribute,
  IceControlling,
  Method,
  Priority,
  shortTermKey,
  Username,
  verifyFingerprint,
  type StunMessage,
} from '../wire/stun/index.ts';
import { Dissector } from './dissector.ts';

// SPED (draft-hancke-webrtc-sped-00 §3.3.2): DTLS-IN-STUN-DATA carries one DTLS handshake packet inside an ICE
// Binding request or response, DTLS-IN-STUN-ACK the CRC-32s of those received. libwebrtc's provisional codes are
// 0xC070 and 0xC071 (api/transport/stun.h STUN_ATTR_META_DTLS_IN_STUN / _ACK): the draft leaves them TBD.

/** A DTLS 1.2 ClientHello record (RFC 6347 §4.1, §4.2.2) built field by field: epoch 0, sequence 0, message_seq 0. */
function clientHelloRecord(): Uint8Array {
  const body = [
    0xfe, 0xfd, // client_version DTLS 1.2
    ...new Array<number>(32).fill(0x5a), // random
    0x00, // session_id: empty
    0x00, // cookie: empty
    0x00, 0x02, 0xc0, 0x2b, // cipher_suites: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    0x01, 0x00, // compression_methods: null
  ];
  const n = body.length;
  const handshake = [0x01, 0, 0, n, 0x00, 0x00, 0, 0, 0, 0, 0, n, ...body]; // ClientHello, length, message_seq, fragment offset/length
  return new Uint8Array([0x16, 0xfe, 0xfd, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0x00, handshake.length, ...handshake]);
}

const TID = fromHex('0102030405060708090a0b0c');
const KEY = shortTermKey('remote-password-of-24b!!');

function bindingRequest(extra: StunMessage['attributes']): Uint8Array {
  const msg: StunMessage = {
    method: Method.Binding,
    class: 'request',
    transactionId: TID,
    attributes: [Username.of('rUfr:lUfr'), Priority.of(0x6e7f1eff), IceControlling.of(0x1122334455667788n), ...extra],
  };
  return encodeStun(msg, { integrity: KEY, fingerprint: true });
}

const udp = (payload: Uint8Array, dstPort = 50001): Uint8Array => encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 50000, dstPort, payload });

describe('SPED attributes on the wire (draft-hancke-webrtc-sped §3.3.2)', () => {
  it('names 0xC070 and 0xC071 and writes the embedded DTLS packet as the attribute value, padded to 4 bytes', () => {
    expect(attributeName(0xc070)).toBe('DTLS-IN-STUN-DATA');
    expect(attributeName(0xc071)).toBe('DTLS-IN-STUN-ACK');
    const record = clientHelloRecord();
    expect(record.length).toBe(13 + 12 + 42);
    const bytes = bindingRequest([DtlsInStunAck.of([]), DtlsInStunData.of(record)]);
    // USERNAME (4+12) PRIORITY (8) ICE-CONTROLLING (12) then the ACK header, empty, then DATA's header
    const ack = 20 + 16 + 8 + 12;
    expect(Array.from(bytes.subarray(ack, ack + 4))).toEqual([0xc0, 0x71, 0x00, 0x00]);
    expect(Array.from(bytes.subarray(ack + 4, ack + 8))).toEqual([0xc0, 0x70, 0x00, record.length]);
    expect(bytes.subarray(ack + 8, ack + 8 + record.length)).toEqual(record);
    expect(Array.from(bytes.subarray(ack + 8 + record.length, ack + 8 + 68))).toEqual([0]); // 67 → 68
    expect(verifyFingerprint(bytes).status).toBe('valid');
    const m = decodeStun(bytes).value!;
    expect(getAttribute(m, DtlsInStunData)).toEqual(record);
    expect(getAttribute(m, DtlsInStunAck)).toEqual([]);
  });

  it('reads an ACK as the CRC-32 of each DTLS packet received (as FINGERPRINT computes it, without the XOR)', () => {
    const record = clientHelloRecord();
    const crc = crc32(record);
    const bytes = bindingRequest([DtlsInStunAck.of([crc, 0xdeadbeef]), DtlsInStunData.of(new Uint8Array(0))]);
    const d = decodeStun(bytes);
    expect(d.problems).toEqual([]);
    expect(getAttribute(d.value!, DtlsInStunAck)).toEqual([crc, 0xdeadbeef]);
    expect(getAttribute(d.value!, DtlsInStunData)?.length).toBe(0);
    expect(DtlsInStunData.show(new Uint8Array(0))).toBe('empty (SPED supported)');
    expect(DtlsInStunAck.show([0xdeadbeef])).toBe('0xdeadbeef');
  });
});

describe('the DTLS packet a Binding request embeds is dissected as DTLS', () => {
  it('a check carrying the ClientHello shows STUN then the DTLS ClientHello at the bytes of the attribute value', () => {
    const record = clientHelloRecord();
    const bytes = udp(bindingRequest([DtlsInStunAck.of([]), DtlsInStunData.of(record)]));
    const p = new Dissector().packet(bytes);
    const names = p.layers.map((l) => l.protocol);
    const s = names.indexOf('STUN');
    expect(names.slice(s)).toEqual(['STUN', 'DTLS']);
    const dtls = p.layers[s + 1]!;
    expect(bytes.subarray(dtls.offset, dtls.offset + dtls.length)).toEqual(record);
    expect(dtls.summary).toMatch(/ClientHello/);
    expect(p.layers[s]!.summary).toMatch(/^Binding Request.*: .*ClientHello/);
    expect(p.problems).toEqual([]);
  });

  it('a Binding success response embedding the server flight dissects the same way', () => {
    const record = clientHelloRecord();
    record[13] = 0x02; // ServerHello (its body is what DTLS says about it; the record layer is what we pin)
    const msg: StunMessage = { method: Method.Binding, class: 'success', transactionId: TID, attributes: [DtlsInStunAck.of([crc32(clientHelloRecord())]), DtlsInStunData.of(record)] };
    const p = new Dissector().packet(udp(encodeStun(msg, { integrity: KEY, fingerprint: true })));
    const names = p.layers.map((l) => l.protocol);
    expect(names.slice(names.indexOf('STUN'))).toEqual(['STUN', 'DTLS']);
  });

  it('an empty DTLS-IN-STUN-DATA (support only) adds no layer and no problem', () => {
    const p = new Dissector().packet(udp(bindingRequest([DtlsInStunAck.of([]), DtlsInStunData.of(new Uint8Array(0))])));
    expect(p.layers[p.layers.length - 1]!.protocol).toBe('STUN');
    expect(p.problems).toEqual([]);
  });
});

describe('garbled SPED values give a note, never a throw', () => {
  it('a DATA value whose first byte is not DTLS is noted and not dissected as DTLS', () => {
    const p = new Dissector().packet(udp(bindingRequest([DtlsInStunData.of(fromHex('00010203'))])));
    expect(p.layers[p.layers.length - 1]!.protocol).toBe('STUN');
    expect(p.problems.map((x) => x.message).join('\n')).toMatch(/DTLS-IN-STUN-DATA: first byte 0 is not DTLS/);
  });

  it('an ACK whose length is not a multiple of 4 keeps the whole CRCs and notes the rest', () => {
    // hand-built: Binding request header (RFC 8489 §5), then an ACK of 6 bytes (one CRC, two stray bytes) padded to 8
    const bytes = fromHex('0001000c2112a442' + '0102030405060708090a0b0c' + 'c0710006cafef00d99990000');
    const d = decodeStun(bytes);
    expect(getAttribute(d.value!, DtlsInStunAck)).toEqual([0xcafef00d]);
    expect(d.problems.map((x) => x.message).join('\n')).toMatch(/DTLS-IN-STUN-ACK: 2 byte\(s\) left over/);
  });

  it('more than the recommended 4 acknowledgements are read and noted', () => {
    const d = decodeStun(bindingRequest([DtlsInStunAck.of([1, 2, 3, 4, 5])]));
    expect(getAttribute(d.value!, DtlsInStunAck)).toEqual([1, 2, 3, 4, 5]);
    expect(d.problems.map((x) => x.message).join('\n')).toMatch(/5 acknowledgements, more than the recommended cap of 4/);
  });

  it('a truncated DTLS record inside DTLS-IN-STUN-DATA is a DTLS problem, not a crash', () => {
    const cut = clientHelloRecord().subarray(0, 20);
    const p = new Dissector().packet(udp(bindingRequest([DtlsInStunData.of(cut)])));
    const names = p.layers.map((l) => l.protocol);
    expect(names.slice(names.indexOf('STUN'))).toEqual(['STUN', 'DTLS']);
    expect(p.problems.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!tsharkAvailable())('tshark judges the bytes', () => {
  it('reads the SPED check with no malformed packet (0xC070/0xC071 as unknown attributes of the right lengths) and the embedded record alone as a DTLS ClientHello', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-sped-'));
    try {
      const record = clientHelloRecord();
      const file = join(dir, 'sped.pcap');
      const frames = [udp(bindingRequest([DtlsInStunAck.of([crc32(record)]), DtlsInStunData.of(record)])), udp(record, 50002)];
      writeFileSync(file, writePcap(frames.map((data, i) => ({ seconds: i, fraction: 0, data })), { linkType: LINKTYPE_RAW }));
      const run = (...extra: string[]): string =>
        execFileSync('tshark', ['-r', file, '-n', '-d', 'udp.port==50001,stun', '-d', 'udp.port==50002,dtls', ...extra], { encoding: 'utf8' });
      const verbose = run('-V');
      expect(verbose).not.toMatch(/Malformed/i);
      const rows = run('-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'stun.att.type', '-e', 'stun.att.length', '-e', 'stun.att.crc32.status', '-e', 'dtls.handshake.type').trim().split('\n');
      expect(rows.length).toBe(2);
      const [types, lengths, crc] = rows[0]!.split('\t');
      // tshark 4.0 knows neither code (no stun.att.type for them) but reads their lengths and goes on to the end
      expect(types).toBe('0x0006,0x0024,0x802a,0x0008,0x8028');
      expect(lengths).toBe(`9,4,8,4,${record.length},20,4`);
      expect(crc).toBe('1'); // FINGERPRINT status 1: Good
      expect(verbose).toMatch(new RegExp(`Unknown attribute 0xc071[\\s\\S]*?Attribute Length: 4\\n\\s*Value: ${crc32(record).toString(16).padStart(8, '0')}`));
      expect(verbose).toMatch(new RegExp(`Unknown attribute 0xc070[\\s\\S]*?Attribute Length: ${record.length}\\n\\s*Value: 16fefd0000`));
      expect(rows[1]!.split('\t')[3]).toBe('1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
