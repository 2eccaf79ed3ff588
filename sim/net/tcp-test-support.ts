import type { TransportAddress } from '../core/endpoint.ts';
import type { Trace } from '../core/trace.ts';
import type { LinkDirection } from './link-params.ts';
import type { Network } from './network.ts';
import { TcpHost } from './tcp-host.ts';
import { twoHosts } from './test-topology.ts';
import type { TcpConfig } from '../tcp/config.ts';
import type { TcpConnection } from '../tcp/connection.ts';
import { decodeTcpDatagram } from '../wire/tcp/tcp-datagram.ts';
import { wrapTcpSegment } from '../wire/tcp/tcp-ip.ts';
import type { Host } from './host.ts';
import { buildSegment, type OutgoingSegment } from '../tcp/segment.ts';

/** Shared by the TCP tests: two hosts a (10.0.0.1) and b (10.0.0.2) on one link, each with a TCP stack. */
export function tcpPair(link: Partial<LinkDirection> = {}, seed = 1, config: { a?: Partial<TcpConfig>; b?: Partial<TcpConfig> } = {}): { net: Network; a: TcpHost; b: TcpHost } {
  const { net, a, b } = twoHosts(link, seed);
  return { net, a: new TcpHost(net, a, config.a), b: new TcpHost(net, b, config.b) };
}

/** n bytes that are not a repeating short pattern (a shifted or duplicated segment would not compare equal). */
export function pattern(n: number, salt = 0): Uint8Array {
  const out = new Uint8Array(n);
  let x = 0x9e3779b9 ^ salt;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A sink on `server:port` that reads everything (or `readSlowly` bytes every `every` µs) and closes on EOF. */
export function sink(net: Network, server: TcpHost, port: number, options: { readSlowly?: { bytes: number; every: number } } = {}): { received: Uint8Array[]; connection: () => TcpConnection | undefined } {
  const received: Uint8Array[] = [];
  let conn: TcpConnection | undefined;
  server.listen(port);
  const drain = (c: TcpConnection): void => {
    if (options.readSlowly) return;
    const d = c.read();
    if (d.length > 0) received.push(d);
  };
  server.onEvent((e) => {
    if (e.type === 'incoming') conn = e.listener.accept();
    else if (e.type === 'readable') drain(e.connection);
    else if (e.type === 'end') {
      drain(e.connection);
      if (!options.readSlowly || e.connection.readable === 0) e.connection.close(net.now);
    }
  });
  if (options.readSlowly) {
    const { bytes, every } = options.readSlowly;
    const tick = (): void => {
      if (conn) {
        server.act(() => {
          const d = conn!.read(bytes);
          if (d.length > 0) received.push(d);
          if (conn!.state === 'CLOSE-WAIT' && conn!.readable === 0) conn!.close(net.now);
        });
      }
      if (!conn || conn.state !== 'CLOSED') net.scheduler.after(every, 'test: slow reader', tick);
    };
    net.scheduler.after(every, 'test: slow reader', tick);
  }
  return { received, connection: () => conn };
}

/** Connects and writes all of `data` as fast as the send buffer takes it, then closes. */
export function source(net: Network, client: TcpHost, to: TransportAddress, data: Uint8Array): TcpConnection {
  let off = 0;
  const c = client.connect(to);
  const push = (): void => {
    while (off < data.length) {
      const n = c.write(data.subarray(off));
      if (n === 0) break;
      off += n;
    }
    if (off >= data.length) c.close(net.now);
  };
  client.onEvent((e) => {
    if (!('connection' in e) || e.connection !== c) return;
    if (e.type === 'connected' || e.type === 'writable') push();
  });
  return c;
}

/** The decoded TCP segments of a trace (one per hop), with the hop's fate. */
export function segments(trace: Trace): { t: number; from: string; flags: string; seq: number; ack: number; len: number; window: number; options: string[]; dropped: boolean; bytes: Uint8Array }[] {
  return trace.hops.flatMap((h) => {
    const l = decodeTcpDatagram(h.bytes);
    const t = l.tcp?.value;
    if (!t) return [];
    return [{ t: h.t, from: h.from, flags: t.flagsText, seq: t.sequenceNumber, ack: t.acknowledgmentNumber, len: t.payloadLength, window: t.window, options: t.options.map((o) => o.kind), dropped: h.drop !== undefined, bytes: h.bytes }];
  });
}

/** Puts a hand-made segment on the host's link as if the host sent it, whatever its source address. */
export function inject(net: Network, host: Host, from: TransportAddress, to: TransportAddress, s: OutgoingSegment, mangle?: (segment: Uint8Array) => Uint8Array): void {
  let segment = buildSegment(from, to, s);
  if (mangle) segment = mangle(segment);
  host.interfaces[0]!.send(wrapTcpSegment(from.ip, to.ip, segment), net.trace.newPacketId());
}
