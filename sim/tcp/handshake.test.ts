// The three-way handshake on the wire: Linux's SYN options in Linux's order, ISNs from the stacks' RNG streams,
// the negotiated MSS/window scale/timestamps/SACK, and the state changes and timer reasons in the trace.
import { describe, expect, it } from 'vitest';
import { MS } from '../core/time.ts';
import { segments, tcpPair } from '../net/tcp-test-support.ts';

function handshake(seed: number): ReturnType<typeof tcpPair> & { trace: ReturnType<ReturnType<typeof tcpPair>['net']['finish']> } {
  const p = tcpPair({ delay: 5 * MS }, seed);
  p.b.listen(5001);
  p.a.connect({ ip: '10.0.0.2', port: 5001 });
  p.net.run(100 * MS);
  return { ...p, trace: p.net.finish() };
}

describe('TCP three-way handshake', () => {
  it('SYN, SYN-ACK, ACK with the options in the order Linux sends them', () => {
    const { trace } = handshake(1);
    const s = segments(trace);
    expect(s.slice(0, 3).map((x) => x.flags)).toEqual(['SYN', 'ACK, SYN', 'ACK']);
    expect(s[0]!.options).toEqual(['mss', 'sack-permitted', 'timestamps', 'nop', 'window-scale']);
    expect(s[1]!.options).toEqual(['mss', 'sack-permitted', 'timestamps', 'nop', 'window-scale']);
    expect(s[2]!.options).toEqual(['nop', 'nop', 'timestamps']);
    // the SYN's window is never scaled (RFC 7323 §2.2): 44 segments of 1460, as Linux
    expect(s[0]!.window).toBe(64240);
    expect(s[1]!.ack).toBe((s[0]!.seq + 1) >>> 0);
    expect(s[2]!.seq).toBe((s[0]!.seq + 1) >>> 0);
    expect(s[2]!.ack).toBe((s[1]!.seq + 1) >>> 0);
    // the third segment's window is scaled by 2^7: 131072 bytes of buffer → 1024
    expect(s[2]!.window).toBe(1024);
  });

  it('initial sequence numbers come from the seed: the same seed gives the same ISNs, another seed others', () => {
    const isn = (seed: number): number[] => segments(handshake(seed).trace).slice(0, 2).map((x) => x.seq);
    expect(isn(3)).toEqual(isn(3));
    expect(isn(3)).not.toEqual(isn(4));
    const [a, b] = isn(3);
    expect(a).not.toBe(b);
  });

  it('both sides reach ESTABLISHED and negotiate MSS 1448 with timestamps', () => {
    const { a, b, trace } = handshake(1);
    const [ca] = a.stack.connections();
    const [cb] = b.stack.connections();
    expect(ca!.state).toBe('ESTABLISHED');
    expect(cb!.state).toBe('ESTABLISHED');
    expect(ca!.effMss).toBe(1448);
    const states = trace.notes.filter((n) => n.kind === 'tcp.state').map((n) => `${n.source} ${n.data?.['from']}→${n.data?.['to']}`);
    expect(states).toEqual(['b/tcp LISTEN→SYN-RECEIVED', 'a/tcp SYN-SENT→ESTABLISHED', 'b/tcp SYN-RECEIVED→ESTABLISHED']);
  });

  it('without timestamps the SYN carries MSS, NOP, NOP, SACK_PERM, NOP, WS, as Linux does', () => {
    const p = tcpPair({}, 1, { a: { timestamps: false } });
    p.b.listen(5001);
    p.a.connect({ ip: '10.0.0.2', port: 5001 });
    p.net.run(100 * MS);
    const s = segments(p.net.finish());
    expect(s[0]!.options).toEqual(['mss', 'nop', 'nop', 'sack-permitted', 'nop', 'window-scale']);
    expect(s[1]!.options).toEqual(['mss', 'nop', 'nop', 'sack-permitted', 'nop', 'window-scale']);
    expect(s[2]!.options).toEqual([]);
    expect(p.a.stack.connections()[0]!.effMss).toBe(1460);
  });

  it('over IPv6 the MSS is 1440 and every segment is IPv6', () => {
    const p = tcpPair({}, 1);
    p.b.listen(5001);
    p.a.connect({ ip: 'fd00::2', port: 5001 });
    p.net.run(100 * MS);
    const trace = p.net.finish();
    expect(trace.hops.every((h) => h.bytes[0]! >> 4 === 6)).toBe(true);
    expect(p.a.stack.connections()[0]!.state).toBe('ESTABLISHED');
    expect(p.a.stack.connections()[0]!.effMss).toBe(1428);
  });

  it('a lost SYN is sent again after the initial RTO of 1 s, then 2 s (RFC 6298 §2.1, §5.5)', () => {
    const p = tcpPair({ delay: 5 * MS }, 1);
    p.b.listen(5001);
    const link = p.net.link('a-b');
    link.setParams(link.b, { ...link.params(link.b), down: true }); // b's answers never arrive
    const c = p.a.connect({ ip: '10.0.0.2', port: 5001 });
    p.net.run(10_000 * MS);
    const trace = p.net.finish();
    void c;
    const syns = segments(trace).filter((x) => x.flags === 'SYN');
    expect(syns.length).toBeGreaterThanOrEqual(3);
    expect(syns.slice(0, 3).map((x) => x.t)).toEqual([0, 1000 * MS, 3000 * MS]);
    expect(trace.notes.filter((n) => n.kind === 'tcp.rto').length).toBeGreaterThanOrEqual(2);
  });
});
