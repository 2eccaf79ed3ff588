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
}

export interface RunResult {
  readonly trace: Trace;
  readonly summary: { [key: string]: JsonValue };
}

/** Builds and runs a scenario to its end in virtual time; the trace and a machine-readable summary come back. */
export function runScenario(s: Scenario, opts: RunOptions = {}): RunResult {
  const seed = opts.seed ?? s.seed;
  const until = opts.until ?? s.duration;
  const { net, apps } = buildScenario(s, seed);
  net.run(until, opts.maxEvents ?? 50_000_000);

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
