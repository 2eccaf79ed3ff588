import { formatEndpoint } from '../../sim/dissect/endpoint.ts';
import { ConnectionId, getAttribute, Method, XorPeerAddress, type StunMessage } from '../../sim/wire/stun/index.ts';

/** Connects waiting for their peer connection, and CONNECTION-IDs waiting for a ConnectionBind: a hostile trace stays bounded. */
const MAX_PENDING = 256;

/**
 * RFC 6062's TCP connections as cause and effect, read from what TurnTcpStreams finds on the clients' TCP streams:
 * a Connect request and the connection the server opens from the relayed address to that peer (§4.3), and a Connect
 * success response or a ConnectionAttempt indication (§4.5) and the ConnectionBind that binds a data connection to
 * the same CONNECTION-ID (§4.4). `S` is the finder's record of a datagram; `link` makes the relation.
 */
export class TurnTcpConnections<S> {
  private readonly connects: { readonly sent: S; readonly peer: string }[] = [];
  private readonly ids = new Map<number, S>();

  constructor(private readonly link: (cause: S, effect: S, detail: string) => void) {}

  /** A Connect is waiting for the server's connection to `dst`. */
  awaits(dst: string): boolean {
    return this.connects.some((c) => c.peer === dst);
  }

  /** A STUN message read from a client's control or data connection. */
  stun(m: StunMessage, sent: S): void {
    if (m.method === Method.Connect && m.class === 'request') {
      const peer = getAttribute(m, XorPeerAddress);
      if (!peer) return;
      if (this.connects.length >= MAX_PENDING) this.connects.shift();
      this.connects.push({ sent, peer: formatEndpoint(peer.ip, peer.port) });
      return;
    }
    const id = getAttribute(m, ConnectionId);
    if (id === undefined) return;
    if ((m.method === Method.Connect && m.class === 'success') || (m.method === Method.ConnectionAttempt && m.class === 'indication')) {
      if (this.ids.size >= MAX_PENDING) this.ids.delete(this.ids.keys().next().value!);
      this.ids.set(id, sent);
    } else if (m.method === Method.ConnectionBind && m.class === 'request') {
      // the first ConnectionBind carrying the id (a retry after 438 Stale Nonce is on the same data connection)
      const cause = this.ids.get(id);
      if (cause === undefined) return;
      this.ids.delete(id);
      this.link(cause, sent, `CONNECTION-ID 0x${id.toString(16).padStart(8, '0')}`);
    }
  }

  /** A TCP segment opening a connection (SYN without ACK) from `src` to `dst`: the server's, for a Connect to `dst`. */
  opened(sent: S, src: string, dst: string): void {
    const k = this.connects.findIndex((c) => c.peer === dst);
    if (k < 0) return;
    const [c] = this.connects.splice(k, 1);
    this.link(c!.sent, sent, `peer connection ${src} → ${dst}`);
  }
}
