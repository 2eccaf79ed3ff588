import type { JsonValue } from '../../sim/core/trace.ts';
import { paramText, type Aggregate, type AggregateRow, type Interval } from '../../sim/sweep/aggregate.ts';

/**
 * What the page plots from a sweep's aggregate: one chosen grid parameter on the x axis, one measure on the y axis
 * with its 95% interval, and one series per combination of the other parameters. Pure, so it is tested without a
 * page; the view (views/sweep-view.ts) only draws it.
 */

export type SweepMeasure = 'success' | 'ice' | 'mediaLoss';

export const MEASURES: Readonly<Record<SweepMeasure, { readonly unit: '%' | 'ms'; readonly of: (r: AggregateRow) => Interval | undefined }>> = {
  // Wilson score interval over the runs that were not errors
  success: { unit: '%', of: (r) => (r.runs - r.errors > 0 ? r.success : undefined) },
  // mean time to the last agent's first valid pair, over the runs that connected
  ice: { unit: 'ms', of: (r) => r.ice },
  mediaLoss: { unit: '%', of: (r) => r.mediaLoss },
};

export interface SweepPoint {
  /** The x value as the grid gave it, and its key (JSON) and text. */
  readonly x: JsonValue;
  readonly xKey: string;
  /** In the measure's unit (% or ms). */
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly row: AggregateRow;
}

export interface SweepSeries {
  /** The other parameters' values, as "path=value, …" ("all runs" when x is the only parameter). */
  readonly label: string;
  readonly points: readonly SweepPoint[];
}

export interface SweepPlot {
  readonly x: string;
  readonly measure: SweepMeasure;
  readonly unit: '%' | 'ms';
  /** Every x value is a number: a linear axis; else the values in grid order on a categorical one. */
  readonly numeric: boolean;
  readonly xValues: readonly { readonly key: string; readonly value: JsonValue; readonly text: string }[];
  readonly series: readonly SweepSeries[];
  /** The largest interval end (the y axis reaches at least this). */
  readonly yMax: number;
  /** Rows with no value for the measure (no run connected, no media expected): not drawn. */
  readonly missing: number;
}

/** The grid's parameter paths, in grid order (the order of the first row's params). */
export function sweepPaths(a: Aggregate): string[] {
  return Object.keys(a.rows[0]?.params ?? {});
}

/** The parameter to put on x first: the one with the most distinct values, a numeric one on a tie, else the first. */
export function defaultX(a: Aggregate): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const p of sweepPaths(a)) {
    const values = new Set(a.rows.map((r) => JSON.stringify(r.params[p] ?? null)));
    const numeric = a.rows.every((r) => typeof r.params[p] === 'number');
    const score = values.size * 2 + (numeric ? 1 : 0);
    if (score > bestScore) [best, bestScore] = [p, score];
  }
  return best;
}

const scaleOf = (unit: '%' | 'ms'): number => (unit === '%' ? 100 : 1 / 1000);

export function sweepPlot(a: Aggregate, x: string, measure: SweepMeasure): SweepPlot {
  const m = MEASURES[measure];
  const k = scaleOf(m.unit);
  const others = sweepPaths(a).filter((p) => p !== x);
  const xValues: { key: string; value: JsonValue; text: string }[] = [];
  const seen = new Set<string>();
  const series = new Map<string, SweepPoint[]>();
  let yMax = 0;
  let missing = 0;
  for (const row of a.rows) {
    const value = row.params[x] ?? null;
    const xKey = JSON.stringify(value);
    if (!seen.has(xKey)) {
      seen.add(xKey);
      xValues.push({ key: xKey, value, text: paramText(value) });
    }
    const label = others.length === 0 ? 'all runs' : others.map((p) => `${p}=${paramText(row.params[p])}`).join(', ');
    if (!series.has(label)) series.set(label, []);
    const iv = m.of(row);
    if (!iv) {
      missing++;
      continue;
    }
    // a loss interval's normal approximation can reach below 0: clamp it as the table does
    const low = Math.max(0, iv.low * k);
    const high = iv.high * k;
    yMax = Math.max(yMax, high, iv.value * k);
    series.get(label)!.push({ x: value, xKey, value: iv.value * k, low, high, row });
  }
  const numeric = xValues.length > 0 && xValues.every((v) => typeof v.value === 'number');
  if (numeric) for (const pts of series.values()) pts.sort((p, q) => (p.x as number) - (q.x as number));
  if (numeric) xValues.sort((p, q) => (p.value as number) - (q.value as number));
  return {
    x,
    measure,
    unit: m.unit,
    numeric,
    xValues,
    series: [...series.entries()].map(([label, points]) => ({ label, points })),
    yMax: m.unit === '%' && measure === 'success' ? 100 : yMax,
    missing,
  };
}

/** The command that replays one run of a row: its grid values as --set, and a seed (the first failed one, if any). */
export function replayCommand(row: AggregateRow, seed: number, scenario = 'SCENARIO'): string {
  const q = (s: string): string => (/^[\w.,:/=[\]@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  // --set reads a value as JSON when it parses, else as text (sim/scenario/set.ts): text that would parse is quoted
  const text = (v: JsonValue): string => (typeof v === 'string' && !parses(v) ? v : JSON.stringify(v));
  const sets = Object.entries(row.params).map(([p, v]) => `--set ${q(`${p}=${text(v)}`)}`);
  return ['rtclab run', q(scenario), ...sets, `--seed ${seed}`].join(' ');
}

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
