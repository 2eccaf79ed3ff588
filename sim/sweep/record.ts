import type { JsonValue, Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { applySet } from '../scenario/set.ts';
import { connections, mediaLoss, runOutcome, type RunOutcome } from './outcome.ts';
import type { SweepJob } from './plan.ts';

/** One line of a sweep's results (JSON lines): the job's inputs and what its run came to. */
export interface SweepRecord {
  readonly key: string;
  readonly index: number;
  readonly combo: number;
  readonly params: { readonly [path: string]: JsonValue };
  readonly seed: number;
  /** connected / failed / completed (sim/sweep/outcome.ts), or error when the scenario could not be built or run. */
  readonly outcome: RunOutcome | 'error';
  /** Each ICE agent's selected pair as "local/remote/transport" ("srflx/relay/udp") when it connected, else its state. */
  readonly pairs: readonly string[];
  readonly setup: {
    /** When the last ICE agent got its first valid pair (µs of virtual time), null when one never did. */
    readonly ice: number | null;
    /** When the last WebRTC peer was connected, DTLS done (µs), null when there is none or one never was. */
    readonly call: number | null;
  };
  /** Loss over every received media stream (0..1), null when no media was expected. */
  readonly mediaLoss: number | null;
  /** Datagrams dropped, every reason. */
  readonly drops: number;
  readonly diagnosis?: readonly string[];
  readonly error?: string;
}

/** Lines saying what went wrong in a run (the diagnosis, when one is installed by whoever runs the sweep). */
export type SweepDiagnoser = (trace: Trace, summary: { readonly [key: string]: JsonValue }) => readonly string[];

type Obj = { readonly [key: string]: JsonValue };

/** Runs one job of a sweep of `scenario` (its raw JSON form): the grid's values set, then the seed. Never throws. */
export function runSweepJob(scenario: unknown, job: SweepJob, diagnose?: SweepDiagnoser): SweepRecord {
  const base = { key: job.key, index: job.index, combo: job.combo, params: job.params, seed: job.seed };
  try {
    let raw = scenario;
    for (const [path, value] of Object.entries(job.params)) raw = applySet(raw, `${path}=${JSON.stringify(value)}`);
    const { trace, summary } = runScenario(parseScenario(raw), { seed: job.seed });
    const cs = connections(summary);
    const media = mediaLoss(summary);
    const peers = Object.values((summary.peer as Obj | undefined) ?? {}) as Obj[];
    const calls = peers.map((p) => (p.state === 'connected' && typeof p.connectedAt === 'number' ? p.connectedAt : null));
    const ice = cs.map((c) => (c.connected && c.connectedAt !== undefined ? c.connectedAt : null));
    const latest = (xs: (number | null)[]): number | null => (xs.length === 0 || xs.includes(null) ? null : Math.max(...(xs as number[])));
    const drops = Object.values(summary.drops as Obj).reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0);
    const record: SweepRecord = {
      ...base,
      outcome: runOutcome(summary),
      pairs: cs.map((c) => (c.connected && c.local ? `${c.local}/${c.remote ?? '?'}/${c.transport ?? '?'}` : c.state)),
      setup: { ice: latest(ice), call: latest(calls) },
      mediaLoss: media.received + media.lost === 0 ? null : media.rate,
      drops,
    };
    const d = diagnose?.(trace, summary) ?? [];
    return d.length > 0 ? { ...record, diagnosis: [...d] } : record;
  } catch (e) {
    return { ...base, outcome: 'error', pairs: [], setup: { ice: null, call: null }, mediaLoss: null, drops: 0, error: e instanceof Error ? e.message : String(e) };
  }
}
