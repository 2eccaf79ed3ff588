// UDP codec, the decodeUdpDatagram combination, and agreement with the simulator's fast path (udp-datagram.ts).
import { describe, expect, it } from 'vitest';
import { findField } from '../field.ts';
import { parseIp } from './address.ts';
import { decodeIpDatagram, decodeUdpDatagram } from './datagram.ts';
import { encodeIPv4 } from './ipv4.ts';
import { encodeIPv6 } from './ipv6.ts';
import { decodeUdp, encodeUdp } from './udp.ts';
import { encodeUdpDatagram, peekUdpDatagram, rewriteUdpDatagram, udpChecksumOk } from './udp-datagram.ts';

const payload = new TextEncoder().encode('hello, checksum');
const pseudo4 = { family: 4, src: parseIp('10.0.0.1')!, dst: parseIp('10.0.0.2')!, protocol: 17 } as const;
const pseudo6 = { family: 6, src: parseIp('fe80::1')!, dst: parseIp('2001:db8::2')!, protocol: 17 } as const;

describe('UDP header', () => {
  it('round-trips, and the checksum it writes is the one the decoder expects', () => {
    for (const pseudo of [pseudo4, pseudo6]) {
      const bytes = encodeUdp({ srcPort: 5000, dstPort: 3478 }, payload, pseudo);
      const d = decodeUdp(bytes, { pseudo });
      expect(d.problems).toEqual([]);
      expect(d.value).toMatchObject({ srcPort: 5000, dstPort: 3478, length: 8 + payload.length, checksumStatus: 'correct', payloadOffset: 8, payloadLength: payload.length });
      expect(d.value!.expectedChecksum).toBe(d.value!.checksum);
      expect(findField(d.fields, 'checksum')?.display).toMatch(/^0x[0-9a-f]{4} \(correct\)$/);
      expect(findField(d.fields, 'payload')).toMatchObject({ offset: 8, length: payload.length });
    }
  });

  it('a computed checksum of zero is sent as 0xffff (RFC 768)', () => {
    // find a payload whose checksum computes to zero by adjusting two bytes
    const body = new Uint8Array(2);
    const probe = encodeUdp({ srcPort: 1, dstPort: 2 }, body, pseudo4);
    const c = (probe[6]! << 8) | probe[7]!;
    // adding the checksum value into the data makes the ones' complement sum all ones: checksum 0 → 0xffff
    body[0] = c >> 8;
    body[1] = c & 0xff;
    const bytes = encodeUdp({ srcPort: 1, dstPort: 2 }, body, pseudo4);
    expect([bytes[6], bytes[7]]).toEqual([0xff, 0xff]);
    expect(decodeUdp(bytes, { pseudo: pseudo4 }).value!.checksumStatus).toBe('correct');
  });

  it('checksum 0 means "none" over IPv4 but is an error over IPv6 (RFC 8200 §8.1)', () => {
    const bytes = encodeUdp({ srcPort: 1, dstPort: 2, checksum: 0 }, payload);
    const v4 = decodeUdp(bytes, { pseudo: pseudo4 });
    expect(v4.value!.checksumStatus).toBe('absent');
    expect(v4.problems).toEqual([]);
    expect(findField(v4.fields, 'checksum')?.display).toBe('0x0000 (none: checksum not used (RFC 768))');
    const v6 = decodeUdp(bytes, { pseudo: pseudo6 });
    expect(v6.value!.checksumStatus).toBe('incorrect');
    expect(v6.problems.map((p) => p.message)).toEqual(['UDP checksum 0 over IPv6 is not allowed (RFC 8200 §8.1)']);
  });

  it('a flipped payload bit is caught, with the value the checksum should have', () => {
    const bytes = encodeUdp({ srcPort: 1, dstPort: 2 }, payload, pseudo6);
    bytes[12] = bytes[12]! ^ 0x40;
    const d = decodeUdp(bytes, { pseudo: pseudo6 });
    const good = encodeUdp({ srcPort: 1, dstPort: 2 }, bytes.subarray(8), pseudo6);
    expect(d.value!.checksumStatus).toBe('incorrect');
    expect(d.value!.expectedChecksum).toBe((good[6]! << 8) | good[7]!);
  });

  it('length fields that disagree with the IP payload are problems', () => {
    const tooLong = decodeUdp(encodeUdp({ srcPort: 1, dstPort: 2, length: 200 }, payload, pseudo4), { pseudo: pseudo4 });
    expect(tooLong.problems.map((p) => p.message)).toEqual([`UDP length 200 exceeds the ${8 + payload.length} bytes of the IP payload`]);
    expect(tooLong.value!.checksumStatus).toBe('unverified');
    const tooShort = decodeUdp(encodeUdp({ srcPort: 1, dstPort: 2, length: 4 }, payload, pseudo4), { pseudo: pseudo4 });
    expect(tooShort.problems[0]!.message).toBe('UDP length 4 is less than the 8-byte header (RFC 768)');
    const shorter = decodeUdp(encodeUdp({ srcPort: 1, dstPort: 2, length: 10 }, payload, pseudo4), { pseudo: pseudo4 });
    expect(shorter.problems[0]!.message).toBe(`UDP length 10 is less than the ${8 + payload.length} bytes of the IP payload`);
    expect(shorter.value!.payloadLength).toBe(2);
  });

  it('without a pseudo-header the checksum is shown unverified', () => {
    const d = decodeUdp(encodeUdp({ srcPort: 1, dstPort: 2 }, payload, pseudo4));
    expect(d.value!.checksumStatus).toBe('unverified');
    expect(findField(d.fields, 'checksum')?.display).toMatch(/\(unverified: no IP pseudo-header\)$/);
  });
});

