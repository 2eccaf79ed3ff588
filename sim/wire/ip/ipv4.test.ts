// IPv4 header codec: round trips, the checksum verdict, and malformed headers that must give problems, not throws.
import { describe, expect, it } from 'vitest';
import { findField } from '../field.ts';
import { decodeIPv4, encodeIPv4, fixIPv4Checksum } from './ipv4.ts';
import { canonicalIp, formatIPv4 } from './address.ts';

const payload = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
const base = { src: '192.0.2.1', dst: '198.51.100.7', protocol: 17 } as const;

describe('IPv4 header', () => {
  it('round-trips every field, options included', () => {
    const bytes = encodeIPv4({ ...base, ttl: 3, dscp: 46, ecn: 2, identification: 0xbeef, moreFragments: true, fragmentOffset: 185, options: new Uint8Array([148, 4, 0, 0]) }, payload);
    const d = decodeIPv4(bytes);
    expect(d.problems).toEqual([]);
    expect(d.value).toMatchObject({
      version: 4, ihl: 6, dscp: 46, ecn: 2, totalLength: 24 + 7, identification: 0xbeef, dontFragment: false, moreFragments: true,
      fragmentOffset: 185, ttl: 3, protocol: 17, headerChecksumOk: true, src: '192.0.2.1', dst: '198.51.100.7', headerLength: 24, payloadOffset: 24, payloadLength: 7,
    });
    expect([...d.value!.options]).toEqual([148, 4, 0, 0]);
    expect(findField(d.fields, 'Router Alert')).toMatchObject({ offset: 20, length: 4 });
    expect(findField(d.fields, 'protocol')?.display).toBe('17 (UDP)');
    expect(findField(d.fields, 'fragmentOffset')).toMatchObject({ offset: 6, length: 2, bits: { start: 3, count: 13 }, display: '185 (1480 bytes)' });
  });

  it('pads options to a multiple of four bytes with End of Option List', () => {
    const bytes = encodeIPv4({ ...base, options: new Uint8Array([1, 1, 1, 1, 1]) }, payload);
    expect(bytes[0]).toBe(0x47);
    expect([...bytes.subarray(20, 28)]).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('spans are shifted by the base offset of the buffer', () => {
    const d = decodeIPv4(encodeIPv4(base, payload), 14);
    expect(findField(d.fields, 'source')).toMatchObject({ offset: 26, length: 4, display: '192.0.2.1' });
    expect(findField(d.fields, 'version')).toMatchObject({ offset: 14, bits: { start: 0, count: 4 } });
  });

  it('says what a wrong header checksum should be', () => {
    const good = encodeIPv4(base, payload);
    const bad = good.slice();
    bad[11] = bad[11]! ^ 0x01;
    const d = decodeIPv4(bad);
    const expected = `0x${((good[10]! << 8) | good[11]!).toString(16).padStart(4, '0')}`;
    expect(d.value!.headerChecksumOk).toBe(false);
    expect(findField(d.fields, 'headerChecksum')?.display).toMatch(new RegExp(`\\(incorrect, should be ${expected}\\)$`));
    expect(d.problems.map((p) => p.message)).toEqual([`bad header checksum 0x${((bad[10]! << 8) | bad[11]!).toString(16).padStart(4, '0')}, should be ${expected}`]);
  });

  it('fixIPv4Checksum repairs a header after a TTL change', () => {
    const b = encodeIPv4(base, payload);
    b[8] = 1;
    expect(decodeIPv4(b).value!.headerChecksumOk).toBe(false);
    fixIPv4Checksum(b);
    expect(decodeIPv4(b).value!.headerChecksumOk).toBe(true);
  });

  it('every truncation of a valid datagram gives problems, never an exception', () => {
    const full = encodeIPv4({ ...base, options: new Uint8Array([7, 7, 4, 0, 0, 0, 0, 0]) }, payload);
    for (let n = 0; n < full.length; n++) {
      const d = decodeIPv4(full.subarray(0, n));
      if (n === 0) continue; // nothing to say about nothing but "truncated"
      expect(d.problems.length, `length ${n}`).toBeGreaterThan(0);
      for (const f of d.fields) expect(f.offset + f.length, `length ${n}: ${f.name}`).toBeLessThanOrEqual(n);
    }
    expect(decodeIPv4(new Uint8Array(0)).problems[0]?.message).toMatch(/^truncated/);
  });

  it('rejects IHL below 5 and a version other than 4', () => {
    const b = encodeIPv4(base, payload);
    b[0] = 0x44;
    expect(decodeIPv4(b).value).toBeUndefined();
    expect(decodeIPv4(b).problems[0]!.message).toMatch(/IHL 4 \(16 bytes\) is less than the minimum 5/);
    b[0] = 0x65;
    expect(decodeIPv4(b).problems[0]!.message).toBe('IP version 6, expected 4');
  });

  it('an IHL pointing past the captured bytes is truncation', () => {
    const b = encodeIPv4({ ...base, ihl: 15, headerChecksum: 0 }, new Uint8Array(10));
    const d = decodeIPv4(b);
    expect(d.value).toBeUndefined();
    expect(d.problems.some((p) => p.message.includes('IHL says the header has 60 bytes, only 30 captured'))).toBe(true);
  });

  it('a total length that lies either way is a problem and the payload is cut to what is there', () => {
    const longer = decodeIPv4(encodeIPv4({ ...base, totalLength: 1000 }, payload));
    expect(longer.problems.map((p) => p.message)).toContain('total length 1000 exceeds the 27 bytes captured');
    expect(longer.value!.payloadLength).toBe(7);
    const shorter = decodeIPv4(encodeIPv4({ ...base, totalLength: 12 }, payload));
    expect(shorter.problems.map((p) => p.message)).toContain('total length 12 is less than the header length 20');
    expect(shorter.value!.payloadLength).toBe(0);
  });

  it('trailing bytes beyond the total length (Ethernet padding) are not payload', () => {
    const b = new Uint8Array(60);
    b.set(encodeIPv4(base, payload));
    const d = decodeIPv4(b);
    expect(d.problems).toEqual([]);
    expect(d.value!.payloadLength).toBe(7);
  });

  it('a malformed option is a problem', () => {
    const d = decodeIPv4(encodeIPv4({ ...base, options: new Uint8Array([68, 40, 5, 0]) }, payload));
    expect(d.problems.map((p) => p.message)).toEqual(['IPv4 option 68 has a bad length 40']);
  });

  it('reads the same header, problems and pseudo-header checksum without spans (its fast path) as with them, whatever byte is changed', () => {
    const good = encodeIPv4({ ...base, ttl: 9, identification: 0x1234, dontFragment: true }, payload);
    const keys = ['version', 'ihl', 'dscp', 'ecn', 'totalLength', 'identification', 'reservedFlag', 'dontFragment', 'moreFragments', 'fragmentOffset', 'ttl', 'protocol', 'headerChecksum', 'headerChecksumOk', 'expectedChecksum', 'src', 'dst', 'headerLength', 'payloadOffset', 'payloadLength'] as const;
    let compared = 0;
    for (let at = 0; at < good.length; at++) {
      for (const v of [0x00, 0x45, 0x80, 0xff, good[at]! ^ 1]) {
        const b = good.slice();
        b[at] = v;
        for (const cut of [b, b.subarray(0, 20), b.subarray(0, 19)]) {
          const withSpans = decodeIPv4(cut, 14, undefined, true);
          const without = decodeIPv4(cut, 14, undefined, false);
          expect(without.problems).toEqual(withSpans.problems);
          expect(without.value === undefined).toBe(withSpans.value === undefined);
          if (!withSpans.value || !without.value) continue;
          for (const k of keys) expect(without.value[k], `${k} after byte ${at} = ${v}`).toEqual(withSpans.value[k]);
          expect([...without.value.srcBytes, ...without.value.dstBytes]).toEqual([...withSpans.value.srcBytes, ...withSpans.value.dstBytes]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(200);
  });
});

describe('formatIPv4 remembers only whole addresses', () => {
  it('a short array (a truncated packet) does not give its text to the whole address its key names', () => {
    // the seeded scenario mutations crashed on "0.0.0.0/0" once a truncated address had been written first
    expect(formatIPv4(new Uint8Array([0]))).toBe('0.undefined.undefined.undefined');
    expect(formatIPv4(new Uint8Array([0, 0, 0, 0]))).toBe('0.0.0.0');
    expect(formatIPv4(new Uint8Array([7, 1]), 1)).toBe('1.undefined.undefined.undefined');
    expect(formatIPv4(new Uint8Array([1, 0, 0, 0]))).toBe('1.0.0.0');
    expect(canonicalIp('0.0.0.0')).toBe('0.0.0.0');
  });
});
