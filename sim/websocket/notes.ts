import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/**
 * The notes of WebSocket (RFC 6455) over a byte stream: the opening handshake done or refused, the close handshake
 * (who began it, code and reason), and a protocol error or an over-limit frame that made an endpoint fail the
 * connection (1002, 1007, 1009).
 */
export type WebSocketNoteKinds = {
  'websocket.open': { readonly connection: string; readonly role: 'client' | 'server'; readonly protocol: string; readonly path: string };
  'websocket.handshake-failed': { readonly connection: string; readonly role: 'client' | 'server'; readonly error: string; readonly status?: number };
  'websocket.closed': { readonly connection: string; readonly role: 'client' | 'server'; readonly code: number; readonly reason: string; readonly by: 'local' | 'remote'; readonly clean: boolean };
  'websocket.error': { readonly connection: string; readonly role: 'client' | 'server'; readonly code: number; readonly error: string };
};

export type WebSocketNote = NotesOf<WebSocketNoteKinds>;
export const websocketNote = noteMaker<WebSocketNoteKinds>();
export const WEBSOCKET_NOTE_KINDS = {
  'websocket.open': true,
  'websocket.handshake-failed': true,
  'websocket.closed': true,
  'websocket.error': true,
} as const satisfies KindSet<WebSocketNoteKinds>;
