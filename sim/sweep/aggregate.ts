import type { JsonValue } from '../core/trace.ts';
import type { SweepRecord } from './record.ts';

/**
 * A sweep's aggregate, one row per combination of the grid: success rate with its Wilson score interval, setup
 * times and media loss with normal-approximation intervals. Records are deduplicated by key and sorted by
 * (combination, seed) before anything is summed, so the aggregate is byte-identical whatever the number of workers,
 * the order they finished in, or how many shards and resumptions the results came from.
 */

/** z for a two-sided 95% interval. */
const Z = 1.959963984540054;

export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** Wilson score interval for k successes in n trials (Wilson 1927; better than the normal one near 0 and 1). */
export function wilson(k: number, n: number, z = Z): Interval {
  if (n === 0) return { value: 0, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { value: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/** Mean with a normal-approximation 95% interval (sample standard deviation); undefined for no values. */
export function meanInterval(xs: readonly number[]): Interval | undefined {
  if (xs.length === 0) return undefined;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  if (xs.length === 1) return { value: mean, low: mean, high: mean };
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  const half = (Z * Math.sqrt(ss / (xs.length - 1))) / Math.sqrt(xs.length);
  return { value: mean, low: mean - half, high: mean + half };
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface AggregateRow {
  readonly combo: number;
  readonly params: { readonly [path: string]: JsonValue };
  readonly runs: number;
  readonly connected: number;
  readonly failed: number;
  readonly errors: number;
  /** connected / (runs − errors); for scenarios without ICE (outcome "completed"), completed runs count. */
  readonly success: Interval;
  /** ICE setup (µs of virtual time) over the runs that connected. */
  readonly iceMedian?: number;
  readonly ice?: Interval;
  /** Call setup, DTLS done (µs), over the runs whose peers connected. */
  readonly callMedian?: number;
  /** Media loss over the runs that expected media. */
  readonly mediaLoss?: Interval;
  /** Selected pairs and how many runs had each, most frequent first. */
  readonly pairs: readonly { readonly pair: string; readonly runs: number }[];
}

export interface Aggregate {
  readonly runs: number;
  readonly duplicates: number;
  readonly rows: readonly AggregateRow[];
}

/** Deduplicates (by key), orders and aggregates records. */
export function aggregate(records: Iterable<SweepRecord>): Aggregate {
  const byKey = new Map<string, SweepRecord>();
  let duplicates = 0;
  for (const r of records) {
    if (byKey.has(r.key)) duplicates++;
    else byKey.set(r.key, r);
  }
  const sorted = [...byKey.values()].sort((a, b) => a.combo - b.combo || a.seed - b.seed || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows: AggregateRow[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.combo === sorted[i]!.combo) j++;
    rows.push(row(sorted.slice(i, j)));
    i = j;
  }
  return { runs: sorted.length, duplicates, rows };
}

function row(rs: readonly SweepRecord[]): AggregateRow {
  const first = rs[0]!;
  const errors = rs.filter((r) => r.outcome === 'error').length;
  const ok = rs.filter((r) => r.outcome === 'connected' || r.outcome === 'completed').length;
  const failed = rs.filter((r) => r.outcome === 'failed').length;
  const ice = rs.flatMap((r) => (r.setup.ice === null ? [] : [r.setup.ice]));
  const calls = rs.flatMap((r) => (r.setup.call === null ? [] : [r.setup.call]));
  const loss = rs.flatMap((r) => (r.mediaLoss === null ? [] : [r.mediaLoss]));
  const pairCounts = new Map<string, number>();
  for (const r of rs) {
    const p = r.pairs.length === 0 ? r.outcome : r.pairs.join(' ');
    pairCounts.set(p, (pairCounts.get(p) ?? 0) + 1);
  }
  const out: { -readonly [K in keyof AggregateRow]: AggregateRow[K] } = {
    combo: first.combo,
    params: first.params,
    runs: rs.length,
    connected: ok,
    failed,
    errors,
    success: wilson(ok, rs.length - errors),
    pairs: [...pairCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([pair, runs]) => ({ pair, runs })),
  };
  const iceMedian = median(ice);
  if (iceMedian !== undefined) out.iceMedian = iceMedian;
  const iceMean = meanInterval(ice);
  if (iceMean) out.ice = iceMean;
  const callMedian = median(calls);
  if (callMedian !== undefined) out.callMedian = callMedian;
  const lossMean = meanInterval(loss);
  if (lossMean) out.mediaLoss = lossMean;
  return out;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ms = (us: number): string => `${(us / 1000).toFixed(1)}`;

/** The columns of the aggregate for people, after the grid's paths (the CLI's table and the page's). */
export const AGGREGATE_COLUMNS = ['runs', 'success [95% CI]', 'ICE ms median', 'ICE ms mean [95% CI]', 'call ms median', 'media loss [95% CI]', 'most frequent pair'] as const;

/** A grid value as a cell: text as it is, anything else as JSON. */
export function paramText(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : JSON.stringify(v ?? null);
}

/** One row's cells: the grid's values, then AGGREGATE_COLUMNS. */
export function aggregateCells(r: AggregateRow, paths: readonly string[]): string[] {
  return [
    ...paths.map((p) => paramText(r.params[p])),
    `${r.runs}${r.errors ? ` (${r.errors} errors)` : ''}`,
    `${pct(r.success.value)} [${pct(r.success.low)}, ${pct(r.success.high)}]`,
    r.iceMedian === undefined ? '-' : ms(r.iceMedian),
    r.ice ? `${ms(r.ice.value)} [${ms(r.ice.low)}, ${ms(r.ice.high)}]` : '-',
    r.callMedian === undefined ? '-' : ms(r.callMedian),
    r.mediaLoss ? `${pct(r.mediaLoss.value)} [${pct(Math.max(0, r.mediaLoss.low))}, ${pct(r.mediaLoss.high)}]` : '-',
    r.pairs[0] ? `${r.pairs[0].pair} (${r.pairs[0].runs})` : '-',
  ];
}

/** The aggregate as a table for people: one line per combination. */
export function formatAggregate(a: Aggregate, paths: readonly string[]): string {
  const header = [...paths, ...AGGREGATE_COLUMNS];
  const lines = a.rows.map((r) => aggregateCells(r, paths));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[fmt(header), ...lines.map(fmt)].join('\n')}\n${a.runs} runs${a.duplicates ? `, ${a.duplicates} duplicate results ignored` : ''}\n`;
}
