// Decoders that keep one Reader (IPv4, UDP, RTP, SRTCP, link layers) reset it per call: what one call handed out (problems, fields)
// must never change when the next call reads other bytes, with spans off or on.
import { describe, expect, it } from 'vitest';
import { decodeIPv4 } from './ip/ipv4.ts';
import { decodeUdp } from './ip/udp.ts';
import { encodeUdpDatagram } from './ip/udp-datagram.ts';
import { decodeRtp, encodeRtp } from './rtp/rtp.ts';
import { Reader } from './reader.ts';
import { utf8Encode } from '../core/encoding.ts';
import { decodeSrtcp } from './srtp/protected.ts';
import { SRTP_PROFILES } from './srtp/profiles.ts';

const good = encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 1000, dstPort: 2000, payload: utf8Encode('hello') });
function broken(): Uint8Array {
  const b = good.slice();
  b[10] = b[10]! ^ 0xff; // header checksum
  b[6] = b[6]! | 0x80; // reserved flag
  return b;
}

describe('decoders reusing one Reader', () => {
  for (const spans of [false, true]) {
    it(`IPv4 problems and fields of one call survive the next call (spans ${spans ? 'on' : 'off'})`, () => {
      const bad = decodeIPv4(broken(), 0, undefined, spans);
      const before = bad.problems.map((p) => p.message);
      const fieldsBefore = bad.fields.map((f) => f.name);
      expect(before.length).toBe(2);
      const ok = decodeIPv4(good, 0, undefined, spans);
      decodeIPv4(broken().subarray(0, 12), 0, undefined, spans);
      expect(ok.problems).toEqual([]);
      expect(bad.problems.map((p) => p.message)).toEqual(before);
      expect(bad.fields.map((f) => f.name)).toEqual(fieldsBefore);
      expect(fieldsBefore.length).toBe(spans ? 15 : 0);
    });
  }

  it('a clean decode hands out the shared frozen empty list, which nobody can add to', () => {
    const d = decodeIPv4(good, 0, undefined, false);
    expect(d.problems).toEqual([]);
    expect(Object.isFrozen(d.problems)).toBe(true);
    expect(Object.isFrozen(d.fields)).toBe(true);
  });

  it('UDP and RTP keep the problems of each call apart', () => {
    const udp = good.subarray(20);
    const short = decodeUdp(udp.subarray(0, 4), { spans: false });
    const whole = decodeUdp(udp, { spans: false });
    expect(short.problems[0]?.message).toMatch(/truncated/);
    expect(whole.problems).toEqual([]);
    const rtp = encodeRtp({ payloadType: 111, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: new Uint8Array(8) });
    const v1 = rtp.slice();
    v1[0] = (v1[0]! & 0x3f) | 0x40;
    const wrong = decodeRtp(v1);
    const right = decodeRtp(rtp);
    expect(wrong.problems.map((p) => p.message)).toEqual(['RTP version 1, expected 2']);
    expect(right.problems).toEqual([]);
    expect(right.fields.length).toBeGreaterThan(0);
  });

  it('RTP cut inside its fixed header gives the same problems with spans off as on', () => {
    const rtp = encodeRtp({ payloadType: 96, sequenceNumber: 7, timestamp: 9, ssrc: 0xabcdef01, payload: new Uint8Array(4) });
    for (const cut of [3, 5, 9, 11]) {
      const on = decodeRtp(rtp.subarray(0, cut));
      const off = decodeRtp(rtp.subarray(0, cut), { spans: false });
      expect(off.problems).toEqual(on.problems);
      expect(off.value).toEqual(on.value);
      expect(on.problems[0]?.message).toMatch(/^truncated: (sequence number|timestamp|SSRC) needs/);
    }
  });

  it('SRTCP keeps each call\u2019s problems apart and reads the same with spans off', () => {
    const profile = SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80;
    const short = decodeSrtcp(new Uint8Array(6), profile);
    const packet = new Uint8Array(8 + 4 + 10);
    packet.set([0x80, 200, 0, 1, 0x12, 0x34, 0x56, 0x78]);
    packet[8] = 0x80; // E flag, index 0
    const whole = decodeSrtcp(packet, profile, 0, false);
    expect(short.problems[0]?.message).toMatch(/too few for SRTCP/);
    expect(whole.problems).toEqual([]);
    expect(decodeSrtcp(packet, profile, 0, false).value).toEqual(decodeSrtcp(packet, profile).value);
    expect(whole.value).toMatchObject({ packetType: 200, ssrc: 0x12345678, encrypted: true, index: 0 });
  });

  it('reset makes the reader read like a new one at the given base', () => {
    const r = new Reader(new Uint8Array([1, 2, 3]), 100);
    r.u32('x');
    expect(r.truncated).toBe(true);
    const first = r.problems;
    r.reset(new Uint8Array([0, 7]), 40);
    expect(first.length).toBe(1);
    expect(r.problemList()).toEqual([]);
    expect(r.u16('y')).toBe(7);
    expect(r.truncated).toBe(false);
    expect(r.fieldList()).toEqual([{ name: 'y', offset: 40, length: 2, display: '7' }]);
  });
});
