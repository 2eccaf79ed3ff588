import type { Note } from '../core/trace.ts';
import type { AppNote } from '../apps/notes.ts';
import type { DtlsNote } from '../dtls/notes.ts';
import type { IceNote } from '../ice/notes.ts';
import type { InferNote } from '../infer/notes.ts';
import type { MediaNote } from '../media/notes.ts';
import type { NatNote } from '../net/nat/notes.ts';
import type { NetNote } from '../net/notes.ts';
import type { PeerNote } from '../peer/notes.ts';
import type { SfuNote } from '../sfu/notes.ts';
import type { SignalingNote } from '../signaling/notes.ts';
import type { SrtpNote } from '../srtp/notes.ts';
import type { StunNote } from '../stun/notes.ts';
import type { TurnNote } from '../turn/notes.ts';
import type { CaptureNote } from '../wire/pcap/notes.ts';

/**
 * The registry of note kinds: every folder's union, joined. It sits above the protocol folders (sim/core knows no
 * kind). A new folder with notes adds its `notes.ts` (a `…NoteKinds` map, `NotesOf`, `noteMaker`, a kind set) and
 * one line here; readers then see its kinds in `AnyNote` and an exhaustive switch tells them what they miss.
 */
export type AnyNoteBody =
  | NetNote
  | NatNote
  | StunNote
  | TurnNote
  | IceNote
  | DtlsNote
  | SrtpNote
  | MediaNote
  | PeerNote
  | SfuNote
  | SignalingNote
  | AppNote
  | CaptureNote
  | InferNote;

/** A trace note of a declared kind: narrow it with `switch (n.kind)` and its data has that kind's type. */
export type AnyNote = Note<AnyNoteBody>;

export type AnyNoteKind = AnyNoteBody['kind'];

/** The note of one kind. */
export type NoteOf<K extends AnyNoteKind> = Extract<AnyNote, { readonly kind: K }>;

/**
 * A trace's notes as the union. Every note the simulator or the capture inference writes is built by a folder's
 * emit helper, so it is one of these; a trace read from a JSON file may hold kinds this version does not know, which
 * a reader's switch passes over (its `default` sees them at run time, never at compile time).
 */
export function typedNotes(notes: readonly Note[]): readonly AnyNote[] {
  return notes as readonly AnyNote[];
}

/** One note as the union (see `typedNotes`). */
export function typedNote(n: Note): AnyNote {
  return n as AnyNote;
}

/**
 * The `default` of an exhaustive switch over note kinds: the compiler rejects the switch if a kind is missing
 * (`n` would not be `never`). At run time a kind this version does not declare (a JSON trace from another one)
 * lands here and is passed over.
 */
export function unreachable(n: never): void {
  void n;
}
