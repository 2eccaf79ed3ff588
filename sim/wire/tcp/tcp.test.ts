// TCP header codec: options, flags, checksum over both pseudo-headers, and malformed segments.
import { describe, expect, it } from 'vitest';
import { findField } from '../field.ts';
import { parseIp } from '../ip/address.ts';
import { encodeIPv4 } from '../ip/ipv4.ts';
import { decodeTcp, encodeTcp, encodeTcpSegment } from './tcp.ts';
import { decodeTcpDatagram } from './tcp-datagram.ts';
import type { TcpOption } from './options.ts';

const synOptions: TcpOption[] = [
  { kind: 'mss', mss: 1460 },
  { kind: 'sack-permitted' },
  { kind: 'timestamps', tsval: 3343794636, tsecr: 0 },
  { kind: 'nop' },
  { kind: 'window-scale', shift: 7 },
];
const pseudo = { family: 4, src: parseIp('10.0.0.1')!, dst: parseIp('10.0.0.2')!, protocol: 6 } as const;

describe('TCP header', () => {
  it('round-trips a SYN with every common option, laid out like Linux lays it out', () => {
    const bytes = encodeTcp({ srcPort: 56430, dstPort: 5555, sequenceNumber: 0xfffffff0, flags: ['SYN'], window: 64240, options: synOptions }, new Uint8Array(0), pseudo);
    expect(bytes.length).toBe(40);
    const d = decodeTcp(bytes, { pseudo });
    expect(d.problems).toEqual([]);
    expect(d.value).toMatchObject({ srcPort: 56430, dstPort: 5555, sequenceNumber: 0xfffffff0, acknowledgmentNumber: 0, dataOffset: 10, flagsText: 'SYN', window: 64240, checksumStatus: 'correct', headerLength: 40, payloadLength: 0 });
    expect(d.value!.options).toEqual(synOptions);
    expect(findField(d.fields, 'options')?.display).toBe('MSS=1460 SACK_PERM TSval=3343794636 TSecr=0 NOP WS=128');
    expect(findField(d.fields, 'flags')).toMatchObject({ offset: 12, length: 2, display: '0x002 (SYN)' });
    expect(findField(d.fields, 'SYN')).toMatchObject({ offset: 13, length: 1, bits: { start: 6, count: 1 }, display: 'set' });
    expect(findField(d.fields, 'dataOffset')).toMatchObject({ offset: 12, length: 1, bits: { start: 0, count: 4 }, display: '10 (40 bytes)' });
  });

  it('SACK blocks and unknown options round-trip', () => {
    const options: TcpOption[] = [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [{ left: 1000, right: 2000 }, { left: 3000, right: 4000 }] }, { kind: 'unknown', type: 30, data: new Uint8Array([1, 2]) }];
    const d = decodeTcp(encodeTcp({ srcPort: 1, dstPort: 2, flags: ['ACK'], options }, new Uint8Array([7]), pseudo), { pseudo });
    expect(d.problems).toEqual([]);
    expect(d.value!.options).toEqual(options);
    expect(d.value!.payloadLength).toBe(1);
    expect(findField(d.fields, 'Multipath TCP')?.display).toBe('Multipath TCP (4 bytes)');
  });

  it('the checksum covers the IPv6 pseudo-header too', () => {
    const p6 = { family: 6, src: parseIp('fd00:9::1')!, dst: parseIp('fd00:9::2')!, protocol: 6 } as const;
    const bytes = encodeTcp({ srcPort: 1, dstPort: 2, flags: ['PSH', 'ACK'] }, new TextEncoder().encode('data'), p6);
    expect(decodeTcp(bytes, { pseudo: p6 }).value!.checksumStatus).toBe('correct');
    expect(decodeTcp(bytes, { pseudo }).value!.checksumStatus).toBe('incorrect');
  });

  it('a damaged segment says what the checksum should be', () => {
    const bytes = encodeTcp({ srcPort: 1, dstPort: 2, flags: ['ACK'] }, new Uint8Array([1, 2, 3]), pseudo);
    const good = (bytes[16]! << 8) | bytes[17]!;
    bytes[21] = 9;
    const fixed = encodeTcp({ srcPort: 1, dstPort: 2, flags: ['ACK'] }, bytes.subarray(20), pseudo);
    const d = decodeTcp(bytes, { pseudo });
    expect(d.value!.checksumStatus).toBe('incorrect');
    expect(d.value!.expectedChecksum).toBe((fixed[16]! << 8) | fixed[17]!);
    expect(findField(d.fields, 'checksum')?.display).toBe(`0x${good.toString(16).padStart(4, '0')} (incorrect, should be 0x${d.value!.expectedChecksum!.toString(16).padStart(4, '0')})`);
  });

  it('options with lying lengths are problems, not exceptions', () => {
    const cases: [number[], RegExp][] = [
      [[2, 3, 5, 0], /Maximum Segment Size has a bad length 3, expected 4/],
      [[8, 10, 0, 0], /Timestamps has a bad length 10/],
      [[5, 6, 0, 0, 0, 0, 0, 0], /SACK has a bad length 6/],
      [[99, 1, 0, 0], /option 99 has a bad length 1/],
      [[1, 1, 1, 3], /Window Scale has a bad length \(missing\)/],
    ];
    for (const [opt, message] of cases) {
      const bytes = encodeTcp({ srcPort: 1, dstPort: 2, options: [{ kind: 'unknown', type: 0, data: new Uint8Array(0) }] }, new Uint8Array(0));
      const raw = new Uint8Array(20 + opt.length);
      raw.set(bytes.subarray(0, 20));
      raw.set(opt, 20);
      raw[12] = ((20 + opt.length) / 4) << 4;
      const d = decodeTcp(raw);
      expect(d.problems.map((p) => p.message).join('; ')).toMatch(message);
    }
  });

  it('a window scale above 14 is a problem (RFC 7323 §2.3)', () => {
    const d = decodeTcp(encodeTcp({ srcPort: 1, dstPort: 2, options: [{ kind: 'window-scale', shift: 15 }] }, new Uint8Array(0)));
    expect(d.problems.map((p) => p.message)).toEqual(['window scale shift 15 is more than 14 (RFC 7323 §2.3)']);
  });

  it('a data offset below 5 or beyond the segment is a problem', () => {
    const small = decodeTcp(encodeTcp({ srcPort: 1, dstPort: 2, dataOffset: 4 }, new Uint8Array(4)));
    expect(small.value).toBeUndefined();
    expect(small.problems[0]!.message).toMatch(/data offset 4 \(16 bytes\) is less than the minimum 5/);
    const big = decodeTcp(encodeTcp({ srcPort: 1, dstPort: 2, dataOffset: 15 }, new Uint8Array(4)));
    expect(big.problems[0]!.message).toBe('truncated: data offset says the header has 60 bytes, only 24 present');
  });

  it('every truncation of a segment inside an IP datagram gives problems, never an exception', () => {
    for (const [src, dst] of [['10.0.0.1', '10.0.0.2'], ['fd00::1', 'fd00::2']] as const) {
      const full = encodeTcpSegment({ src, dst, srcPort: 1, dstPort: 2, flags: ['SYN'], options: synOptions, payload: new Uint8Array([1, 2, 3]) });
      expect(decodeTcpDatagram(full).problems).toEqual([]);
      for (let n = 0; n < full.length; n++) {
        const l = decodeTcpDatagram(full.subarray(0, n));
        expect(l.problems.length, `${src} length ${n}`).toBeGreaterThan(0);
        for (const f of l.fields) expect(f.offset + f.length, `${src} length ${n}: ${f.name}`).toBeLessThanOrEqual(n);
        if (l.tcp?.value) expect(l.tcp.value.checksumStatus).not.toBe('correct');
      }
    }
  });
});

