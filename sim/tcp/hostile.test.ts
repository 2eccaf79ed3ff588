// Bad input never throws and never grows state without bound: a SYN flood fills only the backlog, malformed
// segments are discarded with a note, blind RSTs and SYNs draw RFC 5961 challenge ACKs instead of killing the
// connection, a peer that never ACKs is given up on, and a segment for a forgotten connection draws a RST.
import { describe, expect, it } from 'vitest';
import { MS, SECOND } from '../core/time.ts';
import type { TcpConnection } from './connection.ts';
import { inject, segments, tcpPair } from '../net/tcp-test-support.ts';

/** An established connection a:client → b:80, with the server side. */
function established(seed = 1, config = {}): ReturnType<typeof tcpPair> & { client: TcpConnection; server: () => TcpConnection } {
  const p = tcpPair({ delay: 5 * MS }, seed, { a: config });
  p.b.listen(80);
  let server: TcpConnection | undefined;
  p.b.onEvent((e) => {
    if (e.type === 'incoming') server = e.listener.accept();
    if (e.type === 'readable') e.connection.read();
  });
  const client = p.a.connect({ ip: '10.0.0.2', port: 80 });
  p.net.run(100 * MS);
  return { ...p, client, server: () => server! };
}

describe('SYN flood', () => {
  it('1000 spoofed SYNs leave at most `backlog` half-open connections, which time out; a real client still gets in', () => {
    const p = tcpPair({ delay: 5 * MS });
    const listener = p.b.listen(80, { backlog: 16 });
    for (let i = 0; i < 1000; i++) {
      // sources that do not exist: the SYN-ACKs go nowhere, as in a spoofed flood
      inject(p.net, p.a.host, { ip: `10.0.0.${100 + (i % 100)}`, port: 10000 + i }, { ip: '10.0.0.2', port: 80 }, { seq: i * 7919, ack: 0, flags: ['SYN'], window: 1024, options: [{ kind: 'mss', mss: 1460 }] });
    }
    p.net.run(SECOND);
    expect(listener.synQueue).toHaveLength(16);
    expect(listener.dropped).toBe(984);
    expect(p.b.stack.connections()).toHaveLength(16);
    // SYN-ACK retransmissions (5, Linux's tcp_synack_retries) then the half-open connections are dropped
    p.net.run(200 * SECOND);
    expect(listener.synQueue).toHaveLength(0);
    expect(p.b.stack.connections()).toHaveLength(0);
    const c = p.a.connect({ ip: '10.0.0.2', port: 80 });
    p.net.run(201 * SECOND);
    expect(c.state).toBe('ESTABLISHED');
    const trace = p.net.finish();
    // the drops are noted at the 1st, 2nd, 4th … 512th: a flood stays visible without flooding the trace
    expect(trace.notes.filter((n) => n.kind === 'tcp.syn-dropped')).toHaveLength(10);
    const synAcks = segments(trace).filter((x) => x.from === 'b' && x.flags === 'ACK, SYN');
    expect(synAcks.length).toBe(16 * 6 + 1);
  });
});

describe('malformed segments', () => {
  it('a bad checksum, a lying option length and a short data offset are discarded with a note; the connection carries on', () => {
    const p = established();
    const c = p.client;
    const base = { seq: c.rcvNxt, ack: c.sndNxt, flags: ['ACK', 'RST'] as const, window: 100, options: [] };
    const from = { ip: '10.0.0.2', port: 80 };
    const mangles: ((s: Uint8Array) => Uint8Array)[] = [
      (s) => (s[17] = s[17]! ^ 0xff, s),
      (s) => {
        const out = new Uint8Array(24);
        out.set(s.subarray(0, 20));
        out.set([2, 9, 5, 0], 20);
        out[12] = 6 << 4;
        return out;
      },
      (s) => (s[12] = 3 << 4, s),
    ];
    for (const m of mangles) inject(p.net, p.b.host, from, c.local, { ...base, flags: [...base.flags] }, m);
    p.net.run(200 * MS);
    expect(c.state).toBe('ESTABLISHED');
    expect(p.a.stack.stats.malformed).toBe(2);
    const trace = p.net.finish();
    const notes = trace.notes.filter((n) => n.kind === 'tcp.malformed').map((n) => n.text);
    expect(notes[0]).toMatch(/bad TCP checksum/);
    expect(notes[1]).toMatch(/Maximum Segment Size has a bad length 9/);
    // a header too short to read never reaches the stack: the host drops it and says why
    expect(trace.hops.at(-1)!.drop).toMatch(/a: not a TCP segment this host can read \(TCP data offset 12 does not fit the segment\)/);
  });
});

