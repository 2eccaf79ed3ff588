import { formatDuration } from '../../sim/core/time.ts';
import { join } from '../../sim/schema/check.ts';
import type { AgentSummary, PairOutcome, RunSummary } from './run-summary.ts';

/**
 * Comparing two runs: what changed in the scenario (a JSON diff whose paths are `rtclab run --set` paths) and what
 * changed in the outcome (two run summaries, row by row). Pure data; the compare view draws it.
 */

/** One changed leaf: `undefined` on a side means the field is absent there. */
export interface ScenarioChange {
  readonly path: string;
  readonly a: unknown;
  readonly b: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every leaf that differs, in document order (A's keys first, then keys only B has). */
export function diffJson(a: unknown, b: unknown, path = ''): ScenarioChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    return keys.flatMap((k) => diffJson(a[k], b[k], join(path, k)));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: ScenarioChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffJson(a[i], b[i], join(path, i)));
    return out;
  }
  return sameJson(a, b) ? [] : [{ path, a, b }];
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A scenario value as the diff shows it: JSON, or "—" when absent. */
export function showValue(v: unknown): string {
  return v === undefined ? '—' : JSON.stringify(v);
}

/**
 * The `--set path=value` assignments that turn `base` into `edited` (applySet in sim/scenario/set.ts reads them), or
 * undefined when that cannot be said with assignments (a top-level field removed). A removed field is written as
 * its parent object or array set whole, since an assignment cannot delete.
 */
export function assignmentsFor(base: unknown, edited: unknown): string[] | undefined {
  const out = new Map<string, unknown>();
  for (const c of diffJson(base, edited)) {
    let path = c.path;
    let value = c.b;
    if (value === undefined) {
      const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      if (cut <= 0) return undefined;
      path = path.slice(0, cut);
      value = at(edited, path);
      if (value === undefined) return undefined;
    }
    if (path === '') return undefined;
    // a parent already set whole covers its children
    if ([...out.keys()].some((p) => path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) continue;
    for (const p of [...out.keys()]) if (p.startsWith(`${path}.`) || p.startsWith(`${path}[`)) out.delete(p);
    out.set(path, value);
  }
  return [...out].map(([path, value]) => `${path}=${assignmentText(value)}`);
}

/** Plain text when applySet would read it back as the same string, else JSON. */
function assignmentText(v: unknown): string {
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
    } catch {
      return v;
    }
  }
  return JSON.stringify(v);
}

function at(root: unknown, path: string): unknown {
  let cur = root;
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = m[2] !== undefined ? (cur as unknown[])[Number(m[2])] : (cur as Record<string, unknown>)[m[1]!];
  }
  return cur;
}

/** One row of the outcome diff. */
export interface DiffRow {
  readonly section: 'Outcome' | 'Timing' | 'ICE pairs' | 'Packets' | 'Drops' | 'NAT mappings';
  readonly what: string;
  /** What the row is, as a term the page translates (with `subject`, the agent or NAT it is about); absent when `what` is data (a protocol, a drop reason). */
  readonly term?: CompareTerm;
  readonly subject?: string;
  readonly a: string;
  readonly b: string;
  readonly changed: boolean;
}

export type CompareTerm = 'run' | 'iceState' | 'selected' | 'selectedAt' | 'dtls' | 'iceConnected' | 'dtlsConnected' | 'succeeded' | 'failed' | 'firstMedia' | 'lastEvent' | 'datagrams' | 'hops' | 'natCreated' | 'natMappings';

const row = (section: DiffRow['section'], what: string, a: string, b: string, term?: CompareTerm, subject?: string): DiffRow => ({
  section,
  what,
  ...(term ? { term } : {}),
  ...(subject !== undefined ? { subject } : {}),
  a,
  b,
  changed: a !== b,
});

const time = (t: number | undefined): string => (t === undefined ? 'never' : formatDuration(t));