describe('encodeTcpSegment', () => {
  it('builds IPv4 and IPv6 datagrams whose IP and TCP checksums both verify', () => {
    for (const [src, dst] of [['192.0.2.1', '198.51.100.2'], ['2001:db8::1', '2001:db8::2']] as const) {
      const bytes = encodeTcpSegment({ src, dst, srcPort: 443, dstPort: 50000, sequenceNumber: 1, acknowledgmentNumber: 2, flags: ['PSH', 'ACK'], window: 512, payload: new TextEncoder().encode('GET /') });
      const l = decodeTcpDatagram(bytes, 14);
      expect(l.problems).toEqual([]);
      expect(l.ip.value).toMatchObject({ src, dst, protocol: 6, ttl: 64 });
      expect(l.tcp!.value).toMatchObject({ srcPort: 443, dstPort: 50000, flagsText: 'ACK, PSH', checksumStatus: 'correct', window: 512 });
      expect(new TextDecoder().decode(l.payload)).toBe('GET /');
      expect(findField(l.fields, 'payload')).toMatchObject({ offset: 14 + l.payloadOffset!, length: 5 });
      if (l.ip.value!.ipv4) expect(l.ip.value!.ipv4).toMatchObject({ dontFragment: true, headerChecksumOk: true });
    }
  });

  it('a segment whose IP datagram was cut short is left unverified', () => {
    const bytes = encodeTcpSegment({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: new Uint8Array(100) });
    const l = decodeTcpDatagram(bytes.subarray(0, 60));
    expect(l.tcp!.value!.checksumStatus).toBe('unverified');
    expect(findField(l.fields, 'checksum')?.display).toMatch(/unverified: segment cut short/);
  });

  it('does not decode TCP in a fragment', () => {
    const l = decodeTcpDatagram(encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, moreFragments: true }, new Uint8Array(24)));
    expect(l.tcp).toBeUndefined();
  });
});

describe('TCP option padding', () => {
  it('pads options to a 32-bit boundary with End of Option List', () => {
    const bytes = encodeTcp({ srcPort: 1, dstPort: 2, options: [{ kind: 'mss', mss: 536 }, { kind: 'window-scale', shift: 2 }] }, new Uint8Array(0));
    expect(bytes.length).toBe(28);
    expect([...bytes.subarray(20)]).toEqual([2, 4, 2, 0x18, 3, 3, 2, 0]);
    const d = decodeTcp(bytes);
    expect(d.value!.options.map((o) => o.kind)).toEqual(['mss', 'window-scale', 'eol']);
  });
});
