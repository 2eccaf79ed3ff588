import type { JsonValue } from './trace.ts';

/**
 * Typed notes. A note is `{ kind, text, data }`: the dotted kind the panels key on, one sentence for the learner and
 * the facts behind it. Each protocol folder declares its kinds in its own `notes.ts` as a map from kind to data type
 * (`NoteKinds`), gets its union with `NotesOf` and its emit helper with `noteMaker`, so that a kind can only carry
 * its own facts. sim/notes/index.ts joins every folder's union into `AnyNote`, which readers narrow on `kind`.
 * Core knows no kind: it only carries `NoteBody`, whatever folder made it.
 */

/** The facts of a note. */
export type NoteData = { readonly [key: string]: JsonValue };

/** What every note is, whatever its kind: what an endpoint's `poll` yields and `Network.note` records. */
export interface NoteBody {
  readonly kind: string;
  readonly text: string;
  readonly data?: NoteData;
}

/** Data of a kind that always carries an empty object (`data: {}`). */
export type NoData = { readonly [key: string]: never };

/** A folder's declaration: each kind and its data type (`undefined`: the note carries no data at all). */
export type NoteKinds = { readonly [kind: string]: NoteData | undefined };

/** One kind's note body. */
export type NoteOfKind<K extends string, D> = [D] extends [undefined] ? { readonly kind: K; readonly text: string; readonly data?: undefined } : { readonly kind: K; readonly text: string; readonly data: D };

/** The discriminated union (on `kind`) of a folder's notes. */
export type NotesOf<M> = { [K in keyof M & string]: NoteOfKind<K, M[K]> }[keyof M & string];

/** The data argument of an emit helper: required when the kind carries data, absent when it carries none. */
export type DataArgument<D> = [D] extends [undefined] ? [] : [data: D];

/**
 * The emit helper of a folder: `stunNote('stun.binding.sent', text, { to })` builds the note body, its data checked
 * against the kind. A kind without data builds `{ kind, text }` (no data key), as the JSON trace has always shown it.
 */
export function noteMaker<M>(): <K extends keyof M & string>(kind: K, text: string, ...data: DataArgument<M[K]>) => NoteOfKind<K, M[K]> {
  // one cast: TypeScript cannot relate the generic K to the mapped type it picks (the parameter list guarantees it)
  return (kind, text, ...data) => (data.length > 0 && data[0] !== undefined ? { kind, text, data: data[0] } : { kind, text }) as never;
}

/**
 * A folder's kinds at run time, to tell its notes from others' (`isNoteOf`); `satisfies Record<keyof M, true>` at
 * the declaration makes the compiler reject a kind missing from the list or one the map does not declare.
 */
export type KindSet<M> = Readonly<Record<keyof M & string, true>>;

/** Whether a note is one of a folder's kinds (its type narrows to that folder's union). */
export function isNoteOf<M, N extends { readonly kind: string }>(kinds: KindSet<M>, n: N): n is Extract<N, { readonly kind: keyof M & string }> {
  return Object.prototype.hasOwnProperty.call(kinds, n.kind);
}