describe('decodeUdpDatagram', () => {
  it('gives the IP layer, the UDP layer and the payload as an offset into the input', () => {
    const bytes = encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 40000, dstPort: 3478, payload });
    const l = decodeUdpDatagram(bytes, 100);
    expect(l.problems).toEqual([]);
    expect(l.ip.value).toMatchObject({ family: 4, src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, ttl: 64, payloadOffset: 20 });
    expect(l.payloadOffset).toBe(28);
    expect(new TextDecoder().decode(l.payload)).toBe('hello, checksum');
    expect(findField(l.fields, 'dstPort')).toMatchObject({ offset: 122, length: 2, display: '3478' });
    expect(l.fields.length).toBe(l.ip.fields.length + l.udp!.fields.length);
  });

  it('finds UDP behind IPv6 extension headers and verifies its checksum', () => {
    const udp = encodeUdp({ srcPort: 1, dstPort: 2 }, payload, { family: 6, src: parseIp('2001:db8::1')!, dst: parseIp('2001:db8::2')!, protocol: 17 });
    const bytes = encodeIPv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 17, extensionHeaders: [{ type: 'hop-by-hop', options: new Uint8Array([5, 2, 0, 0]) }, { type: 'destination-options', options: new Uint8Array(0) }] }, udp);
    const l = decodeUdpDatagram(bytes);
    expect(l.problems).toEqual([]);
    expect(l.udp!.value!.checksumStatus).toBe('correct');
    expect(l.payloadOffset).toBe(40 + 16 + 8);
  });

  it('stops at the IP layer for other protocols and for later fragments', () => {
    const tcp = decodeUdpDatagram(encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, new Uint8Array(20)));
    expect(tcp.udp).toBeUndefined();
    const later = decodeUdpDatagram(encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, fragmentOffset: 10 }, new Uint8Array(16)));
    expect(later.udp).toBeUndefined();
    expect(later.ip.value!.fragment).toEqual({ offset: 80, moreFragments: false, identification: 0 });
  });

  it('an unknown IP version or empty input is a problem, not an exception', () => {
    expect(decodeIpDatagram(new Uint8Array([0x50, 0, 0])).problems[0]!.message).toBe('IP version 5 is neither 4 nor 6');
    expect(decodeUdpDatagram(new Uint8Array(0)).problems[0]!.message).toBe('empty datagram');
  });

  it('every truncation of a valid datagram gives problems, never an exception, and no span past the end', () => {
    for (const [src, dst] of [['10.0.0.1', '10.0.0.2'], ['2001:db8::1', '2001:db8::2']] as const) {
      const full = encodeUdpDatagram({ src, dst, srcPort: 1, dstPort: 2, payload });
      for (let n = 0; n < full.length; n++) {
        const l = decodeUdpDatagram(full.subarray(0, n));
        expect(l.problems.length, `${src} length ${n}`).toBeGreaterThan(0);
        for (const f of l.fields) expect(f.offset + f.length, `${src} length ${n}: ${f.name}`).toBeLessThanOrEqual(n);
      }
    }
  });
});

