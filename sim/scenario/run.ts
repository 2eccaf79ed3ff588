import { appsSummary } from '../apps/summary.ts';
import type { JsonValue, Trace } from '../core/trace.ts';
import { Host } from '../net/host.ts';
import { NatBox } from '../net/nat-box.ts';
import { buildScenario } from './build.ts';
import type { Scenario } from './types.ts';

export interface RunOptions {
  readonly seed?: number;
  /** Virtual time to stop at (µs); the scenario's duration by default. */
  readonly until?: number;
  /** Guard against runaway components. */
  readonly maxEvents?: number;
  /**
   * Hears how far the run is in virtual time (µs, of `until`), about a hundred times along it. The run then goes in
   * slices, each to the next boundary; events and their order are the same as in one go.
   */
  readonly onProgress?: (now: number, until: number) => void;
}

/** Slices of a run that reports its progress. */
const PROGRESS_STEPS = 100;

export interface RunResult {
  readonly trace: Trace;
  readonly summary: { [key: string]: JsonValue };
}

/** Builds and runs a scenario to its end in virtual time; the trace and a machine-readable summary come back. */
export function runScenario(s: Scenario, opts: RunOptions = {}): RunResult {
  const seed = opts.seed ?? s.seed;
  const until = opts.until ?? s.duration;
  const { net, apps } = buildScenario(s, seed);
  const maxEvents = opts.maxEvents ?? 50_000_000;
  if (opts.onProgress) {
    let ran = 0;
    for (let i = 1; i <= PROGRESS_STEPS; i++) {
      const to = i === PROGRESS_STEPS ? until : Math.floor((until * i) / PROGRESS_STEPS);
      ran += net.scheduler.runUntil(to, maxEvents - ran);
      opts.onProgress(to, until);
    }
  } else net.run(until, maxEvents);

  const hosts: { [key: string]: JsonValue } = {};
  const nats: { [key: string]: JsonValue } = {};
  for (const n of net.nodes.values()) {
    if (n instanceof Host) hosts[n.name] = { ...n.counters };
    if (n instanceof NatBox) nats[n.name] = n.summary();
  }
  const links: { [key: string]: JsonValue } = {};
  for (const l of net.links) {
    const c = l.counters();
    links[l.name] = {
      [`${l.a.node.name}→${l.b.node.name}`]: c.ab,
      [`${l.b.node.name}→${l.a.node.name}`]: c.ba,
    };
  }
  const drops: { [key: string]: JsonValue } = {};
  for (const [reason, n] of [...net.dropsByReason.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) drops[reason] = n;
  const fromApps = appsSummary(apps);
  const summary: { [key: string]: JsonValue } = {
    scenario: s.name,
    seed,
    duration: until,
    outcome: 'completed',
    events: net.scheduler.eventsRun,
    hops: net.trace.hops.length,
    hosts,
    links,
    drops,
    nats,
    apps: fromApps.apps,
    ...fromApps.sections,
  };
  return { trace: net.finish(summary), summary };
}
