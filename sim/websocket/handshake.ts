import { toBase64 } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { HttpClientConnection } from '../http/client.ts';
import type { HttpNote } from '../http/notes.ts';
import type { HttpExchange, HttpRequest } from '../http/server.ts';
import type { ByteStream } from '../net/stream.ts';
import { headerHasToken, headerValue, type HttpHeader } from '../wire/http/http.ts';
import { isWebSocketKey, subprotocols, websocketAccept } from '../wire/websocket/handshake.ts';
import { WebSocketConnection, type WebSocketLimits } from './connection.ts';
import { websocketNote, type WebSocketNote } from './notes.ts';

export interface WebSocketClientOptions {
  /** The Host header field. */
  readonly host: string;
  /** The request target: "/", "/?roomId=a&peerId=b". */
  readonly path: string;
  /** Subprotocols offered, in preference order (Sec-WebSocket-Protocol, RFC 6455 §4.1). */
  readonly protocols?: readonly string[];
  readonly origin?: string;
  /** The Sec-WebSocket-Key and every masking key come from here. */
  readonly rng: Rng;
  readonly limits?: WebSocketLimits;
  readonly fragmentSize?: number;
  readonly note?: (now: Micros, note: WebSocketNote | HttpNote) => void;
}

export type WebSocketOpenResult = { readonly ok: true; readonly socket: WebSocketConnection } | { readonly ok: false; readonly error: string; readonly status?: number };

/**
 * The client's opening handshake (RFC 6455 §4.1): a GET with Upgrade: websocket, a fresh Sec-WebSocket-Key, version
 * 13 and the subprotocols offered; the 101 is checked (Upgrade, Connection, Sec-WebSocket-Accept, a subprotocol
 * among those offered) before the socket opens. Anything else fails the handshake with a note saying what.
 */
export function connectWebSocket(now: Micros, stream: ByteStream, o: WebSocketClientOptions, done: (now: Micros, result: WebSocketOpenResult) => void): void {
  const key = toBase64(o.rng.bytes(16));
  const headers: HttpHeader[] = [
    { name: 'Upgrade', value: 'websocket' },
    { name: 'Connection', value: 'Upgrade' },
    { name: 'Sec-WebSocket-Key', value: key },
    { name: 'Sec-WebSocket-Version', value: '13' },
  ];
  if (o.protocols?.length) headers.push({ name: 'Sec-WebSocket-Protocol', value: o.protocols.join(', ') });
  if (o.origin) headers.push({ name: 'Origin', value: o.origin });
  const http = new HttpClientConnection(stream, { host: o.host, ...(o.note ? { note: o.note } : {}) });
  const fail = (t: Micros, error: string, status?: number): void => {
    o.note?.(t, websocketNote('websocket.handshake-failed', `${stream.label}: WebSocket handshake failed: ${error}`, { connection: stream.label, role: 'client', error, ...(status !== undefined ? { status } : {}) }));
    done(t, { ok: false, error, ...(status !== undefined ? { status } : {}) });
  };
  http.request(now, { method: 'GET', target: o.path, headers }, (t, r) => {
    if (!r.ok) return fail(t, r.error);
    const res = r.response;
    const status = res.start.status;
    if (status !== 101) {
      http.close(t);
      return fail(t, `the server answered ${status} ${res.start.reason} instead of 101 (RFC 6455 §4.1)`, status);
    }
    const taken = http.takeOver()!;
    const bad = (why: string): void => {
      // §4.1: the client must fail the WebSocket connection
      stream.abort(t);
      fail(t, why, status);
    };
    if (!headerHasToken(res, 'upgrade', 'websocket')) return bad('the 101 has no Upgrade: websocket');
    if (!headerHasToken(res, 'connection', 'upgrade')) return bad('the 101 has no Connection: Upgrade');
    const accept = headerValue(res, 'sec-websocket-accept');
    if (accept !== websocketAccept(key)) return bad(`Sec-WebSocket-Accept ${JSON.stringify(accept ?? null)} is not base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2)`);
    const chosen = headerValue(res, 'sec-websocket-protocol') ?? '';
    if (chosen && !(o.protocols ?? []).includes(chosen)) return bad(`the server chose subprotocol ${JSON.stringify(chosen)}, which was not offered`);
    if (headerValue(res, 'sec-websocket-extensions')) return bad('the server chose an extension, none was offered (RFC 6455 §4.1)');
    const socket = new WebSocketConnection(taken.stream, { role: 'client', protocol: chosen, path: o.path, rng: o.rng, ...(o.limits ? { limits: o.limits } : {}), ...(o.fragmentSize ? { fragmentSize: o.fragmentSize } : {}), ...(o.note ? { note: o.note } : {}) }, taken.rest);
    o.note?.(t, websocketNote('websocket.open', `${stream.label}: WebSocket open${chosen ? ` (${chosen})` : ''} at ${o.path}`, { connection: stream.label, role: 'client', protocol: chosen, path: o.path }));
    done(t, { ok: true, socket });
    socket.start(t);
  });
}

