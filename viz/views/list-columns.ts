import { formatDuration } from '../../sim/core/time.ts';
import type { HopLabel } from '../model/labels.ts';
import { PROTOCOLS, type PackedTrace } from '../model/packed.ts';

/**
 * The packet list's columns, as Wireshark users expect them: the built-in ones (number, time, delta time from the
 * previous displayed packet, addresses, protocol, length, info) and any display filter field added as a column;
 * each sortable and resizable. What the user set (the filter, the columns, their widths, the sort) is kept in the
 * browser's local storage and comes back on the next visit.
 */
export interface ColumnSpec {
  /** A built-in column's id, or `field:<name>` for a field column. */
  readonly id: string;
  readonly title: string;
  width: number;
  /** A display filter field (docs/display-filters.md), for a field column. */
  readonly field?: string;
}

export type SortSpec = { readonly id: string; readonly dir: 1 | -1 } | undefined;

export interface ListPrefs {
  filter: string;
  columns: ColumnSpec[];
  sort: SortSpec;
}

export const BUILTIN: readonly ColumnSpec[] = [
  { id: 'no', title: '#', width: 42 },
  { id: 'time', title: 'time', width: 74 },
  { id: 'delta', title: 'Δ shown', width: 78 },
  { id: 'route', title: 'from → to', width: 124 },
  { id: 'proto', title: 'proto', width: 52 },
  { id: 'len', title: 'len', width: 36 },
  { id: 'summary', title: 'summary', width: 160 },
];

const KEY = 'rtclab.packet-list.v1';

export function defaultPrefs(): ListPrefs {
  return { filter: '', columns: BUILTIN.map((c) => ({ ...c })), sort: undefined };
}

/** The saved preferences, or the defaults when there are none (or they cannot be read). */
export function loadPrefs(): ListPrefs {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    if (!raw) return defaultPrefs();
    const v = JSON.parse(raw) as Partial<ListPrefs>;
    const columns = Array.isArray(v.columns) ? v.columns.filter((c): c is ColumnSpec => typeof c?.id === 'string' && typeof c.title === 'string' && typeof c.width === 'number') : [];
    // a saved list without the built-in columns is damaged: start again
    if (!BUILTIN.every((b) => columns.some((c) => c.id === b.id))) return defaultPrefs();
    const sort = v.sort && typeof v.sort.id === 'string' && (v.sort.dir === 1 || v.sort.dir === -1) ? v.sort : undefined;
    return { filter: typeof v.filter === 'string' ? v.filter : '', columns: columns.map((c) => ({ ...c, width: Math.max(24, Math.min(800, c.width)) })), sort };
  } catch {
    return defaultPrefs();
  }
}

export function savePrefs(p: ListPrefs): void {
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(p));
  } catch {
    // storage full or disabled: the page works, it just does not remember
  }
}

/** The grid template: fixed widths, the summary column taking what is left (at least its width). */
export function gridTemplate(cols: readonly ColumnSpec[]): string {
  return cols.map((c) => (c.id === 'summary' ? `minmax(${c.width}px, 1fr)` : `${c.width}px`)).join(' ');
}

/** What a row needs to fill its cells. */
export interface RowContext {
  readonly p: PackedTrace;
  readonly label: HopLabel;
  /** Time since the previous displayed packet (µs), in capture order. */
  readonly delta: number;
  readonly fieldValues: ReadonlyMap<string, readonly string[]>;
}

/** A cell's text (the proto and summary cells are drawn by the list itself). */
export function cellText(c: ColumnSpec, i: number, ctx: RowContext): string {
  const p = ctx.p;
  switch (c.id) {
    case 'no':
      return String(i);
    case 'time':
      return formatDuration(p.t[i]!);
    case 'delta':
      return formatDuration(ctx.delta);
    case 'route':
      return `${p.lanes[p.from[i]!]} → ${p.lanes[p.to[i]!]}`;
    case 'len':
      return String(p.offsets[i + 1]! - p.offsets[i]!);
    default:
      return c.field ? (ctx.fieldValues.get(c.field)?.[i] ?? '…') : '';
  }
}

/** A sort key for a hop in a column: numbers where the column holds numbers, text otherwise. */
export function sortKey(c: ColumnSpec, i: number, p: PackedTrace, label: () => HopLabel, delta: number, fieldValues: ReadonlyMap<string, readonly string[]>): number | string {
  switch (c.id) {
    case 'no':
      return i;
    case 'time':
      return p.t[i]!;
    case 'delta':
      return delta;
    case 'route':
      return `${p.lanes[p.from[i]!]} → ${p.lanes[p.to[i]!]}`;
    case 'proto': {
      const l = label();
      return l.keyed ? l.protocol : (PROTOCOLS[p.proto[i]!] ?? '');
    }
    case 'len':
      return p.offsets[i + 1]! - p.offsets[i]!;
    case 'summary':
      return label().summary;
    default: {
      const v = c.field ? (fieldValues.get(c.field)?.[i] ?? '') : '';
      const n = Number(v.split(',')[0]);
      return v !== '' && Number.isFinite(n) ? n : v;
    }
  }
}

/** Orders hops by a column (a stable sort: equal keys keep capture order). */
export function sortHops(hops: Int32Array, key: (i: number) => number | string, dir: 1 | -1): Int32Array {
  const keys = new Map<number, number | string>();
  for (const i of hops) keys.set(i, key(i));
  const out = Array.from(hops);
  out.sort((a, b) => {
    const x = keys.get(a)!;
    const y = keys.get(b)!;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : typeof x === 'number' ? -1 : typeof y === 'number' ? 1 : x < y ? -1 : x > y ? 1 : 0;
    return c === 0 ? a - b : c * dir;
  });
  return Int32Array.from(out);
}