describe('the fast path (udp-datagram.ts) agrees with the decoders', () => {
  const cases = [
    { src: '192.168.1.10', dst: '203.0.113.5', srcPort: 50000, dstPort: 3478, payload, ttl: 64, identification: 0x1234, tos: 0xb8 },
    { src: 'fd00::10', dst: '2001:db8::5', srcPort: 50000, dstPort: 3478, payload, ttl: 64, tos: 0xb8, flowLabel: 0x12345 },
  ];
  for (const spec of cases) {
    it(`encodeUdpDatagram and peekUdpDatagram match decodeUdpDatagram (IPv${spec.src.includes(':') ? 6 : 4})`, () => {
      const bytes = encodeUdpDatagram(spec);
      const l = decodeUdpDatagram(bytes);
      expect(l.problems).toEqual([]);
      expect(l.udp!.value!.checksumStatus).toBe('correct');
      const ip = l.ip.value!;
      const peek = peekUdpDatagram(bytes);
      expect(peek).toEqual({ family: ip.family, src: ip.src, dst: ip.dst, srcPort: l.udp!.value!.srcPort, dstPort: l.udp!.value!.dstPort, ttl: ip.ttl, udpOffset: ip.payloadOffset, payloadOffset: l.payloadOffset, payloadLength: l.payload!.length });
      if (ip.ipv4) expect(ip.ipv4).toMatchObject({ identification: 0x1234, dscp: 0xb8 >> 2, headerChecksumOk: true, dontFragment: true });
      if (ip.ipv6) expect(ip.ipv6).toMatchObject({ trafficClass: 0xb8, flowLabel: 0x12345 });
      // the slow encoders build the same bytes
      const pseudo = ip.pseudo!;
      const udp = encodeUdp({ srcPort: spec.srcPort, dstPort: spec.dstPort }, payload, pseudo);
      const again = ip.family === 4
        ? encodeIPv4({ src: spec.src, dst: spec.dst, protocol: 17, identification: 0x1234, dscp: 0xb8 >> 2, dontFragment: true }, udp)
        : encodeIPv6({ src: spec.src, dst: spec.dst, nextHeader: 17, trafficClass: 0xb8, flowLabel: 0x12345 }, udp);
      expect(again).toEqual(bytes);
    });

    it(`rewriting addresses, ports and TTL keeps both checksums valid (IPv${spec.src.includes(':') ? 6 : 4})`, () => {
      const v6 = spec.src.includes(':');
      const out = rewriteUdpDatagram(encodeUdpDatagram(spec), { src: v6 ? '2001:db8:ffff::1' : '198.51.100.1', srcPort: 61000, dst: v6 ? 'fd00::99' : '10.1.2.3', dstPort: 9, ttlDecrement: 1 });
      const l = decodeUdpDatagram(out);
      expect(l.problems).toEqual([]);
      expect(l.udp!.value).toMatchObject({ srcPort: 61000, dstPort: 9, checksumStatus: 'correct' });
      expect(l.ip.value).toMatchObject({ src: v6 ? '2001:db8:ffff::1' : '198.51.100.1', dst: v6 ? 'fd00::99' : '10.1.2.3', ttl: 63 });
      if (!v6) expect(l.ip.value!.ipv4!.headerChecksumOk).toBe(true);
      expect(udpChecksumOk(out, v6 ? 6 : 4, l.ip.value!.payloadOffset)).toBe(true);
    });
  }

  it('rewriting gives exactly the bytes the sender would have built with the new addresses, ports and TTL', () => {
    for (const spec of cases) {
      const v6 = spec.src.includes(':');
      const change = { src: v6 ? '2001:db8:ffff::1' : '198.51.100.1', srcPort: 61000, dst: v6 ? 'fd00::99' : '10.1.2.3', dstPort: 9 };
      const rewritten = rewriteUdpDatagram(encodeUdpDatagram(spec), { ...change, ttlDecrement: 1 });
      expect(rewritten).toEqual(encodeUdpDatagram({ ...spec, ...change, ttl: 63 }));
    }
  });

  it('a datagram corrupted before the NAT stays detectably corrupted after it (RFC 1624 incremental update)', () => {
    for (const spec of cases) {
      const bytes = encodeUdpDatagram(spec);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x10;
      const l = decodeUdpDatagram(rewriteUdpDatagram(bytes, { srcPort: 40000, src: spec.src.includes(':') ? 'fd00::77' : '100.64.0.7' }));
      expect(l.udp!.value!.checksumStatus).toBe('incorrect');
    }
  });

  it('an IPv4 datagram without a UDP checksum keeps none after rewriting', () => {
    const bytes = encodeUdpDatagram(cases[0]!);
    bytes[26] = 0;
    bytes[27] = 0;
    const l = decodeUdpDatagram(rewriteUdpDatagram(bytes, { srcPort: 1 }));
    expect(l.udp!.value!.checksumStatus).toBe('absent');
    expect(l.problems).toEqual([]);
  });

  it('rewriting an IPv4 datagram with options fixes the checksum over the whole header', () => {
    const udp = encodeUdp({ srcPort: 1, dstPort: 2 }, payload, pseudo4);
    const bytes = encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, options: new Uint8Array([148, 4, 0, 0]) }, udp);
    const out = rewriteUdpDatagram(bytes, { src: '10.9.9.9', ttlDecrement: 1 });
    const l = decodeUdpDatagram(out);
    expect(l.problems).toEqual([]);
    expect(l.udp!.value!.checksumStatus).toBe('correct');
  });
});

