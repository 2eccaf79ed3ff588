import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** The notes about media streams (RTP, RFC 3550). */
export type MediaNoteKinds = {
  /** A capture showed a new stream (sim/infer): its SSRC as 0x-hex, and whether it is SRTP. */
  'rtp.stream.started': { readonly ssrc: string; readonly srtp: boolean };
  /** A plain RTP sender (plain-sender.ts) starts: where to, and its streams as "audio 0x1234abcd". */
  'rtp-sender.started': { readonly to: string; readonly ssrcs: string[] };
};

export type MediaNote = NotesOf<MediaNoteKinds>;
export const mediaNote = noteMaker<MediaNoteKinds>();
export const MEDIA_NOTE_KINDS = { 'rtp.stream.started': true, 'rtp-sender.started': true } as const satisfies KindSet<MediaNoteKinds>;
