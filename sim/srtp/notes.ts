import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** The notes of SRTP sessions (RFC 3711), written by whoever keys one (sim/peer, sim/sfu). */
export type SrtpNoteKinds = {
  /** Keys installed: the profile's name and which half of the RFC 5764 §4.2 key block this side sends with. */
  'srtp.keyed': { readonly profile: string; readonly role: 'client' | 'server' };
};

export type SrtpNote = NotesOf<SrtpNoteKinds>;
export const srtpNote = noteMaker<SrtpNoteKinds>();
export const SRTP_NOTE_KINDS = { 'srtp.keyed': true } as const satisfies KindSet<SrtpNoteKinds>;
