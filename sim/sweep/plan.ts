import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8Encode } from '../core/encoding.ts';
import type { JsonValue } from '../core/trace.ts';

/**
 * A sweep's plan: every combination of the grid's values × every seed, in one stable order (the grid's parameters
 * in the order given, the last varying fastest, then the seeds), each job keyed by a hash of what determines its
 * result, so a rerun, a resumed run or a retried job is recognised and never counted twice.
 */

/** One parameter of the grid: a scenario path (as `--set` takes it) and the values it takes. */
export interface GridAxis {
  readonly path: string;
  readonly values: readonly JsonValue[];
}

export interface SweepJob {
  /** Its place in the plan (combination-major, seed-minor). */
  readonly index: number;
  /** Which combination of the grid (0-based, in plan order). */
  readonly combo: number;
  readonly params: { readonly [path: string]: JsonValue };
  readonly seed: number;
  /** Hash of (scenario, params, seed, rtclab version): a result's identity. */
  readonly key: string;
}

export class SweepPlanError extends Error {}

/** Seeds from "1..1000", "7", "1,2,10..20" (inclusive ranges). */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new SweepPlanError(`--seeds: cannot read ${JSON.stringify(part)}; expected e.g. 1..1000 or 1,5,9..12`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a) throw new SweepPlanError(`--seeds: ${JSON.stringify(part.trim())} is not an increasing range of integers`);
    if (b - a > 10_000_000) throw new SweepPlanError(`--seeds: ${JSON.stringify(part.trim())} is more than ten million seeds`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  if (new Set(out).size !== out.length) throw new SweepPlanError('--seeds: a seed is listed twice');
  return out;
}

/**
 * One `--grid` argument: `path=[v1,v2,…]` (JSON values; bare words are text: `[symmetric,full-cone]`), or
 * `path=a..b` of integers, or `path=lo..hi/step` for evenly spaced numbers (`loss=0..0.1/0.02`).
 */
export function parseGridAxis(text: string): GridAxis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new SweepPlanError(`--grid expects path=[values], e.g. nodes.natA.preset=[symmetric,full-cone]; got ${JSON.stringify(text)}`);
  const path = text.slice(0, eq).trim();
  const v = text.slice(eq + 1).trim();
  const range = /^(-?[\d.]+)\.\.(-?[\d.]+)(?:\/([\d.]+))?$/.exec(v);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    const step = range[3] === undefined ? 1 : Number(range[3]);
    if (![lo, hi, step].every(Number.isFinite) || step <= 0 || hi < lo) throw new SweepPlanError(`--grid ${path}: ${JSON.stringify(v)} is not an increasing range with a positive step`);
    const n = Math.floor((hi - lo) / step + 1e-9);
    // each value from the index, not by adding steps, so 0.1 steps do not drift (0.30000000000000004)
    const values = Array.from({ length: n + 1 }, (_, i) => Number((lo + i * step).toPrecision(12)));
    return { path, values };
  }
  if (!v.startsWith('[') || !v.endsWith(']')) throw new SweepPlanError(`--grid ${path}: expected [v1,v2,…] or lo..hi[/step], got ${JSON.stringify(v)}`);
  let values: JsonValue[];
  try {
    values = JSON.parse(v) as JsonValue[];
  } catch {
    values = v.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
      try {
        return JSON.parse(s) as JsonValue;
      } catch {
        return s;
      }
    });
  }
  if (!Array.isArray(values) || values.length === 0) throw new SweepPlanError(`--grid ${path}: no values`);
  return { path, values };
}

/** JSON with object keys sorted: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function hashText(text: string): string {
  return toHex(sha256(utf8Encode(text)));
}

/** Every job of the sweep of `scenario` (its raw JSON form) over `grid` × `seeds`, for rtclab `version`. */
export function planSweep(scenario: unknown, grid: readonly GridAxis[], seeds: readonly number[], version: string): SweepJob[] {
  const paths = grid.map((a) => a.path);
  if (new Set(paths).size !== paths.length) throw new SweepPlanError('--grid: a path is given twice');
  const scenarioHash = hashText(canonicalJson(scenario));
  const combos: { [path: string]: JsonValue }[] = [{}];
  for (const axis of grid) {
    const next: { [path: string]: JsonValue }[] = [];
    for (const c of combos) for (const v of axis.values) next.push({ ...c, [axis.path]: v });
    combos.splice(0, combos.length, ...next);
  }
  const jobs: SweepJob[] = [];
  combos.forEach((params, combo) => {
    for (const seed of seeds) {
      const key = hashText(canonicalJson({ scenario: scenarioHash, params, seed, version })).slice(0, 32);
      jobs.push({ index: jobs.length, combo, params, seed, key });
    }
  });
  return jobs;
}

/** The jobs of shard `i` of `n` (0-based): every n-th job from the i-th, so shards are balanced across the grid. */
export function shardOf(jobs: readonly SweepJob[], i: number, n: number): SweepJob[] {
  return jobs.filter((j) => j.index % n === i);
}