function timing(what: string, a: number | undefined, b: number | undefined, term: CompareTerm, subject?: string): DiffRow {
  const r = row('Timing', what, time(a), time(b), term, subject);
  if (a === undefined || b === undefined || a === b) return r;
  const d = b - a;
  return { ...r, b: `${time(b)} (${d > 0 ? '+' : '−'}${formatDuration(Math.abs(d))})` };
}

const pairTypes = (pairs: readonly PairOutcome[], state: string): string => {
  const counts = new Map<string, number>();
  for (const p of pairs) if (p.state === state) counts.set(p.types, (counts.get(p.types) ?? 0) + 1);
  return counts.size ? [...counts].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(', ') : 'none';
};

function agentRows(name: string, a: AgentSummary | undefined, b: AgentSummary | undefined): DiffRow[] {
  const sel = (x: AgentSummary | undefined): string => (x?.selected ? x.selected.types : 'none');
  const selAt = (x: AgentSummary | undefined): string => x?.selected?.label ?? 'none';
  return [
    row('Outcome', `${name} ICE state`, a?.state ?? '—', b?.state ?? '—', 'iceState', name),
    row('Outcome', `${name} selected pair`, sel(a), sel(b), 'selected', name),
    row('Outcome', `${name} selected pair addresses`, selAt(a), selAt(b), 'selectedAt', name),
    row('Outcome', `${name} DTLS`, a?.dtlsState ?? '—', b?.dtlsState ?? '—', 'dtls', name),
    timing(`${name} ICE connected`, a?.iceConnected, b?.iceConnected, 'iceConnected', name),
    timing(`${name} DTLS connected`, a?.dtlsConnected, b?.dtlsConnected, 'dtlsConnected', name),
    row('ICE pairs', `${name} succeeded`, pairTypes(a?.pairs ?? [], 'succeeded'), pairTypes(b?.pairs ?? [], 'succeeded'), 'succeeded', name),
    row('ICE pairs', `${name} failed`, pairTypes(a?.pairs ?? [], 'failed'), pairTypes(b?.pairs ?? [], 'failed'), 'failed', name),
  ];
}

const union = (a: readonly string[], b: readonly string[]): string[] => [...a, ...b.filter((x) => !a.includes(x))];

/** Outcome rows of A against B: changed rows are marked; unchanged ones are kept for context. */
export function compareRuns(a: RunSummary, b: RunSummary): DiffRow[] {
  const out: DiffRow[] = [];
  if (a.outcome !== undefined || b.outcome !== undefined) out.push(row('Outcome', 'run', a.outcome ?? '—', b.outcome ?? '—', 'run'));
  for (const name of union(a.agents.map((x) => x.agent), b.agents.map((x) => x.agent))) {
    out.push(...agentRows(name, a.agents.find((x) => x.agent === name), b.agents.find((x) => x.agent === name)));
  }
  out.push(timing('first media', a.firstMedia, b.firstMedia, 'firstMedia'));
  out.push(timing('last event', a.end, b.end, 'lastEvent'));
  out.push(row('Packets', 'datagrams', String(a.datagrams), String(b.datagrams), 'datagrams'));
  out.push(row('Packets', 'hops (datagrams × links crossed)', String(a.hops), String(b.hops), 'hops'));
  for (const k of union(Object.keys(a.protocols), Object.keys(b.protocols))) out.push(row('Packets', k, String(a.protocols[k] ?? 0), String(b.protocols[k] ?? 0)));
  for (const k of union(Object.keys(a.drops), Object.keys(b.drops))) out.push(row('Drops', k, String(a.drops[k] ?? 0), String(b.drops[k] ?? 0)));
  for (const k of union(Object.keys(a.nats), Object.keys(b.nats))) {
    const ma = a.nats[k] ?? [];
    const mb = b.nats[k] ?? [];
    out.push(row('NAT mappings', `${k} created`, String(ma.length), String(mb.length), 'natCreated', k));
    out.push(row('NAT mappings', `${k} mappings`, ma.join('; ') || 'none', mb.join('; ') || 'none', 'natMappings', k));
  }
  return out;
}
