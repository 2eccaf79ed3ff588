import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../sim/core/encoding.ts';
import type { Micros } from '../sim/core/time.ts';
import type { Hop, JsonValue, Note, Trace } from '../sim/core/trace.ts';
import { traceToJson } from '../sim/core/trace-json.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import type { Scenario } from '../sim/scenario/types.ts';
import { connections, mediaLoss, runOutcome, secureTransports, type Connection, type MediaLoss, type RunOutcome, type SecureTransport } from '../sim/sweep/outcome.ts';
import { traceKeyLog, writePcapng } from '../sim/wire/pcap/pcapng-writer.ts';
import { diagnose } from './diagnosis.ts';

type Obj = { [key: string]: JsonValue };

/** A scenario as written (the JSON form of README.md's "Scenario format"): checked by `validate`, run by `run`. */
export interface ScenarioInput {
  readonly $schema?: string;
  readonly name?: string;
  readonly title?: string;
  readonly description?: string;
  readonly seed?: number;
  /** Microseconds, or a duration such as "30s", "500ms". */
  readonly duration?: number | string;
  readonly nodes: { readonly [name: string]: { readonly kind: 'host' | 'router' | 'switch' | 'nat' | 'firewall'; readonly [field: string]: unknown } };
  readonly apps?: readonly { readonly kind: string; readonly host: string; readonly [field: string]: unknown }[];
  readonly events?: readonly { readonly [field: string]: unknown }[];
}

/** Returns the scenario unchanged: it is there so an editor checks a scenario written in TypeScript as it is typed. */
export function defineScenario<const S extends ScenarioInput>(s: S): S {
  return s;
}

/**
 * Validates a scenario (a `ScenarioInput`, parsed JSON, or a preset's name) and returns it typed; throws a
 * `ScenarioError` whose `issues` name every wrong field by its path.
 */
export function validate(scenario: ScenarioInput | Scenario | string | unknown): Scenario {
  if (typeof scenario === 'string') {
    const p = findPreset(scenario);
    if (!p) throw new Error(`no preset named ${JSON.stringify(scenario)} (presets() lists them)`);
    return remember(parseScenario(p.build()));
  }
  if (isValidated(scenario)) return scenario;
  return remember(parseScenario(scenario));
}

function remember(s: Scenario): Scenario {
  VALIDATED.add(s);
  return s;
}

const VALIDATED = new WeakSet<object>();

function isValidated(s: unknown): s is Scenario {
  return typeof s === 'object' && s !== null && VALIDATED.has(s);
}

export interface RunOptions {
  /** The random seed (default: the scenario's). */
  readonly seed?: number;
  /** Virtual time to stop at, µs (default: the scenario's duration). */
  readonly until?: Micros;
  /** Guard against a runaway component (default 50 000 000 events). */
  readonly maxEvents?: number;
}

/** Everything one run gives: its trace, summary and what they mean, and its exports. */
export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly seed: number;
  /** connected (every ICE agent connected), failed (one did not), completed (the scenario has no ICE agent). */
  readonly outcome: RunOutcome;
  readonly trace: Trace;
  /** Every hop: each time a datagram crossed a link, with `drop` set when it did not arrive. */
  readonly hops: readonly Hop[];
  /** Every state change the components reported, in time order. */
  readonly notes: readonly Note[];
  /** The machine-readable summary (`rtclab run --json`): hosts, links, drops, NATs, apps and the apps' sections. */
  readonly summary: { readonly [key: string]: JsonValue };
  /** One entry per app, in scenario order: its kind, host and what its kind reports (`summary.apps`). */
  readonly apps: readonly { readonly kind: string; readonly host: string; readonly [field: string]: JsonValue }[];
  /** The ICE connections, one per agent, with the selected pair's candidate types and transport. */
  readonly connections: readonly Connection[];
  /** DTLS and SRTP per app. */
  readonly secure: readonly SecureTransport[];
  /** Received media over every stream. */
  readonly mediaLoss: MediaLoss;
  /** Dropped datagrams by reason ("loss", "NAT filtering", …). */
  readonly drops: { readonly [reason: string]: number };
  /** The trace as a pcapng file (one interface per link, the key log in a Decryption Secrets Block). */
  pcapng(): Uint8Array;
  /** The NSS key log: Wireshark decrypts the pcapng's DTLS/TLS with it. */
  keylog(): string;
  /** The trace in the visualizer's JSON format. */
  traceJson(): string;
  /** SHA-256 (hex) of the pcapng export and of the trace JSON: equal for equal runs, in every runtime. */
  digest(): { readonly pcapng: string; readonly trace: string };
  /** What went wrong, in words, when a diagnosis is available (see `setDiagnoser`). */
  diagnosis(): string[];
}

/** Runs a scenario (validated or not, or a preset's name) to its end in virtual time. Deterministic: same input, same bytes. */
export function run(scenario: ScenarioInput | Scenario | string | unknown, opts: RunOptions = {}): ScenarioRun {
  const s = validate(scenario);
  const { trace, summary } = runScenario(s, opts);
  let pcap: Uint8Array | undefined;
  let json: string | undefined;
  const pcapng = (): Uint8Array => (pcap ??= writePcapng(trace));
  const traceJson = (): string => (json ??= traceToJson(trace));
  const result: ScenarioRun = {
    scenario: s,
    seed: summary.seed as number,
    outcome: runOutcome(summary),
    trace,
    hops: trace.hops,
    notes: trace.notes,
    summary,
    apps: (summary.apps as Obj[]).map((a) => a as ScenarioRun['apps'][number]),
    connections: connections(summary),
    secure: secureTransports(summary),
    mediaLoss: mediaLoss(summary),
    drops: summary.drops as { [reason: string]: number },
    pcapng,
    keylog: () => traceKeyLog(trace),
    traceJson,
    digest: () => ({ pcapng: toHex(sha256(pcapng())), trace: toHex(sha256(new TextEncoder().encode(traceJson()))) }),
    diagnosis: () => diagnose(trace, summary),
  };
  return result;
}
