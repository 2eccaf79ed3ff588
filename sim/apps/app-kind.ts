import type { Endpoint } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Check } from '../schema/check.ts';
import type { World } from './world.ts';

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

/** What a kind's parser may look at beyond its own object: the scenario's nodes, name → node kind. */
export interface ParseContext {
  readonly kinds: ReadonlyMap<string, string>;
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
  /** Validates one app object (its `kind` is this kind), reporting every wrong field through `c`. */
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
  /** The note kinds its endpoint emits (trace notes' `kind`); a trailing `*` stands for a family. */
  readonly notes: readonly string[];
}