describe('UDP header without spans', () => {
  it('gives the value and problems it gives with spans, and the same checksum verdict from a decoded IPv4 header as from plain address bytes', () => {
    const bytes = encodeUdp({ srcPort: 5000, dstPort: 3478 }, payload, pseudo4);
    const datagram = encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, bytes);
    const fromHeader = decodeIpDatagram(datagram, 0, false).value!.pseudo!;
    for (const [i, v] of [[0, 0], [4, 0], [5, 3], [6, 0], [7, 1], [9, 0x41], [-1, 0]] as const) {
      const b = bytes.slice();
      if (i >= 0) b[i] = v;
      for (const cut of [b, b.subarray(0, 8), b.subarray(0, 7)]) {
        for (const pseudo of [pseudo4, fromHeader]) {
          const a = decodeUdp(cut, { pseudo, base: 34, spans: true });
          const c = decodeUdp(cut, { pseudo, base: 34, spans: false });
          expect(c.value).toEqual(a.value);
          expect(c.problems).toEqual(a.problems);
        }
        expect(decodeUdp(cut, { pseudo: fromHeader, spans: false }).value).toEqual(decodeUdp(cut, { pseudo: pseudo4, spans: false }).value);
      }
    }
    expect([...fromHeader.src, ...fromHeader.dst]).toEqual([...pseudo4.src, ...pseudo4.dst]);
  });
});
