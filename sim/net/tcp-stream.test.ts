// A TCP connection as a ByteStream: writes larger than the send buffer wait and go out as ACKs free space, `end`
// sends FIN only after the last byte, data segments carrying SACK blocks shrink to fit the MTU, both sides see open/data/end/close in order, and a closed port says 'refused'.
import { describe, expect, it } from 'vitest';
import { MS, SECOND } from '../core/time.ts';
import { concat, pattern, sameBytes, tcpPair } from './tcp-test-support.ts';
import { connectStream, listenStreams, type TcpStream } from './tcp-stream.ts';

describe('TcpStream', () => {
  it('echoes 1 MB written in one call (4× the send buffer) and closes cleanly from both ends', () => {
    const p = tcpPair({ delay: 5 * MS, loss: 0.01 }, 3);
    const data = pattern(1024 * 1024);
    const log: string[] = [];
    let server: TcpStream | undefined;
    listenStreams(p.b, 7, (s) => {
      server = s;
      s.handlers = {
        onOpen: () => log.push('server open'),
        onData: (now, bytes) => s.write(now, bytes),
        onEnd: (now) => {
          log.push('server end');
          s.end(now);
        },
        onClose: (_now, error) => log.push(`server closed ${error ?? 'clean'}`),
      };
    });
    const echoed: Uint8Array[] = [];
    const client = connectStream(p.a, { ip: '10.0.0.2', port: 7 });
    client.handlers = {
      onOpen: (now) => {
        log.push('client open');
        client.write(now, data);
        client.end(now);
        expect(client.queued).toBeGreaterThan(0);
      },
      onData: (_now, bytes) => echoed.push(bytes),
      onEnd: () => log.push('client end'),
      onClose: (_now, error) => log.push(`client closed ${error ?? 'clean'}`),
    };
    p.net.run(120 * SECOND);
    expect(sameBytes(concat(echoed), data)).toBe(true);
    expect(log.slice(0, 2).sort()).toEqual(['client open', 'server open']);
    expect(log).toContain('server end');
    expect(log).toContain('client end');
    expect(log.filter((l) => l.includes('closed')).sort()).toEqual(['client closed clean', 'server closed clean']);
    expect(server!.open).toBe(false);
    expect(client.queued).toBe(0);
    // data segments that carry SACK blocks (both directions send data under loss) still fit the 1500-byte MTU
    const trace = p.net.finish();
    expect(trace.hops.filter((h) => h.drop?.startsWith('exceeds MTU'))).toEqual([]);
    expect(client.connection.stats.retransmissions + server!.connection.stats.retransmissions).toBeGreaterThan(0);
  });

  it('says refused when nothing listens, and never opens', () => {
    const p = tcpPair({}, 4);
    const events: string[] = [];
    const client = connectStream(p.a, { ip: '10.0.0.2', port: 9 });
    client.handlers = { onOpen: () => events.push('open'), onClose: (_n, e) => events.push(`closed ${e}`) };
    client.write(0, new Uint8Array([1, 2, 3]));
    p.net.run(5 * SECOND);
    expect(events).toEqual(['closed refused']);
    expect(client.open).toBe(false);
  });

  it('abort resets the peer', () => {
    const p = tcpPair({ delay: 1 * MS }, 5);
    const serverEvents: string[] = [];
    listenStreams(p.b, 80, (s) => {
      s.handlers = { onClose: (_n, e) => serverEvents.push(`closed ${e}`) };
    });
    const client = connectStream(p.a, { ip: '10.0.0.2', port: 80 });
    client.handlers = { onOpen: (now) => client.abort(now) };
    p.net.run(5 * SECOND);
    expect(serverEvents).toEqual(['closed reset']);
  });
});
