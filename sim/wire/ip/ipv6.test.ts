// IPv6 fixed header and the extension-header walk (RFC 8200 §4) to the upper-layer protocol.
import { describe, expect, it } from 'vitest';
import { findField } from '../field.ts';
import { decodeIPv6, encodeIPv6, type IPv6ExtensionInit } from './ipv6.ts';

const payload = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1]);
const base = { src: '2001:db8::1', dst: '2001:db8:0:0:1::2', nextHeader: 17 } as const;
const chain: IPv6ExtensionInit[] = [
  { type: 'hop-by-hop', options: new Uint8Array([5, 2, 0, 0]) },
  { type: 'destination-options', options: new Uint8Array([0x1e, 2, 0xab, 0xcd]) },
  { type: 'routing', routingType: 4, segmentsLeft: 1, data: new Uint8Array(20) },
  { type: 'fragment', fragmentOffset: 0, moreFragments: false, identification: 0xdeadbeef },
  { type: 'destination-options', options: new Uint8Array(0) },
];

describe('IPv6 header', () => {
  it('round-trips the fixed header, addresses in RFC 5952 text', () => {
    const d = decodeIPv6(encodeIPv6({ ...base, trafficClass: 0xb9, flowLabel: 0xfedcb, hopLimit: 7 }, payload));
    expect(d.problems).toEqual([]);
    expect(d.value).toMatchObject({
      version: 6, trafficClass: 0xb9, dscp: 46, ecn: 1, flowLabel: 0xfedcb, payloadLength: 9, nextHeader: 17, hopLimit: 7,
      src: '2001:db8::1', dst: '2001:db8::1:0:0:2', upperProtocol: 17, headerLength: 40, payloadOffset: 40, upperLayerLength: 9,
    });
    expect(findField(d.fields, 'trafficClass')).toMatchObject({ offset: 0, length: 2, bits: { start: 4, count: 8 }, display: '0xb9 (DSCP 46, ECN ECT(1))' });
    expect(findField(d.fields, 'flowLabel')).toMatchObject({ offset: 1, length: 3, bits: { start: 4, count: 20 } });
  });

  it('walks hop-by-hop, destination options, routing and fragment headers to UDP, recording each', () => {
    const d = decodeIPv6(encodeIPv6({ ...base, extensionHeaders: chain }, payload));
    expect(d.problems).toEqual([]);
    const v = d.value!;
    expect(v.extensionHeaders.map((e) => [e.type, e.offset, e.length, e.nextHeader])).toEqual([
      [0, 40, 8, 60],
      [60, 48, 8, 43],
      [43, 56, 24, 44],
      [44, 80, 8, 60],
      [60, 88, 8, 17],
    ]);
    expect(v.upperProtocol).toBe(17);
    expect(v.payloadOffset).toBe(96);
    expect(v.upperLayerLength).toBe(9);
    expect(v.fragment).toEqual({ fragmentOffset: 0, moreFragments: false, identification: 0xdeadbeef, headerOffset: 80 });
    const hbh = findField(d.fields, 'Hop-by-Hop Options header')!;
    expect(hbh).toMatchObject({ offset: 40, length: 8, display: 'next header 60 (IPv6 Destination Options), 8 bytes' });
    expect(findField(hbh.children!, 'Router Alert')).toMatchObject({ offset: 42, length: 4 });
    expect(findField(hbh.children!, 'value')?.display).toBe('0 (MLD)');
    expect(findField(d.fields, 'PadN')).toMatchObject({ offset: 46, length: 2 });
    expect(findField(d.fields, 'option 0x1e')).toMatchObject({ offset: 50, length: 4 });
    expect(findField(d.fields, 'routingType')?.display).toBe('4 (Segment Routing)');
    expect(findField(d.fields, 'identification')?.display).toBe('0xdeadbeef');
  });

  it('a later fragment stops the walk: what follows is not an upper-layer header', () => {
    const d = decodeIPv6(encodeIPv6({ ...base, extensionHeaders: [{ type: 'fragment', fragmentOffset: 3, moreFragments: true, identification: 1 }] }, new Uint8Array(24)));
    expect(d.value).toMatchObject({ upperProtocol: 17, payloadOffset: 48, upperLayerLength: 24, fragment: { fragmentOffset: 3, moreFragments: true } });
    expect(findField(d.fields, 'moreFragments')).toMatchObject({ offset: 42, bits: { start: 15, count: 1 }, display: 'set' });
  });

  it('a Hop-by-Hop header anywhere but first is a problem (RFC 8200 §4.3)', () => {
    const d = decodeIPv6(encodeIPv6({ ...base, extensionHeaders: [chain[1]!, chain[0]!] }, payload));
    expect(d.problems.map((p) => p.message)).toEqual(['a Hop-by-Hop Options header must immediately follow the IPv6 header (RFC 8200 §4.3)']);
    expect(d.value!.upperProtocol).toBe(17);
  });

  it('No Next Header ends the chain with no upper layer', () => {
    const d = decodeIPv6(encodeIPv6({ ...base, nextHeader: 59, extensionHeaders: [chain[0]!] }, new Uint8Array(0)));
    expect(d.value).toMatchObject({ upperProtocol: 59, upperLayerLength: 0 });
  });

  it('every truncation of a datagram with extension headers gives problems, never an exception', () => {
    const full = encodeIPv6({ ...base, extensionHeaders: chain }, payload);
    for (let n = 0; n < full.length; n++) {
      const d = decodeIPv6(full.subarray(0, n));
      expect(d.problems.length, `length ${n}`).toBeGreaterThan(0);
      for (const f of d.fields) expect(f.offset + f.length, `length ${n}: ${f.name}`).toBeLessThanOrEqual(n);
      if (d.value) expect(d.value.payloadOffset + d.value.upperLayerLength).toBeLessThanOrEqual(n);
    }
  });

  it('a payload length that lies is a problem, and so is an extension header longer than the payload', () => {
    const longer = decodeIPv6(encodeIPv6({ ...base, payloadLength: 500 }, payload));
    expect(longer.problems.map((p) => p.message)).toEqual(['payload length 500 exceeds the 9 bytes captured after the header']);
    const short = decodeIPv6(encodeIPv6({ ...base, extensionHeaders: [chain[2]!], payloadLength: 16 }, payload));
    expect(short.value!.upperProtocol).toBeUndefined();
    expect(short.problems[0]!.message).toMatch(/^truncated: the Routing header needs 24 bytes/);
  });

  it('a version other than 6 is refused', () => {
    const b = encodeIPv6(base, payload);
    b[0] = 0x45;
    expect(decodeIPv6(b).value).toBeUndefined();
    expect(decodeIPv6(b).problems[0]!.message).toBe('IP version 4, expected 6');
  });

  it('an option running past its header is a problem', () => {
    const b = encodeIPv6({ ...base, extensionHeaders: [{ type: 'destination-options', options: new Uint8Array([0x1e, 4, 0, 0, 0, 0]) }] }, payload);
    b[43] = 9; // the option now claims 9 bytes in a 6-byte option area
    const d = decodeIPv6(b);
    expect(d.problems.map((p) => p.message)).toEqual(['option option 0x1e runs past the end of its header']);
    expect(d.value!.upperProtocol).toBe(17);
  });
});
