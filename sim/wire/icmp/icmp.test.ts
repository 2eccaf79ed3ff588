import { describe, expect, it } from 'vitest';
import { onesSum } from '../checksum.ts';
import { findField } from '../field.ts';
import { parseIPv4, parseIPv6 } from '../ip/address.ts';
import type { PseudoHeader } from '../ip/pseudo-header.ts';
import { decodeIcmp, describeIcmp, encodeIcmp, icmpChecksum } from './icmp.ts';
import { ICMP4_TYPES, ICMP6_TYPES, icmpCodeName, icmpKind, icmpTypeName } from './names.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

// The echo request Linux `ping` sent through a real NAT (captures/icmp-linux-nat, frame 18), checksum 0x3e9f as sent.
const PING_ECHO = hex('08003e9f0a720001' + 'f6b3156b00000000' + 'ddfb060000000000' + '101112131415161718191a1b1c1d1e1f' + '202122232425262728292a2b2c2d2e2f' + '3031323334353637');

const v6pseudo = (src: string, dst: string): PseudoHeader => ({ family: 6, src: parseIPv6(src)!, dst: parseIPv6(dst)!, protocol: 58 });

describe('ICMP and ICMPv6 codec (RFC 792, RFC 4443)', () => {
  it('reads an echo request: identifier, sequence number, data, and a correct checksum', () => {
    const msg = encodeIcmp({ family: 4, type: 8, identifier: 0x0a72, sequence: 1, body: PING_ECHO.subarray(8) });
    const d = decodeIcmp(msg, { family: 4 });
    expect(d.problems).toEqual([]);
    expect(d.value).toMatchObject({ type: 8, code: 0, typeName: 'Echo Request', kind: 'query', identifier: 0x0a72, sequence: 1, checksumStatus: 'correct', bodyOffset: 8, bodyLength: 56 });
    expect(describeIcmp(d.value!)).toBe('Echo Request, id 0x0a72 seq 1');
    // the checksum makes the ones' complement sum of the whole message 0xffff (RFC 792)
    expect(onesSum(msg)).toBe(0xffff);
  });

  it('finds a flipped bit through the checksum and says what it should be', () => {
    const msg = encodeIcmp({ family: 4, type: 0, identifier: 1, sequence: 2, body: new Uint8Array([1, 2, 3]) });
    msg[9] = msg[9]! ^ 0x40;
    const d = decodeIcmp(msg, { family: 4, base: 34 });
    expect(d.value?.checksumStatus).toBe('incorrect');
    expect(d.problems).toHaveLength(1);
    expect(d.problems[0]).toMatchObject({ offset: 36, length: 2 });
    expect(d.problems[0]!.message).toMatch(/bad ICMP checksum 0x[0-9a-f]{4} \(incorrect, should be 0x[0-9a-f]{4}\)/);
  });

  it('covers the IPv6 pseudo-header in an ICMPv6 checksum (RFC 4443 §2.3), and cannot check it without one', () => {
    const pseudo = v6pseudo('fd00:1::2', 'fd00:2::2');
    const msg = encodeIcmp({ family: 6, type: 128, identifier: 7, sequence: 9, body: new Uint8Array(8) }, pseudo);
    expect(decodeIcmp(msg, { family: 6, pseudo }).value?.checksumStatus).toBe('correct');
    expect(decodeIcmp(msg, { family: 6, pseudo: v6pseudo('fd00:1::3', 'fd00:2::2') }).value?.checksumStatus).toBe('incorrect');
    const blind = decodeIcmp(msg, { family: 6 });
    expect(blind.value?.checksumStatus).toBe('unverified');
    expect(blind.problems).toEqual([]);
    expect(icmpChecksum(msg, 6, pseudo)).toBe((msg[2]! << 8) | msg[3]!);
  });

  it('reads the type-specific word of each error: next-hop MTU, Packet Too Big MTU, pointers, gateway', () => {
    const quote = new Uint8Array(28);
    expect(decodeIcmp(encodeIcmp({ family: 4, type: 3, code: 4, mtu: 1300, body: quote }), { family: 4 }).value).toMatchObject({ kind: 'error', codeName: 'Fragmentation Needed and DF Set', mtu: 1300, bodyOffset: 8, bodyLength: 28 });
    const p6 = v6pseudo('fd00:1::1', 'fd00:1::2');
    expect(decodeIcmp(encodeIcmp({ family: 6, type: 2, mtu: 1280, body: quote }, p6), { family: 6, pseudo: p6 }).value).toMatchObject({ typeName: 'Packet Too Big', mtu: 1280 });
    expect(decodeIcmp(encodeIcmp({ family: 6, type: 4, code: 1, pointer: 40, body: quote }, p6), { family: 6, pseudo: p6 }).value).toMatchObject({ codeName: 'Unrecognized Next Header type encountered', pointer: 40 });
    expect(decodeIcmp(encodeIcmp({ family: 4, type: 12, pointer: 9, body: quote }), { family: 4 }).value).toMatchObject({ typeName: 'Parameter Problem', pointer: 9 });
    expect(decodeIcmp(encodeIcmp({ family: 4, type: 5, code: 1, gateway: parseIPv4('10.0.0.254')!, body: quote }), { family: 4 }).value).toMatchObject({ codeName: 'Redirect Datagram for the Host', gateway: '10.0.0.254' });
  });

  it('reads an RFC 4884 length: the quoted datagram ends there and an extension structure follows', () => {
    const msg = encodeIcmp({ family: 4, type: 11, body: new Uint8Array(128 + 12) });
    msg[5] = 32; // 32 words = 128 bytes of original datagram
    msg[2] = msg[3] = 0;
    const sum = icmpChecksum(msg, 4);
    msg[2] = sum >> 8;
    msg[3] = sum & 0xff;
    const d = decodeIcmp(msg, { family: 4 });
    expect(d.problems).toEqual([]);
    expect(d.value).toMatchObject({ originalLength: 128, bodyLength: 128, extensionLength: 12 });
    expect(findField(d.fields, 'extension structure')).toMatchObject({ offset: 136, length: 12 });
  });

  it('never throws on a message cut short: the header it could read, and a problem', () => {
    for (let n = 0; n < 8; n++) {
      const d = decodeIcmp(encodeIcmp({ family: 4, type: 3, code: 3, body: new Uint8Array(8) }).subarray(0, n), { family: 4 });
      if (n < 4) expect(d.value).toBeUndefined();
      else expect(d.value?.typeName).toBe('Destination Unreachable');
      expect(d.problems.length).toBeGreaterThan(0);
    }
  });

  it('names every error and query type of both registries, and says so for an unassigned one', () => {
    for (const [t, info] of Object.entries(ICMP4_TYPES)) expect(icmpTypeName(4, Number(t))).toBe(info.name);
    for (const [t, info] of Object.entries(ICMP6_TYPES)) expect(icmpTypeName(6, Number(t))).toBe(info.name);
    // RFC 792's errors and queries, and RFC 4443's four errors and echo
    expect([3, 4, 5, 11, 12].map((t) => icmpKind(4, t))).toEqual(Array(5).fill('error'));
    expect([0, 8, 13, 14, 15, 16, 17, 18].map((t) => icmpKind(4, t))).toEqual(Array(8).fill('query'));
    expect([1, 2, 3, 4].map((t) => icmpKind(6, t))).toEqual(Array(4).fill('error'));
    expect(icmpKind(6, 100)).toBe('error'); // RFC 4443 §2.1: types 0–127 are errors
    expect(icmpTypeName(4, 77)).toBe('type 77 (unassigned)');
    expect(icmpCodeName(4, 3, 3)).toBe('Port Unreachable');
    expect(icmpCodeName(6, 1, 4)).toBe('Port unreachable');
    expect(icmpCodeName(4, 3, 99)).toBe('code 99 (unassigned)');
    expect(icmpCodeName(4, 8, 0)).toBeUndefined();
  });

  it('reads the ping Linux sent through a real NAT as tshark does (captures/icmp-linux-nat frame 18)', () => {
    const d = decodeIcmp(PING_ECHO, { family: 4 });
    expect(d.problems).toEqual([]);
    expect(d.value).toMatchObject({ type: 8, identifier: 0x0a72, sequence: 1, bodyLength: 56, checksum: 0x3e9f, checksumStatus: 'correct' });
    // and our encoder writes the same bytes, checksum included
    expect(encodeIcmp({ family: 4, type: 8, identifier: 0x0a72, sequence: 1, body: PING_ECHO.subarray(8) })).toEqual(PING_ECHO);
  });
});
