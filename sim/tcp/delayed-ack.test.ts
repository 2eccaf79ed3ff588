// Delayed ACKs (RFC 5681 §4.2, RFC 9293 §3.8.6.3): one small segment is ACKed after the 40 ms delayed-ACK timer
// (reason "tcp-delack"), every second full-sized segment at once, out-of-order data at once; a reply rides on
// the ACK when the app answers first; Nagle holds a second small write while the first is unacknowledged.
import { describe, expect, it } from 'vitest';
import { MS } from '../core/time.ts';
import type { TcpConnection } from './connection.ts';
import { pattern, segments, tcpPair } from '../net/tcp-test-support.ts';

function connected(config = {}) {
  const p = tcpPair({ delay: 5 * MS }, 1, { a: config, b: config });
  p.b.listen(80);
  let server: TcpConnection | undefined;
  p.b.onEvent((e) => e.type === 'incoming' && (server = e.listener.accept()));
  const client = p.a.connect({ ip: '10.0.0.2', port: 80 });
  p.net.run(100 * MS);
  return { ...p, client, server: () => server! };
}

describe('delayed ACKs', () => {
  it('one small segment is ACKed 40 ms after it arrives, on the "tcp-delack" timer', () => {
    const p = connected();
    p.a.act(() => p.client.write(new TextEncoder().encode('ping')));
    p.net.run(110 * MS);
    expect(p.b.pendingReason).toBe('tcp-delack');
    p.net.run(200 * MS);
    const s = segments(p.net.finish()).filter((x) => x.t >= 100 * MS);
    expect(s.map((x) => `${x.from} ${x.flags} ${x.len}`)).toEqual(['a ACK, PSH 4', 'b ACK 0']);
    expect(s[1]!.t - s[0]!.t).toBe(5 * MS + 40 * MS);
  });

  it('every second full-sized segment is ACKed at once', () => {
    const p = connected();
    p.a.act(() => p.client.write(pattern(4 * 1448)));
    p.net.run(300 * MS);
    const s = segments(p.net.finish()).filter((x) => x.t >= 100 * MS);
    const acks = s.filter((x) => x.from === 'b');
    // four segments leave together at 100 ms; b ACKs the 2nd and the 4th as they arrive at 105 ms
    expect(acks.map((x) => x.t)).toEqual([105 * MS, 105 * MS]);
  });

  it('an answer written at once carries the ACK: no separate pure ACK', () => {
    const p = connected();
    p.b.onEvent((e) => {
      if (e.type === 'readable') {
        e.connection.read();
        e.connection.write(new TextEncoder().encode('pong'));
      }
    });
    p.a.act(() => p.client.write(new TextEncoder().encode('ping')));
    p.net.run(300 * MS);
    const s = segments(p.net.finish()).filter((x) => x.t >= 100 * MS && x.from === 'b');
    expect(s[0]).toMatchObject({ flags: 'ACK, PSH', len: 4, t: 105 * MS });
  });

  it("Nagle's algorithm holds a second small write until the first is ACKed; TCP_NODELAY sends it at once", () => {
    for (const [noDelay, expected] of [[false, [100 * MS, 150 * MS]], [true, [100 * MS, 100 * MS]]] as const) {
      const p = connected({ noDelay });
      p.a.act(() => p.client.write(new Uint8Array(10)));
      p.a.act(() => p.client.write(new Uint8Array(10)));
      p.net.run(300 * MS);
      const data = segments(p.net.finish()).filter((x) => x.from === 'a' && x.len > 0);
      expect(data.map((x) => x.t), `noDelay ${noDelay}`).toEqual(expected);
    }
  });
});