describe('blind attacks (RFC 5961)', () => {
  it('a RST inside the window but not at RCV.NXT draws a challenge ACK and the connection survives', () => {
    const p = established();
    const c = p.client;
    inject(p.net, p.b.host, c.remote, c.local, { seq: (c.rcvNxt + 1000) >>> 0, ack: 0, flags: ['RST'], window: 0, options: [] });
    p.net.run(200 * MS);
    expect(c.state).toBe('ESTABLISHED');
    expect(c.stats.challengeAcks).toBe(1);
  });

  it('a RST outside the window is ignored without an answer', () => {
    const p = established();
    const c = p.client;
    const before = c.stats.segmentsSent;
    inject(p.net, p.b.host, c.remote, c.local, { seq: (c.rcvNxt + 0x40000000) >>> 0, ack: 0, flags: ['RST'], window: 0, options: [] });
    p.net.run(200 * MS);
    expect(c.state).toBe('ESTABLISHED');
    expect(c.stats.segmentsSent).toBe(before);
  });

  it('a RST exactly at RCV.NXT resets the connection', () => {
    const p = established();
    const c = p.client;
    const closed: string[] = [];
    p.a.onEvent((e) => e.type === 'closed' && closed.push(e.error ?? ''));
    inject(p.net, p.b.host, c.remote, c.local, { seq: c.rcvNxt, ack: 0, flags: ['RST'], window: 0, options: [] });
    p.net.run(200 * MS);
    expect(c.state).toBe('CLOSED');
    expect(closed).toEqual(['reset']);
  });

  it('a SYN on an established connection draws a challenge ACK, whatever its sequence number', () => {
    const p = established();
    const c = p.client;
    inject(p.net, p.b.host, c.remote, c.local, { seq: c.rcvNxt, ack: 0, flags: ['SYN'], window: 1000, options: [] });
    p.net.run(200 * MS);
    expect(c.state).toBe('ESTABLISHED');
    expect(c.stats.challengeAcks).toBe(1);
  });

  it('an ACK for data never sent is answered with an ACK and changes nothing', () => {
    const p = established();
    const c = p.client;
    const una = c.sndUna;
    inject(p.net, p.b.host, c.remote, c.local, { seq: c.rcvNxt, ack: (c.sndNxt + 50000) >>> 0, flags: ['ACK'], window: 1000, options: [] });
    p.net.run(200 * MS);
    expect(c.sndUna).toBe(una);
    expect(c.state).toBe('ESTABLISHED');
  });
});

describe('unresponsive and half-open peers', () => {
  it('a peer that never ACKs is given up on after the retry limit, with a note, and the connection is forgotten', () => {
    const p = established(1, { retries: 5 });
    const c = p.client;
    const link = p.net.link('a-b');
    link.setParams(link.b, { ...link.params(link.b), down: true }); // b's ACKs never arrive
    const closed: string[] = [];
    p.a.onEvent((e) => e.type === 'closed' && closed.push(e.error ?? ''));
    p.a.act(() => c.write(new Uint8Array(10000)));
    p.net.run(600 * SECOND);
    expect(closed).toEqual(['timeout']);
    expect(c.stats.timeouts).toBe(6);
    expect(p.a.stack.connections()).toHaveLength(0);
    const trace = p.net.finish();
    expect(trace.notes.find((n) => n.kind === 'tcp.timeout')?.text).toMatch(/data retransmitted 5 times without an ACK; giving up/);
  });

  it('a segment for a connection the host no longer knows is answered with RST (the half-open case, RFC 9293 §3.5.2)', () => {
    const p = tcpPair({ delay: 5 * MS });
    p.b.listen(80);
    inject(p.net, p.a.host, { ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 80 }, { seq: 1000, ack: 5000, flags: ['ACK', 'PSH'], window: 100, options: [], data: new Uint8Array(10) });
    p.net.run(100 * MS);
    const s = segments(p.net.finish());
    expect(s.map((x) => x.flags)).toEqual(['ACK, PSH', 'RST']);
    expect(s[1]!.seq).toBe(5000);
  });

  it('a connection attempt to a peer that never answers fails after 6 SYN retransmissions (about 127 s)', () => {
    const p = tcpPair({ delay: 5 * MS });
    const link = p.net.link('a-b');
    link.setParams(link.a, { ...link.params(link.a), down: true });
    const c = p.a.connect({ ip: '10.0.0.2', port: 80 });
    p.net.run(200 * SECOND);
    expect(c.error).toBe('timeout');
    const syns = segments(p.net.finish()).filter((x) => x.flags === 'SYN').map((x) => x.t / SECOND);
    expect(syns).toEqual([0, 1, 3, 7, 15, 31, 63]);
  });
});

describe('odd but legal options', () => {
  it('a SYN with window scale 15 is taken as 14 (RFC 7323 §2.3), not discarded', () => {
    const p = tcpPair({ delay: 5 * MS });
    p.b.listen(80);
    inject(p.net, p.a.host, { ip: '10.0.0.77', port: 40000 }, { ip: '10.0.0.2', port: 80 }, { seq: 1000, ack: 0, flags: ['SYN'], window: 1000, options: [{ kind: 'mss', mss: 1000 }, { kind: 'window-scale', shift: 15 }] });
    p.net.run(100 * MS);
    const [c] = p.b.stack.connections();
    expect(c!.state).toBe('SYN-RECEIVED');
    const s = segments(p.net.finish());
    expect(s[1]!.flags).toBe('ACK, SYN');
    expect(s[1]!.options).toContain('window-scale');
  });
});
