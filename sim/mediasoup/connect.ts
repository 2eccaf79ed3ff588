import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { HttpNote } from '../http/notes.ts';
import type { ByteStream } from '../net/stream.ts';
import { connectWebSocket } from '../websocket/handshake.ts';
import type { WebSocketNote } from '../websocket/notes.ts';
import { ProtooConnection, type ProtooHandlers } from './protoo.ts';

export interface ProtooClientOptions {
  /** "198.51.100.30:4443", the Host header. */
  readonly server: string;
  readonly roomId: string;
  readonly peerId: string;
  /** WebSocket key and masks, then protoo request ids (forked once each). */
  readonly rng: Rng;
  readonly note: (now: Micros, note: WebSocketNote | HttpNote) => void;
}

/**
 * A client's protoo connection as mediasoup-demo opens it: a WebSocket to `/?roomId=<room>&peerId=<peer>` asking
 * for subprotocol "protoo". `opened` gets the connection once the handshake is done; `failed` the reason otherwise.
 */
export function openProtoo(
  now: Micros,
  stream: ByteStream,
  o: ProtooClientOptions,
  handlers: ProtooHandlers,
  afterInput: () => void,
  opened: (now: Micros, conn: ProtooConnection) => void,
  failed: (now: Micros, error: string) => void,
): void {
  const path = `/?roomId=${encodeURIComponent(o.roomId)}&peerId=${encodeURIComponent(o.peerId)}`;
  const ids = o.rng.fork('protoo');
  connectWebSocket(now, stream, { host: o.server, path, protocols: ['protoo'], rng: o.rng.fork('websocket'), note: o.note }, (t, r) => {
    if (!r.ok) {
      failed(t, r.error);
      afterInput();
      return;
    }
    opened(t, new ProtooConnection(r.socket, ids, handlers, afterInput));
    afterInput();
  });
}
