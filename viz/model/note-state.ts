import type { JsonValue, Note } from '../../sim/core/trace.ts';

/**
 * Generic state panels: the latest note per (source, kind, key) of one family of note kinds ("ice.", "dtls.",
 * "srtp."), at a moment. The key is whatever identifies a row in that family's data — a candidate pair, a flight,
 * an SSRC — so the panels fill in as new components start reporting, with no change here.
 */
export interface StateRow {
  readonly source: string;
  readonly kind: string;
  readonly key: string;
  readonly t: number;
  readonly text: string;
  /** A short state word when the note carries one (data.state / data.to / data.status). */
  readonly state?: string;
  readonly data: { readonly [key: string]: JsonValue };
  /** How many notes of this row so far (retransmissions, state changes). */
  readonly count: number;
}

const KEY_FIELDS = ['pair', 'id', 'key', 'flight', 'ssrc', 'candidate', 'name', 'direction'] as const;
const STATE_FIELDS = ['state', 'to', 'status', 'result'] as const;

function rowKey(n: Note): string {
  const d = n.data ?? {};
  for (const k of KEY_FIELDS) {
    const v = d[k];
    if (typeof v === 'string' || typeof v === 'number') return `${k}=${v}`;
  }
  return '';
}

export function familyRows(notes: readonly Note[], prefix: string, t: number): StateRow[] {
  const rows = new Map<string, StateRow>();
  for (const n of notes) {
    if (n.t > t) break;
    if (!n.kind.startsWith(prefix)) continue;
    const key = rowKey(n);
    const id = `${n.source}\u0000${n.kind}\u0000${key}`;
    const prev = rows.get(id);
    const d = n.data ?? {};
    let state: string | undefined;
    for (const k of STATE_FIELDS) if (typeof d[k] === 'string') state ??= d[k] as string;
    rows.set(id, { source: n.source, kind: n.kind, key, t: n.t, text: n.text, ...(state !== undefined ? { state } : {}), data: d, count: (prev?.count ?? 0) + 1 });
  }
  return [...rows.values()];
}

/** Whether a trace has any note of the family at all (the empty state says so, not "nothing yet"). */
export function hasFamily(notes: readonly Note[], prefix: string): boolean {
  return notes.some((n) => n.kind.startsWith(prefix));
}
