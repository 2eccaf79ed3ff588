import type { Micros } from '../core/time.ts';

/**
 * An ordered, reliable byte stream as an application protocol sees it: a TCP connection, or TLS over one. HTTP,
 * WebSocket, TURN over TCP (RFC 8656 §3.1), ICE-TCP framing (RFC 4571) and the signaling apps are written against
 * this, so each runs unchanged over TCP and over TLS.
 *
 * The stream calls its handlers from inside the simulator's event loop (at the virtual time `now`); handlers may write,
 * end or abort at once. Writes are taken whole: the stream queues what its transport cannot send yet.
 */
export interface ByteStream {
  /** Something the notes can name, e.g. "tcp 10.0.0.1:50000 > 198.51.100.10:443" or "tls(...)". */
  readonly label: string;
  /** True once bytes can flow (TCP established; TLS handshake complete). Writes before that are queued. */
  readonly open: boolean;
  write(now: Micros, bytes: Uint8Array): void;
  /** Half-close after the queued bytes (TCP FIN; TLS close_notify then FIN). Reading continues until `end`. */
  end(now: Micros): void;
  /** Tear down at once (TCP RST; TLS: a fatal alert when it can, then RST). */
  abort(now: Micros): void;
  /** The handlers; set them once, before the stream opens. */
  handlers: ByteStreamHandlers;
}

export interface ByteStreamHandlers {
  /** The stream is open (handshake complete). */
  onOpen?(now: Micros): void;
  /** In-order bytes from the peer. */
  onData?(now: Micros, bytes: Uint8Array): void;
  /** The peer will send no more (FIN or close_notify). */
  onEnd?(now: Micros): void;
  /** Closed for good: cleanly (`error` undefined) or not ('refused', 'reset', 'timeout', or a TLS alert's name). */
  onClose?(now: Micros, error?: string): void;
}