export interface WebSocketServerOptions {
  /** Subprotocols this server speaks, in its preference order; with some, a client offering none is refused. */
  readonly protocols?: readonly string[];
  readonly limits?: WebSocketLimits;
  readonly fragmentSize?: number;
  readonly note?: (now: Micros, note: WebSocketNote) => void;
}

/** Whether a request asks for a WebSocket (RFC 6455 §4.2.1: Upgrade: websocket). */
export function isWebSocketRequest(r: HttpRequest): boolean {
  return headerHasToken(r, 'upgrade', 'websocket');
}

/**
 * The server's side of the opening handshake (RFC 6455 §4.2): checks the request (GET, HTTP/1.1, Upgrade and
 * Connection, a 16-byte key, version 13), picks the first subprotocol the client offered that this server speaks,
 * answers 101 with Sec-WebSocket-Accept, and returns the open socket; a bad request gets 400 (426 with
 * Sec-WebSocket-Version: 13 for another version) and a note.
 */
export function acceptWebSocket(now: Micros, req: HttpRequest, ex: HttpExchange, o: WebSocketServerOptions = {}): WebSocketConnection | undefined {
  const label = req.connection;
  const refuse = (status: number, error: string, headers: HttpHeader[] = []): undefined => {
    o.note?.(now, websocketNote('websocket.handshake-failed', `${label}: WebSocket handshake refused with ${status}: ${error}`, { connection: label, role: 'server', error, status }));
    ex.respond(now, { status, headers: [...headers, { name: 'Content-Type', value: 'text/plain' }], body: `${error}\n` });
    return undefined;
  };
  if (req.start.method !== 'GET' || req.start.version !== 'HTTP/1.1') return refuse(400, `a WebSocket handshake is a GET over HTTP/1.1, not ${req.start.method} ${req.start.version} (RFC 6455 §4.2.1)`);
  if (!headerHasToken(req, 'upgrade', 'websocket')) return refuse(426, 'no Upgrade: websocket', [{ name: 'Upgrade', value: 'websocket' }]);
  if (!headerHasToken(req, 'connection', 'upgrade')) return refuse(400, 'no Connection: Upgrade (RFC 6455 §4.2.1)');
  const version = headerValue(req, 'sec-websocket-version');
  if (version !== '13') return refuse(426, `Sec-WebSocket-Version ${JSON.stringify(version ?? null)} is not 13 (RFC 6455 §4.4)`, [{ name: 'Sec-WebSocket-Version', value: '13' }]);
  const key = headerValue(req, 'sec-websocket-key');
  if (!key || !isWebSocketKey(key)) return refuse(400, `Sec-WebSocket-Key ${JSON.stringify(key ?? null)} is not 16 bytes in base64 (RFC 6455 §4.2.1)`);
  const offered = subprotocols(headerValue(req, 'sec-websocket-protocol'));
  const ours = o.protocols ?? [];
  const chosen = offered.find((p) => ours.includes(p)) ?? '';
  if (ours.length && !chosen) return refuse(400, `no subprotocol in common: offered ${offered.length ? offered.join(', ') : 'none'}, this server speaks ${ours.join(', ')}`);
  const headers: HttpHeader[] = [
    { name: 'Upgrade', value: 'websocket' },
    { name: 'Connection', value: 'Upgrade' },
    { name: 'Sec-WebSocket-Accept', value: websocketAccept(key) },
    ...(chosen ? [{ name: 'Sec-WebSocket-Protocol', value: chosen }] : []),
  ];
  const up = ex.upgrade(now, 'websocket', headers);
  if (!up) return refuse(400, 'the upgrade request is not the oldest open request on its connection');
  const socket = new WebSocketConnection(up.stream, { role: 'server', protocol: chosen, path: req.start.target, ...(o.limits ? { limits: o.limits } : {}), ...(o.fragmentSize ? { fragmentSize: o.fragmentSize } : {}), ...(o.note ? { note: o.note } : {}) }, up.rest);
  o.note?.(now, websocketNote('websocket.open', `${label}: WebSocket open${chosen ? ` (${chosen})` : ''} at ${req.start.target}`, { connection: label, role: 'server', protocol: chosen, path: req.start.target }));
  return socket;
}
