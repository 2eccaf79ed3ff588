import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { TransactionOptions } from '../stun/transactions.ts';

/** What a TURN client session is given, and what it hands back: its configuration, request outcomes and peer data. */
export interface TurnSessionConfig {
  /** The local socket the session talks to the server from (shared with its owner's other traffic). */
  readonly local: TransportAddress;
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  /** Who the notes are about ("alice"); "TURN client" when absent. */
  readonly name?: string;
  /** A SOFTWARE attribute for Allocate requests (RFC 8489 §14.14). */
  readonly software?: string;
  /** Refresh the allocation before it expires (RFC 8656 §8; default true). */
  readonly autoRefresh?: boolean;
  /** Refresh permissions and channel bindings before they lapse (default true); false lets them expire. */
  readonly keepPermissions?: boolean;
  readonly transactions?: TransactionOptions;
  /** Over a TCP or TLS connection its owner keeps and frames (RFC 8656 §3.1, stream-framer.ts): ChannelData padded to 4
   * (§12.5), requests not retransmitted, a transaction failing after Ti = 39.5 s (RFC 8489 §6.2.2). */
  readonly stream?: boolean;
  /** Retry a 438 Stale Nonce with its NONCE (RFC 8489 §9.2.4; default true); false: a faulty client that gives up. */
  readonly retryStaleNonce?: boolean;
  /** RFC 6062 §4.5: a ConnectionAttempt indication (a peer connected to the TCP relayed address). */
  readonly onConnectionAttempt?: (now: Micros, id: number, peer: TransportAddress) => void;
}

export type TurnRequestKind = 'allocate' | 'refresh' | 'deallocate' | 'permission' | 'channel' | 'connect';

/** How a request ended, after any authentication retries. */
export interface TurnRequestOutcome {
  readonly kind: TurnRequestKind;
  /** The session sent it by itself, to keep the allocation, a permission or a channel alive. */
  readonly keepAlive: boolean;
  readonly ok: boolean;
  /** When not ok: "ChannelBind Request: 403 Forbidden", "Allocate Request: timeout", … */
  readonly error?: string;
  readonly code?: number;
  /** The peer a ChannelBind was for (its channel's XOR-PEER-ADDRESS), so an owner can tell which peer it failed for. */
  readonly peer?: TransportAddress;
  /** A Connect's success (RFC 6062 §4.3): the CONNECTION-ID and the peer. */
  readonly connection?: { readonly id: number; readonly peer: TransportAddress };
}

export interface TurnPeerData {
  readonly peer: TransportAddress;
  readonly data: Uint8Array;
  readonly via: 'channel' | 'data-indication';
  readonly channel?: number;
}
