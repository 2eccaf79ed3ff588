import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { Host } from '../net/host.ts';
import { connectStream, listenStreams, type TcpStream } from '../net/tcp-stream.ts';
import type { TcpListener } from '../tcp/stack.ts';
import type { TurnServer } from '../turn/server.ts';
import type { TcpPeerLinks } from '../turn/tcp-allocations.ts';
import type { StreamLinks } from './stream-links.ts';
import type { World } from './world.ts';

interface Peer {
  readonly stream: TcpStream;
  /** Bytes from the peer before its connection is bound to a data connection (RFC 6062 §5.3: the server buffers). */
  readonly buffered: Uint8Array[];
  /** The client's data connection, once bound and spliced. */
  data: { readonly local: TransportAddress; readonly remote: TransportAddress } | undefined;
  spliced: boolean;
}

/**
 * RFC 6062 on the simulated host of a turn-server app: peers' TCP connections to the relayed addresses, the server's
 * own connections to peers for Connect (from the relayed address), and the splice of a peer connection to the
 * client's data connection after ConnectionBind, raw bytes both ways; either side closing closes the other.
 */
export class SimTcpPeerLinks implements TcpPeerLinks {
  private readonly listeners = new Map<string, TcpListener>();
  private readonly peers = new Map<number, Peer>();

  constructor(
    private readonly world: World,
    private readonly host: Host,
    private readonly links: StreamLinks,
    private readonly server: TurnServer,
    private readonly pump: () => void,
  ) {}

  private get now(): Micros {
    return this.world.net.now;
  }

  listen(relayed: TransportAddress): void {
    const l = listenStreams(this.world.tcp(this.host), relayed.port, (stream, now) => {
      const id = this.server.tcpPeerArrived(now, relayed, stream.remote);
      if (id === undefined) {
        stream.handlers = { onOpen: (t) => stream.abort(t) };
      } else {
        this.adopt(id, stream);
      }
      this.pump();
    }, { ip: relayed.ip });
    this.listeners.set(formatTransportAddress(relayed), l);
  }

  unlisten(relayed: TransportAddress): void {
    const l = this.listeners.get(formatTransportAddress(relayed));
    if (!l) return;
    this.listeners.delete(formatTransportAddress(relayed));
    const tcp = this.world.tcp(this.host);
    tcp.act(() => tcp.stack.unlisten(l, this.now));
  }

  connect(id: number, relayed: TransportAddress, peer: TransportAddress): void {
    const stream = connectStream(this.world.tcp(this.host), peer, relayed);
    this.adopt(id, stream, (now, ok, why) => {
      this.server.tcp?.connected(now, id, ok, why);
      this.pump();
    });
  }

  bind(id: number, client: TransportAddress, server: TransportAddress): void {
    const p = this.peers.get(id);
    if (!p) return;
    p.data = { local: server, remote: client };
    this.links.splice(server, client, p.stream, (now) => {
      p.spliced = true;
      const data = this.links.streamOf(server, client);
      for (const b of p.buffered.splice(0)) data?.write(now, b);
    });
  }

  close(id: number): void {
    const p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    p.stream.end(this.now);
    if (p.data) this.links.streamOf(p.data.local, p.data.remote)?.end(this.now);
  }

  /** The client's data connection closed: so does the peer connection spliced to it. */
  dataClosed(local: TransportAddress, remote: TransportAddress): void {
    for (const [id, p] of this.peers) {
      if (!p.data || formatTransportAddress(p.data.local) !== formatTransportAddress(local) || formatTransportAddress(p.data.remote) !== formatTransportAddress(remote)) continue;
      this.peers.delete(id);
      this.server.tcp?.closed(id);
      p.stream.end(this.now);
    }
  }

  private adopt(id: number, stream: TcpStream, dialled?: (now: Micros, ok: boolean, why?: string) => void): void {
    const p: Peer = { stream, buffered: [], data: undefined, spliced: false };
    this.peers.set(id, p);
    let opened = false;
    stream.handlers = {
      onOpen: (now) => {
        opened = true;
        dialled?.(now, true);
      },
      onData: (now, bytes) => {
        if (p.spliced && p.data) this.links.streamOf(p.data.local, p.data.remote)?.write(now, bytes);
        else p.buffered.push(bytes);
      },
      onEnd: (now) => {
        if (p.data) this.links.streamOf(p.data.local, p.data.remote)?.end(now);
        stream.end(now);
      },
      onClose: (now, error) => {
        if (!opened) dialled?.(now, false, error ?? 'closed');
        if (this.peers.get(id) === p) {
          this.peers.delete(id);
          this.server.tcp?.closed(id);
          if (p.data) this.links.streamOf(p.data.local, p.data.remote)?.end(now);
        }
        this.pump();
      },
    };
  }
}
