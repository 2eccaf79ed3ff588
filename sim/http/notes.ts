import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/**
 * The notes of HTTP/1.1 (RFC 9112) over a byte stream: each request a server takes and each response it gives,
 * and every message refused (a malformed start line or header, a header section or body over a limit, a stream that
 * ended in the middle of a message). `connection` is the stream's label ("tcp 10.0.0.1:50000 > 198.51.100.10:80").
 */
export type HttpNoteKinds = {
  'http.request': { readonly connection: string; readonly method: string; readonly target: string; readonly bodyLength: number };
  'http.response': { readonly connection: string; readonly status: number; readonly method: string; readonly target: string; readonly bodyLength: number };
  /** A message refused: by a server (with the 4xx/5xx it answered) or by a client (the response it could not read). */
  'http.bad-message': { readonly connection: string; readonly role: 'server' | 'client'; readonly error: string; readonly status?: number };
  /** A 101 handed the stream to another protocol (RFC 9110 §7.8), e.g. websocket. */
  'http.upgrade': { readonly connection: string; readonly protocol: string };
};

export type HttpNote = NotesOf<HttpNoteKinds>;
export const httpNote = noteMaker<HttpNoteKinds>();
export const HTTP_NOTE_KINDS = {
  'http.request': true,
  'http.response': true,
  'http.bad-message': true,
  'http.upgrade': true,
} as const satisfies KindSet<HttpNoteKinds>;
