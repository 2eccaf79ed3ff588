import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** How an address tie was seen (analyzer.ts `TieEvidence`). */
type Evidence = 'rewritten' | 'reflexive' | 'relayed';

/**
 * Notes only a capture gives (source `capture/nat`): one address seen as another. Inferred notes of the kinds
 * components also write (ice.*, dtls.*, turn.*, signaling.*) are declared, with the same data, by those folders.
 */
export type InferNoteKinds = {
  /** A NAT rewrote `inside` to `outside` (the same datagram seen on both sides). */
  'nat.mapping.inferred': { readonly inside: string; readonly outside: string; readonly evidence: Evidence };
  /** A STUN server reported `outside` as the reflexive address of `inside`. */
  'address.reflexive.inferred': { readonly inside: string; readonly outside: string; readonly evidence: Evidence };
  /** A TURN server relays for `inside` at `outside`. */
  'address.relayed.inferred': { readonly inside: string; readonly outside: string; readonly evidence: Evidence };
};

export type InferNote = NotesOf<InferNoteKinds>;
export const inferNote = noteMaker<InferNoteKinds>();
export const INFER_NOTE_KINDS = { 'nat.mapping.inferred': true, 'address.reflexive.inferred': true, 'address.relayed.inferred': true } as const satisfies KindSet<InferNoteKinds>;
