import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { TransactionOptions, TransactionOutput } from '../stun/transactions.ts';
import { TurnSession } from '../turn/session.ts';
import type { TurnPeerIcmp } from '../turn/client-icmp.ts';

/**
 * The seam between ICE and TURN: what the agent needs from "a relayed transport" (RFC 8445 §5.1.1.2 gathers it,
 * RFC 8656 provides it). `TurnRelay` below satisfies it with sim/turn's `TurnSession`, sharing the agent's socket.
 */
export interface RelayedTransport {
  /** The TURN server. */
  readonly server: TransportAddress;
  /** The local socket the transport talks to the server from. */
  readonly base: TransportAddress;
  /** The relayed transport address once allocated (RFC 8656 §7.3, XOR-RELAYED-ADDRESS). */
  readonly relayed: TransportAddress | undefined;
  /** The client's address as the server saw it (XOR-MAPPED-ADDRESS of the Allocate success). */
  readonly mapped: TransportAddress | undefined;
  /**
   * Installs a permission and binds a channel to `peer` (RFC 8656 §11); repeating it is harmless. Returns the error
   * that ended an earlier ChannelBind for `peer` ("ChannelBind Request: 403 Forbidden"), which is not asked again.
   */
  prepare(now: Micros, peer: TransportAddress): string | undefined;
  /** True when data to `peer` can go as ChannelData (the ChannelBind succeeded). */
  ready(peer: TransportAddress): boolean;
  /** Sends `data` to `peer` through the relay: ChannelData when a channel is bound, else a Send indication. */
  send(peer: TransportAddress, data: Uint8Array): void;
  /**
   * Offered every datagram that came from the server to `base`: peer data it carried (ChannelData or a Data
   * indication), 'consumed' for the transport's own responses, or undefined when it is not the transport's.
   */
  receive(now: Micros, bytes: Uint8Array): { peer: TransportAddress; data: Uint8Array; via: 'channel' | 'data-indication' } | TurnPeerIcmp | 'consumed' | undefined;
  handleTimeout(now: Micros): void;
  deadline(): { at: Micros; reason: string } | undefined;
}

/** What a relayed transport tells its owner. */
export interface RelayEvents {
  allocated(now: Micros, relayed: TransportAddress, mapped: TransportAddress | undefined): void;
  failed(now: Micros, reason: string): void;
  /**
   * The ChannelBind that was to let the relayed candidate reach `peer` got an error or no answer (RFC 8656 §12.2):
   * the server has no permission for it, so nothing can pass between the relayed address and that peer.
   */
  refused?(now: Micros, peer: TransportAddress, error: string): void;
}

export interface TurnCredentials {
  readonly username: string;
  readonly password: string;
  /** False: 438 Stale Nonce ends the request instead of a retry (fault injection, session.ts). */
  readonly retryStaleNonce?: boolean;
}

/** A relayed transport on a TURN allocation: Allocate at start, a ChannelBind per peer, ChannelData once bound. */
export class TurnRelay implements RelayedTransport {
  private readonly session: TurnSession;
  /** The error that ended the ChannelBind for a peer ("ip:port"), kept so later pairs to it fail at once. */
  private readonly refusals = new Map<string, string>();

  /** `stream`: the session runs on a TCP or TLS connection its owner keeps (RFC 8656 §3.1); `base` then names it. */
  constructor(base: TransportAddress, server: TransportAddress, credentials: TurnCredentials, rng: Rng, out: TransactionOutput, events: RelayEvents, name?: string, stream = false, transactions?: TransactionOptions) {
    this.session = new TurnSession({ local: base, server, username: credentials.username, password: credentials.password, ...(credentials.retryStaleNonce === false ? { retryStaleNonce: false } : {}), ...(name !== undefined ? { name } : {}), ...(stream ? { stream } : {}), ...(transactions ? { transactions } : {}) }, rng, out, (now, o) => {
      // a ChannelBind's error (a 438 the session did not retry included) or timeout: libwebrtc's TurnEntry fails and
      // prunes the connection to that peer (OnChannelBindError, OnChannelBindTimeout); a refresh's failure is left to consent
      if (o.kind === 'channel' && !o.ok && !o.keepAlive && o.peer) {
        const error = o.error ?? 'ChannelBind Request failed';
        this.refusals.set(formatTransportAddress(o.peer), error);
        events.refused?.(now, o.peer, error);
      }
      if (o.kind !== 'allocate') return;
      if (o.ok && this.session.relayed) events.allocated(now, this.session.relayed, this.session.mapped);
      else if (!o.ok) events.failed(now, o.error ?? 'Allocate failed');
    });
  }

  get server(): TransportAddress {
    return this.session.server;
  }

  get base(): TransportAddress {
    return this.session.local;
  }

  get relayed(): TransportAddress | undefined {
    return this.session.relayed;
  }

  get mapped(): TransportAddress | undefined {
    return this.session.mapped;
  }

  start(now: Micros): void {
    this.session.allocate(now);
  }

  /** The allocation failed (its Allocate ended in an error or no answer). */
  get failed(): boolean {
    return this.session.failed;
  }

  /** RFC 8656 §7: deletes the allocation with a Refresh of LIFETIME 0; the session refreshes nothing after it. */
  release(now: Micros): void {
    this.session.release(now);
  }

  prepare(now: Micros, peer: TransportAddress): string | undefined {
    const refused = this.refusals.get(formatTransportAddress(peer));
    if (refused !== undefined || !this.session.relayed || this.session.failed || this.session.channelOf(peer) !== undefined) return refused;
    this.session.bindChannel(now, peer);
    return undefined;
  }

  ready(peer: TransportAddress): boolean {
    return this.session.boundChannel(peer) !== undefined;
  }

  send(peer: TransportAddress, data: Uint8Array): void {
    this.session.send(peer, data);
  }

  receive(now: Micros, bytes: Uint8Array): { peer: TransportAddress; data: Uint8Array; via: 'channel' | 'data-indication' } | TurnPeerIcmp | 'consumed' | undefined {
    const r = this.session.receive(now, this.session.server, bytes);
    return r === undefined || r === 'consumed' || r.via === 'icmp' ? r : { peer: r.peer, data: r.data, via: r.via };
  }

  handleTimeout(now: Micros): void {
    this.session.handleTimeout(now);
  }

  deadline(): { at: Micros; reason: string } | undefined {
    return this.session.deadline();
  }
}
