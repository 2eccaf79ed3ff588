// Fragment reassembly: in order, out of order, overlapping, timing out, and under a flood of hostile fragments.
import { describe, expect, it } from 'vitest';
import { SECOND } from '../../core/time.ts';
import { decodeUdpDatagram } from './datagram.ts';
import { encodeIPv4 } from './ipv4.ts';
import { encodeIPv6 } from './ipv6.ts';
import { fragmentIPv4, fragmentIPv6 } from './fragment.ts';
import { IpReassembler } from './reassembly.ts';
import { encodeUdpDatagram } from './udp-datagram.ts';

const body = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
const big4 = encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1000, dstPort: 2000, payload: body(4000), identification: 77, dontFragment: false });
const big6 = encodeUdpDatagram({ src: 'fd00::1', dst: 'fd00::2', srcPort: 1000, dstPort: 2000, payload: body(4000) });
const frags = (d: Uint8Array, mtu = 1280): Uint8Array[] => {
  const f = d[0]! >> 4 === 4 ? fragmentIPv4(d, mtu) : fragmentIPv6(d, mtu, 0xabcdef01);
  if (!Array.isArray(f)) throw new Error(f.error);
  return f;
};
/** A raw IPv4 fragment: `data` at byte offset `offset`. */
const frag4 = (offset: number, data: Uint8Array, more: boolean, id = 9): Uint8Array =>
  encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, identification: id, fragmentOffset: offset / 8, moreFragments: more }, data);

