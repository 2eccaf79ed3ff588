import { turnNote } from './notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { encodeStun, getAttribute, Method, XorPeerAddress, ConnectionId } from '../wire/stun/index.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import type { Allocation } from './allocation.ts';

/**
 * What RFC 6062 needs from outside the sans-IO server: TCP connections on the relayed address. The simulator's
 * implementation is sim/apps/tcp-peer-links.ts; it answers through `TcpAllocations.connected` and `peerArrived`.
 */
export interface TcpPeerLinks {
  /** Accept peers' connections at a TCP allocation's relayed address (RFC 6062 §5.3). */
  listen(relayed: TransportAddress): void;
  /** Stop accepting there (the allocation is gone). */
  unlisten(relayed: TransportAddress): void;
  /** Open a connection from the relayed address to the peer (§5.2); the result comes back through `connected`. */
  connect(id: number, relayed: TransportAddress, peer: TransportAddress): void;
  /**
   * The client's data connection (`client` ⇄ `server`) carries connection `id` from now on, raw both ways (§5.4),
   * right after the ConnectionBind success response the server is sending on it.
   */
  bind(id: number, client: TransportAddress, server: TransportAddress): void;
  /** Close the peer connection (and its data connection when bound). */
  close(id: number): void;
}

/** RFC 6062 §5.2/§5.3: a peer connection not bound by a ConnectionBind within 30 s is closed. */
export const CONNECTION_BIND_TIMEOUT = 30 * SECOND;

/** One peer connection of a TCP allocation. */
export interface PeerConnection {
  readonly id: number;
  readonly alloc: Allocation;
  readonly peer: TransportAddress;
  /** connecting: the server dials the peer; ready: waiting for ConnectionBind; bound: spliced to a data connection. */
  state: 'connecting' | 'ready' | 'bound';
  /** The Connect request to answer when the dial ends (client-initiated only). */
  readonly connect?: { readonly msg: StunMessage; readonly from: TransportAddress; readonly to: TransportAddress; readonly key: Uint8Array };
  bindBy: Micros | undefined;
}

/** What the server lends the TCP allocations: replying on a connection, failing a request, notes, its outbox. */
export interface TcpAllocationServer {
  reply(msg: StunMessage, from: TransportAddress, to: TransportAddress, key: Uint8Array, attrs: Parameters<typeof encodeStun>[0]['attributes']): void;
  fail(msg: StunMessage, from: TransportAddress, to: TransportAddress, key: Uint8Array, code: number, reason: string): void;
  transmit(from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void;
  note(n: ReturnType<typeof turnNote>): void;
}

/**
 * RFC 6062 TCP allocations on a TURN server: Connect (client-initiated peer connections), ConnectionAttempt
 * (peer-initiated), ConnectionBind on a new data connection, CONNECTION-ID, the 30-second bind timer, and the
 * peer connections closed with their allocation.
 */
export class TcpAllocations {
  readonly connections = new Map<number, PeerConnection>();
  readonly stats = { connects: 0, attempts: 0, bound: 0, failed: 0, timedOut: 0 };

  constructor(
    readonly links: TcpPeerLinks,
    private readonly server: TcpAllocationServer,
    private readonly rng: Rng,
  ) {}

  private newId(): number {
    for (;;) {
      const id = this.rng.u32();
      if (id !== 0 && !this.connections.has(id)) return id;
    }
  }

  private peerOf(alloc: Allocation, peer: TransportAddress): PeerConnection | undefined {
    for (const c of this.connections.values()) if (c.alloc === alloc && sameTransportAddress(c.peer, peer)) return c;
    return undefined;
  }

  /** RFC 6062 §5.2: Connect on the control connection of a TCP allocation. */
  connect(now: Micros, msg: StunMessage, from: TransportAddress, to: TransportAddress, alloc: Allocation, key: Uint8Array): void {
    if (!alloc.tcpRelay) return this.server.fail(msg, from, to, key, 400, 'Bad Request: Connect needs a TCP allocation (RFC 6062 §5.2)');
    const peer = getAttribute(msg, XorPeerAddress);
    if (!peer) return this.server.fail(msg, from, to, key, 400, 'Bad Request: XOR-PEER-ADDRESS missing');
    if (this.peerOf(alloc, peer)) return this.server.fail(msg, from, to, key, 446, 'Connection Already Exists');
    if (!alloc.hasPermission(peer.ip, now)) return this.server.fail(msg, from, to, key, 403, `Forbidden: no permission for ${peer.ip}`);
    const id = this.newId();
    this.connections.set(id, { id, alloc, peer, state: 'connecting', connect: { msg, from, to, key }, bindBy: undefined });
    this.stats.connects++;
    this.server.note(turnNote('turn.tcp.connect', `Connect from ${formatTransportAddress(from)}: dialling ${formatTransportAddress(peer)} from ${formatTransportAddress(alloc.relayed)} (connection 0x${hex32(id)})`, { peer: formatTransportAddress(peer), relayed: formatTransportAddress(alloc.relayed), connectionId: id }));
    this.links.connect(id, alloc.relayed, peer);
  }

