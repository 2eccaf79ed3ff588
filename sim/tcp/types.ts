import type { TcpNote } from './notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { TcpConfig } from './config.ts';

/** RFC 9293 §3.3.2 connection states. */
export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN-SENT'
  | 'SYN-RECEIVED'
  | 'ESTABLISHED'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'CLOSE-WAIT'
  | 'CLOSING'
  | 'LAST-ACK'
  | 'TIME-WAIT';

/** Why a connection ended badly. */
export type TcpError = 'refused' | 'reset' | 'timeout';

/** What the stack tells apps, drained with `TcpStack.pollEvent()`. */
export type TcpEvent<C = unknown, L = unknown> =
  /** The three-way handshake finished (active open), or an accepted connection became usable. */
  | { readonly type: 'connected'; readonly connection: C }
  /** A listener has a connection ready for `accept()`. */
  | { readonly type: 'incoming'; readonly listener: L }
  /** New in-order bytes can be read. */
  | { readonly type: 'readable'; readonly connection: C }
  /** Send buffer space was freed after `write` accepted less than it was given. */
  | { readonly type: 'writable'; readonly connection: C }
  /** The peer sent FIN: no more bytes will come (read returns what is left). */
  | { readonly type: 'end'; readonly connection: C }
  /** The connection is gone: after a clean close, or with an error. */
  | { readonly type: 'closed'; readonly connection: C; readonly error?: TcpError; readonly reason?: string };

/** What a connection needs from the stack that owns it. */
export interface ConnectionOwner<C> {
  readonly config: TcpConfig;
  transmit(from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void;
  note(n: TcpNote): void;
  event(e: TcpEvent<C, never>): void;
  /** RFC 5961 §7: whether one more challenge ACK may be sent now. */
  allowChallengeAck(now: number): boolean;
  /** A passive open completed its handshake. */
  established(c: C): void;
  /** The connection reached CLOSED and must be forgotten. */
  closed(c: C): void;
}

export interface TcpConnectionStats {
  segmentsSent: number;
  segmentsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  retransmissions: number;
  fastRetransmits: number;
  timeouts: number;
  dupAcksReceived: number;
  zeroWindowProbes: number;
  challengeAcks: number;
  outOfWindow: number;
  /** Holes retransmitted because SACK blocks showed them lost (RFC 6675), beyond NewReno's one per partial ACK. */
  sackRetransmits: number;
}
