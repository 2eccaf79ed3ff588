// Opening and closing corner cases of RFC 9293: a SYN to a closed port is refused with RST (by a host without a TCP
// stack and by a stack with no listener), TIME-WAIT lasts 2*MSL and re-ACKs a retransmitted FIN, simultaneous
// open and simultaneous close both end where figure 8 and figure 13 of the RFC say.
import { describe, expect, it } from 'vitest';
import { MS, SECOND } from '../core/time.ts';
import { TcpHost } from '../net/tcp-host.ts';
import { twoHosts } from '../net/test-topology.ts';
import type { TcpConnection } from './connection.ts';
import { segments, tcpPair } from '../net/tcp-test-support.ts';

describe('a SYN to a closed port', () => {
  it('a host without a TCP stack answers RST, ACK with ACK = SEQ + 1 and the connection is refused', () => {
    const { net, a } = twoHosts({ delay: 5 * MS });
    const ta = new TcpHost(net, a);
    const closed: string[] = [];
    ta.onEvent((e) => e.type === 'closed' && closed.push(e.error ?? 'clean'));
    const c = ta.connect({ ip: '10.0.0.2', port: 81 });
    net.run(SECOND);
    const s = segments(net.finish());
    expect(s.map((x) => x.flags)).toEqual(['SYN', 'ACK, RST']);
    expect(s[1]!.seq).toBe(0);
    expect(s[1]!.ack).toBe((s[0]!.seq + 1) >>> 0);
    expect(c.state).toBe('CLOSED');
    expect(closed).toEqual(['refused']);
  });

  it('a TCP stack with no listener on the port does the same, and notes why', () => {
    const p = tcpPair({ delay: 5 * MS });
    p.b.listen(80);
    const c = p.a.connect({ ip: '10.0.0.2', port: 81 });
    p.net.run(SECOND);
    const trace = p.net.finish();
    expect(segments(trace).map((x) => x.flags)).toEqual(['SYN', 'ACK, RST']);
    expect(c.error).toBe('refused');
    expect(trace.notes.find((n) => n.kind === 'tcp.reset-sent')?.text).toMatch(/no socket on port 81/);
  });

  it('a RST is never answered with a RST', () => {
    const p = tcpPair({ delay: 5 * MS });
    const c = p.a.connect({ ip: '10.0.0.2', port: 81 });
    p.net.run(SECOND);
    expect(c.error).toBe('refused');
    expect(segments(p.net.finish())).toHaveLength(2);
  });
});