  /** The dial of a Connect ended: success with CONNECTION-ID, or 447 (§5.2). */
  connected(now: Micros, id: number, ok: boolean, why?: string): void {
    const c = this.connections.get(id);
    if (!c || c.state !== 'connecting' || !c.connect) return;
    const { msg, from, to, key } = c.connect;
    if (!ok) {
      this.connections.delete(id);
      this.stats.failed++;
      return this.server.fail(msg, from, to, key, 447, `Connection Timeout or Failure: ${why ?? 'failed'}`);
    }
    c.state = 'ready';
    c.bindBy = now + CONNECTION_BIND_TIMEOUT;
    this.server.reply(msg, from, to, key, [ConnectionId.of(id)]);
  }

  /**
   * RFC 6062 §5.3: a peer connected to the relayed address of `alloc`. With a permission for its IP, the client
   * hears of it in a ConnectionAttempt indication and the connection id comes back; without, undefined (refuse it).
   */
  peerArrived(now: Micros, alloc: Allocation, peer: TransportAddress, indicationId: Uint8Array): number | undefined {
    if (!alloc.hasPermission(peer.ip, now)) {
      this.server.note(turnNote('turn.drop', `TCP connection from peer ${formatTransportAddress(peer)} to ${formatTransportAddress(alloc.relayed)} refused: no permission for ${peer.ip} (RFC 6062 §5.3)`, { direction: 'from-peer', reason: 'no permission', peer: formatTransportAddress(peer), relayed: formatTransportAddress(alloc.relayed) }));
      return undefined;
    }
    const id = this.newId();
    this.connections.set(id, { id, alloc, peer, state: 'ready', bindBy: now + CONNECTION_BIND_TIMEOUT });
    this.stats.attempts++;
    this.server.note(turnNote('turn.tcp.attempt', `peer ${formatTransportAddress(peer)} connected to ${formatTransportAddress(alloc.relayed)}: ConnectionAttempt to ${formatTransportAddress(alloc.client)} (connection 0x${hex32(id)})`, { peer: formatTransportAddress(peer), relayed: formatTransportAddress(alloc.relayed), connectionId: id }));
    this.server.transmit(alloc.server, alloc.client, encodeStun({ method: Method.ConnectionAttempt, class: 'indication', transactionId: indicationId, attributes: [XorPeerAddress.of(peer), ConnectionId.of(id)] }, { fingerprint: true }));
    return id;
  }

  /** RFC 6062 §5.4: ConnectionBind on a new connection from the allocation's client, authenticated as its user. */
  bind(msg: StunMessage, from: TransportAddress, to: TransportAddress, username: string, key: Uint8Array, onControl: boolean): void {
    const id = getAttribute(msg, ConnectionId);
    if (onControl) return this.server.fail(msg, from, to, key, 400, 'Bad Request: ConnectionBind on a control connection (RFC 6062 §5.4)');
    const c = id === undefined ? undefined : this.connections.get(id);
    if (id === undefined || !c) return this.server.fail(msg, from, to, key, 400, `Bad Request: ${id === undefined ? 'CONNECTION-ID missing' : `no connection 0x${hex32(id)}`}`);
    if (c.state !== 'ready') return this.server.fail(msg, from, to, key, 400, `Bad Request: connection 0x${hex32(c.id)} is ${c.state === 'bound' ? 'already bound' : 'not established yet'}`);
    if (c.alloc.username !== username) return this.server.fail(msg, from, to, key, 441, 'Wrong Credentials');
    c.state = 'bound';
    c.bindBy = undefined;
    this.stats.bound++;
    this.server.reply(msg, from, to, key, []);
    this.server.note(turnNote('turn.tcp.bound', `connection 0x${hex32(c.id)} to ${formatTransportAddress(c.peer)} bound to the data connection from ${formatTransportAddress(from)}: raw bytes both ways`, { peer: formatTransportAddress(c.peer), client: formatTransportAddress(from), connectionId: c.id }));
    this.links.bind(c.id, from, to);
  }

  /** A peer connection ended (its peer or data connection closed). */
  closed(id: number): void {
    this.connections.delete(id);
  }

  /** The earliest ConnectionBind deadline, if any connection waits for one. */
  nextDeadline(): Micros | undefined {
    let at: Micros | undefined;
    for (const c of this.connections.values()) if (c.bindBy !== undefined && (at === undefined || c.bindBy < at)) at = c.bindBy;
    return at;
  }

  /** Closes peer connections not bound in time. */
  expire(now: Micros): void {
    for (const c of [...this.connections.values()]) {
      if (c.bindBy === undefined || c.bindBy > now) continue;
      this.connections.delete(c.id);
      this.stats.timedOut++;
      this.server.note(turnNote('turn.tcp.closed', `connection 0x${hex32(c.id)} to ${formatTransportAddress(c.peer)} closed: no ConnectionBind within 30 s (RFC 6062 §5.3)`, { peer: formatTransportAddress(c.peer), connectionId: c.id, why: 'no ConnectionBind within 30 s' }));
      this.links.close(c.id);
    }
  }

  /** The allocation is gone: so are its peer connections and its listener. */
  allocationGone(alloc: Allocation): void {
    for (const c of [...this.connections.values()]) {
      if (c.alloc !== alloc) continue;
      this.connections.delete(c.id);
      this.links.close(c.id);
    }
    this.links.unlisten(alloc.relayed);
  }
}

const hex32 = (n: number): string => n.toString(16).padStart(8, '0');
