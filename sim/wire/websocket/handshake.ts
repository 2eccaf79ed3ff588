import { sha1 } from '@noble/hashes/legacy.js';
import { toBase64, utf8Encode } from '../../core/encoding.ts';

/** RFC 6455 §1.3, §4.2.2: the GUID appended to Sec-WebSocket-Key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept = base64(SHA-1(Sec-WebSocket-Key + GUID)) (RFC 6455 §4.2.2 step 5.4). */
export function websocketAccept(key: string): string {
  return toBase64(sha1(utf8Encode(key.trim() + WEBSOCKET_GUID)));
}
