// Node only: an endpoint's TURN-over-TCP traffic on real TCP sockets of the kernel. Transmits marked
// `transport: 'tcp'` are framed (RFC 8656 §12.5, sim/turn/stream-framer.ts) and written on the socket between
// their `from` and `to` (dialled for a client, accepted for a server); bytes read are cut back into STUN and
// ChannelData messages for the endpoint's handleDatagram(…, 'tcp'). Everything else goes to the UdpBridge that
// drives the wrapper. The simulator's counterpart is sim/apps/stream-links.ts.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Endpoint, EndpointOutput, TransportAddress } from '../sim/core/endpoint.ts';
import { formatTransportAddress } from '../sim/core/endpoint.ts';
import type { Micros } from '../sim/core/time.ts';
import { frameForStream, StreamFramer } from '../sim/turn/stream-framer.ts';

interface Conn {
  readonly socket: Socket;
  /** The local address as the endpoint names it (a client's placeholder, or the server's listening address). */
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly framer: StreamFramer;
}

const key = (local: TransportAddress, remote: TransportAddress): string => `${formatTransportAddress(local)}|${formatTransportAddress(remote)}`;

export class NodeTcpLinks implements Endpoint<never> {
  private readonly conns = new Map<string, Conn>();
  private readonly servers: Server[] = [];
  /** Remote addresses of the connections a listener accepted. */
  readonly accepted: TransportAddress[] = [];
  /** Framing errors and socket errors, for assertions. */
  readonly errors: string[] = [];
  /** Set by the owner: the bridge's clock and pump. */
  clock: () => Micros = () => 0;
  pump: () => void = () => {};
  /** Called when a connection closes (the TURN server deletes the allocation of its 5-tuple). */
  onClosed?: (local: TransportAddress, remote: TransportAddress) => void;

  constructor(readonly inner: Endpoint<never>) {}

  /** Accepts connections at `at` (a server's TCP listener), handing their messages to the endpoint. */
  async listen(at: TransportAddress): Promise<void> {
    const server = createServer((socket) => {
      const remote = { ip: socket.remoteAddress!.replace(/^::ffff:/, ''), port: socket.remotePort! };
      this.accepted.push(remote);
      this.adopt(socket, at, remote);
    });
    await new Promise<void>((resolve) => server.listen(at.port, at.ip, resolve));
    this.servers.push(server);
  }

  /** The port a client's connection to `remote` got from the kernel, once dialled. */
  localPortTo(remote: TransportAddress): number | undefined {
    for (const c of this.conns.values()) if (c.remote.ip === remote.ip && c.remote.port === remote.port) return c.socket.localPort;
    return undefined;
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: 'udp' | 'tcp'): void {
    this.inner.handleDatagram(now, from, to, bytes, transport);
  }

  handleTimeout(now: Micros): void {
    this.inner.handleTimeout(now);
  }

  poll(now: Micros): EndpointOutput {
    for (;;) {
      const o = this.inner.poll(now);
      if (o.type !== 'transmit' || o.transport !== 'tcp') return o;
      let c = this.conns.get(key(o.from, o.to));
      if (!c) {
        const socket = createConnection({ host: o.to.ip, port: o.to.port, ...(o.from.port ? { localPort: o.from.port } : {}) });
        c = this.adopt(socket, o.from, o.to);
      }
      c.socket.write(frameForStream('stun', o.bytes));
    }
  }

  private adopt(socket: Socket, local: TransportAddress, remote: TransportAddress): Conn {
    socket.setNoDelay(true);
    const c: Conn = { socket, local, remote, framer: new StreamFramer('stun') };
    this.conns.set(key(local, remote), c);
    socket.on('data', (d: Buffer) => {
      const { messages, error } = c.framer.push(new Uint8Array(d.buffer, d.byteOffset, d.length));
      for (const m of messages) this.inner.handleDatagram(this.clock(), remote, local, m, 'tcp');
      if (error !== undefined) {
        this.errors.push(`${formatTransportAddress(remote)}: ${error}`);
        socket.destroy();
      }
      this.pump();
    });
    socket.on('error', (e) => this.errors.push(`${formatTransportAddress(remote)}: ${e.message}`));
    socket.on('close', () => {
      if (this.conns.get(key(local, remote)) === c) this.conns.delete(key(local, remote));
      this.onClosed?.(local, remote);
      this.pump();
    });
    return c;
  }

  close(): void {
    for (const c of this.conns.values()) c.socket.destroy();
    for (const s of this.servers) s.close();
  }
}