describe('IP reassembly', () => {
  it('fragmentation splits on 8-byte boundaries and reassembly in order restores the exact datagram', () => {
    for (const d of [big4, big6]) {
      const parts = frags(d);
      expect(parts.length).toBe(4);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(1280);
      const r = new IpReassembler();
      const results = parts.map((p, i) => r.push(i, p));
      expect(results.slice(0, -1).map((x) => x.kind)).toEqual(['pending', 'pending', 'pending']);
      const last = results.at(-1)!;
      expect(last.kind).toBe('complete');
      if (last.kind !== 'complete') return;
      expect(last.datagram).toEqual(d);
      expect(last.fragments).toBe(4);
      expect(last.problems).toEqual([]);
      expect(r.pending).toBe(0);
      expect(r.bytesHeld).toBe(0);
    }
  });

  it('reassembles fragments arriving in any order', () => {
    for (const d of [big4, big6]) {
      const parts = frags(d, 600);
      // the middle first, then the rest from both ends inwards: [k, 0, n-1, 1, n-2, …]
      const k = Math.floor(parts.length / 2);
      const rest = parts.map((_, i) => i).filter((i) => i !== k);
      const order = [k, ...rest.map((_, j) => (j % 2 === 0 ? rest[j / 2]! : rest[rest.length - 1 - (j - 1) / 2]!))];
      expect([...order].sort((a, b) => a - b)).toEqual(parts.map((_, i) => i));
      const r = new IpReassembler();
      const results = order.map((i) => r.push(0, parts[i]!));
      const done = results.filter((x) => x.kind === 'complete');
      expect(done.length).toBe(1);
      expect(results.at(-1)!.kind).toBe('complete');
      if (done[0]!.kind === 'complete') {
        expect(done[0]!.datagram).toEqual(d);
        expect(decodeUdpDatagram(done[0]!.datagram).udp!.value!.checksumStatus).toBe('correct');
      }
    }
  });

  it('a plain datagram passes through as whole', () => {
    const small = encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: body(10), dontFragment: false });
    expect(new IpReassembler().push(0, small)).toMatchObject({ kind: 'whole', datagram: small });
  });

  it('IPv4 overlaps with identical bytes are noted; the datagram still completes', () => {
    const data = body(48);
    const r = new IpReassembler();
    expect(r.push(0, frag4(0, data.subarray(0, 24), true)).kind).toBe('pending');
    const mid = r.push(0, frag4(16, data.subarray(16, 40), true));
    expect(mid.problems.map((p) => p.message)).toEqual(['overlapping fragments at 16–24 (identical bytes) (fragment at offset 16 of 4 10.0.0.1 10.0.0.2 17 9)']);
    const last = r.push(0, frag4(40, data.subarray(40), false));
    expect(last.kind).toBe('complete');
    if (last.kind === 'complete') {
      expect(last.datagram.subarray(20)).toEqual(data);
      expect(last.problems.length).toBe(1);
    }
  });

  it('IPv4 overlaps that disagree keep the bytes that came first and say so', () => {
    const data = body(32);
    const liar = data.slice(8, 24).fill(0xee);
    const r = new IpReassembler();
    r.push(0, frag4(0, data.subarray(0, 16), true));
    const bad = r.push(0, frag4(8, liar, true));
    expect(bad.problems[0]!.message).toMatch(/^overlapping fragments disagree at 8–16; keeping the bytes that came first/);
    const last = r.push(0, frag4(24, data.subarray(24), false));
    expect(last.kind).toBe('complete');
    if (last.kind === 'complete') expect([...last.datagram.subarray(20)]).toEqual([...data.subarray(0, 16), ...liar.subarray(8), ...data.subarray(24)]);
  });

  it('an exact duplicate fragment is harmless', () => {
    const parts = frags(big4);
    const r = new IpReassembler();
    r.push(0, parts[0]!);
    r.push(0, parts[0]!);
    const results = parts.slice(1).map((p) => r.push(0, p));
    const last = results.at(-1)!;
    expect(last.kind).toBe('complete');
    if (last.kind === 'complete') expect(last.datagram).toEqual(big4);
  });

  it('overlapping IPv6 fragments drop the whole datagram (RFC 8200 §4.5)', () => {
    const parts = frags(big6);
    const r = new IpReassembler();
    r.push(0, parts[0]!);
    const shifted = parts[1]!.slice();
    const off = ((shifted[42]! << 8) | shifted[43]!) - (8 << 3); // 8 bytes earlier: overlaps the first fragment
    shifted[42] = off >> 8;
    shifted[43] = off & 0xff;
    const out = r.push(0, shifted);
    expect(out).toMatchObject({ kind: 'dropped' });
    expect(out.kind === 'dropped' && out.reason).toMatch(/^overlapping fragments at/);
    expect(r.pending).toBe(0);
  });

  it('an incomplete datagram times out and frees its memory; late fragments start over', () => {
    const parts = frags(big4);
    const r = new IpReassembler({ timeoutV4: 30 * SECOND });
    r.push(1 * SECOND, parts[1]!);
    r.push(2 * SECOND, parts[0]!);
    expect(r.nextDeadline()).toBe(31 * SECOND);
    expect(r.expire(31 * SECOND - 1)).toEqual([]);
    const gone = r.expire(31 * SECOND);
    expect(gone).toEqual([{ key: '4 10.0.0.1 10.0.0.2 17 77', family: 4, received: 2512, fragments: 2, firstFragmentSeen: true, problem: { offset: 0, length: 0, message: 'reassembly of 4 10.0.0.1 10.0.0.2 17 77 timed out with 2512 of an unknown number of bytes' } }]);
    expect(r.pending).toBe(0);
    expect(r.bytesHeld).toBe(0);
    expect(r.nextDeadline()).toBeUndefined();
    // the rest arrives too late: it is a new, incomplete datagram
    expect(parts.slice(2).map((p) => r.push(40 * SECOND, p).kind)).toEqual(['pending', 'pending']);
  });

  it('a fragment for an expired datagram is not glued to stale pieces even if expire was never called', () => {
    const parts = frags(big4);
    const r = new IpReassembler({ timeoutV4: 1 * SECOND });
    r.push(0, parts[0]!);
    r.push(0, parts[1]!);
    r.push(0, parts[2]!);
    expect(r.push(5 * SECOND, parts[3]!).kind).toBe('pending');
  });

  it('inconsistent fragments are refused with a reason', () => {
    const r = new IpReassembler();
    expect(r.push(0, frag4(0, body(12), true))).toMatchObject({ kind: 'dropped', reason: 'a non-last fragment of 12 bytes (must be a non-zero multiple of 8)' });
    r.push(0, frag4(0, body(16), true, 1));
    r.push(0, frag4(16, body(16), false, 1));
    // the datagram completed; a new one with the same key whose two last fragments disagree is dropped
    r.push(0, frag4(16, body(16), false, 2));
    expect(r.push(0, frag4(24, body(16), false, 2))).toMatchObject({ kind: 'dropped', reason: 'two last fragments disagree on the length (32 and 40)' });
    r.push(0, frag4(16, body(8), false, 3));
    expect(r.push(0, frag4(16, body(16), true, 3))).toMatchObject({ kind: 'dropped', reason: 'a fragment ends at 32, beyond the last fragment\'s end 24' });
    expect(r.push(0, frag4(65512, body(16), false, 4))).toMatchObject({ kind: 'dropped', reason: 'reassembled datagram would be 65548 bytes, more than 65535' });
    expect(r.pending).toBe(0);
  });

  it('a flood of thousands of tiny fragments and identifications stays within the memory limits', () => {
    const limits = { maxDatagrams: 16, maxBytes: 64 * 1024, maxPieces: 64 };
    const r = new IpReassembler(limits);
    const kinds = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      // every other fragment of 100 datagrams, 8 bytes each, never completing
      const out = r.push(i, frag4(((i * 2) % 4000) * 8, body(8), true, i % 100));
      kinds.set(out.kind, (kinds.get(out.kind) ?? 0) + 1);
      expect(r.pending).toBeLessThanOrEqual(limits.maxDatagrams);
      expect(r.bytesHeld).toBeLessThanOrEqual(limits.maxBytes);
    }
    expect(kinds.get('complete')).toBeUndefined();
    expect(r.evictions).toBeGreaterThan(4000);
    // one datagram cut into confetti is dropped once it passes maxPieces
    const one = new IpReassembler(limits);
    const results = Array.from({ length: 100 }, (_, i) => one.push(0, frag4(i * 16, body(8), true, 5)));
    expect(results[63]!.kind).toBe('pending');
    expect(results[64]).toMatchObject({ kind: 'dropped', reason: 'more than 64 separate pieces' });
    // afterwards an honest datagram still gets through
    const parts = frags(big4);
    expect(parts.map((p) => one.push(0, p).kind).at(-1)).toBe('complete');
  });

  it('a byte limit smaller than one datagram drops it rather than growing', () => {
    const r = new IpReassembler({ maxBytes: 1000 });
    const parts = frags(big4);
    expect(r.push(0, parts[0]!)).toMatchObject({ kind: 'dropped' });
    expect(r.bytesHeld).toBe(0);
  });

  it('keeps IPv4 options of the first fragment and copies only "copied" options into later ones', () => {
    const udp = encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: body(2000) }).subarray(20);
    // Router Alert (148: copied) and Record Route (7: not copied)
    const d = encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, options: new Uint8Array([148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 1]) }, udp);
    const parts = frags(d, 576);
    expect(parts[0]![0]).toBe(0x48);
    expect(parts[1]![0]).toBe(0x46);
    const r = new IpReassembler();
    const last = parts.map((p) => r.push(0, p)).at(-1)!;
    expect(last.kind === 'complete' && last.datagram).toEqual(d);
  });

  it('IPv6 fragments keep Hop-by-Hop and Routing headers in the unfragmentable part', () => {
    const udp = encodeUdpDatagram({ src: 'fd00::1', dst: 'fd00::2', srcPort: 1, dstPort: 2, payload: body(3000) }).subarray(40);
    const d = encodeIPv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: 17, extensionHeaders: [{ type: 'hop-by-hop', options: new Uint8Array([5, 2, 0, 0]) }, { type: 'routing', routingType: 4, segmentsLeft: 0, data: new Uint8Array(20) }] }, udp);
    const parts = frags(d);
    expect(parts.map((p) => p[6])).toEqual([0, 0, 0]);
    expect(parts.map((p) => p[40 + 8])).toEqual([44, 44, 44]);
    const r = new IpReassembler();
    const last = [parts[2]!, parts[0]!, parts[1]!].map((p) => r.push(0, p)).at(-1)!;
    expect(last.kind === 'complete' && last.datagram).toEqual(d);
  });

  it('refuses to fragment an IPv4 datagram with Don\'t Fragment set', () => {
    const d = encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, dontFragment: true }, body(2000));
    expect(fragmentIPv4(d, 1500)).toEqual({ error: 'datagram of 2020 bytes exceeds MTU 1500 and has DF set' });
  });
});
