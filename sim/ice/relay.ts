import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';

/**
 * The seam between ICE and TURN: what the agent needs from "a relayed transport" (RFC 8445 §5.1.1.2 gathers it,
 * RFC 8656 provides it). sim/ice/turn-client.ts satisfies it; the project's sim/turn client can replace it.
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
  /** Installs a permission and binds a channel to `peer` (RFC 8656 §11); repeating it is harmless. */
  prepare(now: Micros, peer: TransportAddress): void;
  /** True when data to `peer` can go as ChannelData (the ChannelBind succeeded). */
  ready(peer: TransportAddress): boolean;
  /** Sends `data` to `peer` through the relay: ChannelData when a channel is bound, else a Send indication. */
  send(now: Micros, peer: TransportAddress, data: Uint8Array): void;
  /**
   * Offered every datagram that came from the server to `base`: peer data it carried (ChannelData or a Data
   * indication), 'consumed' for the transport's own responses, or undefined when it is not the transport's.
   */
  receive(now: Micros, bytes: Uint8Array): { peer: TransportAddress; data: Uint8Array; via: 'channel' | 'data-indication' } | 'consumed' | undefined;
  handleTimeout(now: Micros): void;
  nextDeadline(): Micros | undefined;
}

/** What a relayed transport tells its owner. */
export interface RelayEvents {
  allocated(now: Micros, relayed: TransportAddress, mapped: TransportAddress | undefined): void;
  failed(now: Micros, reason: string): void;
}
