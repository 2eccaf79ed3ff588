import { describe, expect, it } from 'vitest';
import { decrementTtl } from '../net/node.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { TraceRecorder } from './trace.ts';

const datagram = (): Uint8Array => encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: new Uint8Array([1, 2, 3]) });

describe('trace byte arena', () => {
  it('copies what a hop carries, so the sender may change its array after', () => {
    const t = new TraceRecorder({ source: 'simulation' });
    const d = datagram();
    const hop = t.record(0, 1, 'l', 'a', 'b', d, t.newPacketId());
    expect(hop.bytes).not.toBe(d);
    d[30] = 99;
    expect([...hop.bytes]).toEqual([...datagram()]);
  });

  it('keeps a reserved view as it is when that view is recorded next (a router forwarding: one copy, not two)', () => {
    const t = new TraceRecorder({ source: 'simulation' });
    const d = datagram();
    const fwd = decrementTtl(d, (n) => t.reserve(n))!;
    expect(fwd[8]).toBe(d[8]! - 1);
    const hop = t.record(0, 1, 'l', 'a', 'b', fwd, t.newPacketId());
    expect(hop.bytes).toBe(fwd);
    expect(hop.bytes.byteOffset % 8).toBe(0);
    // recorded a second time (the same array on another link), or another array: copies
    expect(t.record(0, 1, 'l2', 'a', 'c', fwd, hop.packet).bytes).not.toBe(fwd);
    // a reserved view never sent is passed over: what comes after is copied past it
    const unused = t.reserve(40);
    const next = t.record(2, 3, 'l', 'a', 'b', d, t.newPacketId());
    expect(next.bytes).not.toBe(unused);
    expect(next.bytes.byteOffset).toBeGreaterThanOrEqual(unused.byteOffset + 40);
    expect([...next.bytes]).toEqual([...d]);
    expect([...unused]).toEqual(new Array(40).fill(0));
  });

  it('gives a datagram too large for a slab share an array of its own', () => {
    const t = new TraceRecorder({ source: 'simulation' });
    const big = t.reserve(70_000);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(70_000);
    expect(t.record(0, 1, 'l', 'a', 'b', big, 1).bytes).not.toBe(big);
  });
});
