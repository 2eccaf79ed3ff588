import { sha1 } from '@noble/hashes/legacy.js';
import { toBase64, utf8Encode } from '../../core/encoding.ts';

/** RFC 6455 §1.3, §4.2.2: the GUID appended to Sec-WebSocket-Key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept = base64(SHA-1(Sec-WebSocket-Key + GUID)) (RFC 6455 §4.2.2 step 5.4). */
export function websocketAccept(key: string): string {
  return toBase64(sha1(utf8Encode(key.trim() + WEBSOCKET_GUID)));
}

/** A Sec-WebSocket-Key is 16 random bytes in base64, 24 characters (RFC 6455 §4.1 step 7, §4.2.1 step 5). */
export function isWebSocketKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{22}==$/.test(key.trim());
}

/** Sec-WebSocket-Protocol values: a comma-separated list of tokens (RFC 6455 §4.1, §11.3.4). */
export function subprotocols(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