describe('TIME-WAIT', () => {
  it('the side that closes first waits 2*MSL (60 s, Linux) with the timer reason "time-wait", then forgets the connection', () => {
    const p = tcpPair({ delay: 5 * MS });
    p.b.listen(80);
    p.b.onEvent((e) => e.type === 'end' && e.connection.close(p.net.now));
    const c = p.a.connect({ ip: '10.0.0.2', port: 80 });
    p.a.onEvent((e) => e.type === 'connected' && c.close(p.net.now));
    p.net.run(SECOND);
    expect(c.state).toBe('TIME-WAIT');
    expect(p.a.pendingReason).toBe('time-wait');
    expect(p.b.stack.connections()).toHaveLength(0);
    p.net.run(59 * SECOND);
    expect(c.state).toBe('TIME-WAIT');
    p.net.run(62 * SECOND);
    expect(c.state).toBe('CLOSED');
    expect(p.a.stack.connections()).toHaveLength(0);
    const trace = p.net.finish();
    const last = trace.notes.filter((n) => n.kind === 'tcp.state' && n.source === 'a/tcp').at(-1)!;
    expect(last.text).toMatch(/TIME-WAIT → CLOSED \(TIME-WAIT over after 60s \(2\*MSL\)\)/);
    expect(last.t).toBeGreaterThanOrEqual(60 * SECOND);
  });

  it('a FIN retransmitted because the last ACK was lost is ACKed again and restarts the 2*MSL wait', () => {
    const p = tcpPair({ delay: 5 * MS });
    p.b.listen(80);
    let server: TcpConnection | undefined;
    p.b.onEvent((e) => {
      if (e.type === 'incoming') server = e.listener.accept();
      if (e.type === 'end') p.net.scheduler.at(200 * MS, 'test: server closes', () => p.b.act(() => server!.close(p.net.now)));
    });
    const c = p.a.connect({ ip: '10.0.0.2', port: 80 });
    p.a.onEvent((e) => e.type === 'connected' && c.close(p.net.now));
    // a's answer to b's FIN (sent at 205 ms) is lost: a → b is down from 201 to 300 ms
    const link = p.net.link('a-b');
    p.net.scheduler.at(201 * MS, 'test: a→b down', () => link.setParams(link.a, { ...link.params(link.a), down: true }));
    p.net.scheduler.at(300 * MS, 'test: a→b up', () => link.setParams(link.a, { ...link.params(link.a), down: false }));
    p.net.run(5 * SECOND);
    const trace = p.net.finish();
    const fins = segments(trace).filter((x) => x.from === 'b' && x.flags.includes('FIN'));
    expect(fins).toHaveLength(2);
    expect(server!.state).toBe('CLOSED');
    expect(c.state).toBe('TIME-WAIT');
    const acksAfterFins = segments(trace).filter((x) => x.from === 'a' && x.t >= fins[1]!.t && x.flags === 'ACK');
    expect(acksAfterFins.length).toBeGreaterThanOrEqual(1);
    // the timer now runs from the retransmitted FIN's arrival
    expect(c.nextTimer()).toEqual({ at: fins[1]!.t + 5 * MS + 60 * SECOND, reason: 'time-wait' });
  });
});

describe('simultaneous open and close', () => {
  it('two SYNs that cross become one connection (RFC 9293 figure 8), and data flows both ways', () => {
    const p = tcpPair({ delay: 10 * MS });
    const ca = p.a.connect({ ip: '10.0.0.2', port: 6000 }, { port: 5000 });
    const cb = p.b.connect({ ip: '10.0.0.1', port: 5000 }, { port: 6000 });
    const got = { a: '', b: '' };
    for (const [side, c, other] of [[p.a, ca, 'a'], [p.b, cb, 'b']] as const) {
      side.onEvent((e) => {
        if (e.type === 'connected') c.write(new TextEncoder().encode(`hello from ${other}`));
        if (e.type === 'readable') got[other] += new TextDecoder().decode(c.read());
      });
    }
    p.net.run(SECOND);
    const trace = p.net.finish();
    expect(ca.state).toBe('ESTABLISHED');
    expect(cb.state).toBe('ESTABLISHED');
    expect(got).toEqual({ a: 'hello from b', b: 'hello from a' });
    expect(segments(trace).slice(0, 4).map((x) => x.flags)).toEqual(['SYN', 'SYN', 'ACK, SYN', 'ACK, SYN']);
    expect(trace.notes.filter((n) => n.kind === 'tcp.simultaneous-open')).toHaveLength(2);
    expect(ca.stats.retransmissions + cb.stats.retransmissions).toBe(0);
  });

  it('two FINs that cross take both sides through CLOSING to TIME-WAIT (RFC 9293 figure 13)', () => {
    const p = tcpPair({ delay: 10 * MS });
    p.b.listen(80);
    let server: TcpConnection | undefined;
    p.b.onEvent((e) => e.type === 'incoming' && (server = e.listener.accept()));
    const c = p.a.connect({ ip: '10.0.0.2', port: 80 });
    p.net.run(100 * MS);
    p.a.act(() => c.close(p.net.now));
    p.b.act(() => server!.close(p.net.now));
    p.net.run(SECOND);
    const trace = p.net.finish();
    expect(c.state).toBe('TIME-WAIT');
    expect(server!.state).toBe('TIME-WAIT');
    const path = (src: string): string[] => trace.notes.filter((n) => n.kind === 'tcp.state' && n.source === src).map((n) => String(n.data?.['to']));
    expect(path('a/tcp').slice(-3)).toEqual(['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
    expect(path('b/tcp').slice(-3)).toEqual(['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT']);
  });
});
