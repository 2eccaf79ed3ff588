import type { Endpoint } from '../core/endpoint.ts';
import type { KindSet } from '../core/note.ts';
import type { JsonValue } from '../core/trace.ts';
import type { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Check } from '../schema/check.ts';
import { hostName, parseFieldsPartial, required, type Field, type FieldType, type ParseContext, type Values } from '../schema/fields.ts';
import type { World } from './world.ts';

export type { ParseContext };

/**
 * The contract of one scenario app kind. Every kind is one module under sim/apps exporting one `AppKind`, and
 * sim/apps/registry.ts lists them: the scenario parser, builder, run summary, printed summary, `rtclab apps` and
 * docs/scenario-apps.md all read the registry, so adding a kind is one module plus one registry line
 * (docs/adding-an-app-kind.md walks through it).
 */

export type Obj = { [key: string]: JsonValue };

/** What every validated app has; each kind adds its own fields. */
export interface AppSpecBase {
  readonly kind: string;
  /** The host it runs on. */
  readonly host: string;
}

export interface BuildContext {
  /** The app's name in notes, RNG forks and the summary: "<host>/<kind>", then "<host>/<kind>1", … */
  readonly source: string;
  /** Its place in the scenario ("apps[2]"), for errors. */
  readonly path: string;
  /** Fails the build (naming `field`) when `addr` is not an address of the app's host. */
  own(addr: { readonly ip: string }, field: string): void;
}

export interface Built<E extends Endpoint = Endpoint> {
  readonly endpoint: E;
  readonly driver: EndpointDriver;
}

export interface BuiltApp<S extends AppSpecBase = AppSpecBase, E extends Endpoint = Endpoint> extends Built<E> {
  readonly spec: S;
  /** Its place in the scenario ("apps[2]"), for errors found when apps are connected; set by the builder. */
  readonly path?: string;
}

/**
 * A part of the run summary (`summary.<name>`) that apps add entries to: a list (`summary.stun`, each entry with
 * its `kind`) or an object keyed by host or app source (`summary.dtls["alice/dtls-peer"]`). Several kinds may
 * share a section when their entries have one shape (DTLS state from a dtls-peer and from a webrtc-peer).
 */
export interface SummarySection {
  readonly name: string;
  readonly keyed: boolean;
  /** Lines of `rtclab run`'s printed summary for one entry of a keyed section. */
  lines?(key: string, entry: Obj): string[];
}

/** One entry an app adds to a section. */
export interface SummaryPart {
  readonly section: SummarySection;
  /** The entry's key in a keyed section. */
  readonly key?: string;
  readonly value: JsonValue;
}

/**
 * An app kind. `S` is its validated spec, `E` the endpoint it builds. Methods (not function properties) so that
 * a registry of different kinds is one array of `AppKind`.
 */
export interface AppKind<S extends AppSpecBase = AppSpecBase, E extends Endpoint = Endpoint> {
  readonly kind: S['kind'];
  /** One line: what it is (the table in docs/scenario-apps.md, `rtclab apps`). */
  readonly about: string;
  /** Every field of its JSON form, `kind` and `host` first: the parser, the docs and `rtclab apps` read these. */
  readonly fields: readonly Field[];
  /** Validates one app object (its `kind` is this kind) from `fields`, reporting every wrong field through `c`. */
  parse(c: Check, path: string, o: Record<string, unknown>, ctx: ParseContext): S | undefined;
  /** Builds its endpoint on `host` and binds the addresses it serves. */
  build(world: World, host: Host, spec: S, ctx: BuildContext): Built<E>;
  /** After every app of the scenario is built: wires apps of this kind to each other (signaling). */
  connect?(world: World, apps: readonly BuiltApp<S, E>[]): void;
  /** The summary sections this kind adds to, in the order it adds them (see sim/apps/summary.ts). */
  readonly sections: readonly SummarySection[];
  /** Its entries in those sections after the run. */
  summary?(app: BuiltApp<S, E>): readonly SummaryPart[];
  /** Fields added to its entry in `summary.apps` (after `kind` and `host`). */
  appEntry?(app: BuiltApp<S, E>): Obj;
  /** Printed-summary lines for its `summary.apps` entry. */
  appLines?(entry: Obj): string[];
  /** Printed-summary lines for its entry in a list section (`summary.stun`). */
  entryLines?(section: string, entry: Obj): string[];
  /**
   * The note kinds it emits, under its source (its endpoint's notes) and under "<host>/signaling" (the signaling
   * hub's, for kinds on it): the kind sets the folders declare with their typed unions (`ICE_NOTE_KINDS` beside
   * `IceNote`), whole or a few kinds picked with `someKinds`, never a kind spelt here, so the compiler rejects one
   * that no folder declares. sim/apps/registry.test.ts checks the notes of a run of every kind against these.
   */
  readonly notes: EmittedNotes;
}

/** A folder's kind set (`KindSet<…NoteKinds>`), or part of one. */
export type EmittedNotes = readonly KindSet<Readonly<Record<string, unknown>>>[];

/** Some kinds of a folder's kind set (an app that emits only those): each one checked against the set's type. */
export function someKinds<S extends KindSet<Readonly<Record<string, unknown>>>, K extends keyof S & string>(set: S, ...kinds: readonly K[]): KindSet<Record<K, unknown>> {
  const out: Record<string, true> = {};
  for (const k of kinds) if (set[k]) out[k] = true;
  return out as KindSet<Record<K, unknown>>; // the keys are exactly `kinds`, each in `set`
}

/** Whether `kind` is among the kinds an app emits. */
export function emitsKind(notes: EmittedNotes, kind: string): boolean {
  return notes.some((set) => Object.prototype.hasOwnProperty.call(set, kind));
}

/** The `kind` field of kind `kind` (already checked against the registry when a kind parses). */
export function kindField<const K extends string>(kind: K): Field<'kind', K, 'required'> {
  const type: FieldType<K> = { text: `\`"${kind}"\``, parse: () => kind };
  return required('kind', type, '', kind);
}

/** The `host` field every app has. */
export const HOST_FIELD = required('host', hostName, 'The host it runs on.', 'alice');

/** What a kind module writes: its fields, cross-field rules and the spec made from valid values; `parse` follows. */
export type AppKindDefinition<F extends readonly Field[], S extends AppSpecBase, E extends Endpoint> = Omit<AppKind<S, E>, 'parse' | 'fields'> & {
  readonly fields: F;
  /** Rules across fields (run even when another field is wrong, on what did validate). */
  check?(c: Check, path: string, v: Partial<Values<F>>, o: Record<string, unknown>): void;
  /** The validated spec from the values of valid fields. */
  spec(v: Values<F>): S;
};

/** An app kind from its definition: `parse` validates from the field schema, then `check`, then `spec`. */
export function defineApp<const F extends readonly Field[], S extends AppSpecBase, E extends Endpoint>(def: AppKindDefinition<F, S, E>): AppKind<S, E> {
  const { check, spec, ...rest } = def;
  return {
    ...rest,
    parse(c, path, o, ctx) {
      const before = c.issues.length;
      const v = parseFieldsPartial(c, path, o, def.fields, ctx);
      check?.(c, path, v, o);
      return c.issues.length > before ? undefined : spec(v as Values<F>);
    },
  };
}
