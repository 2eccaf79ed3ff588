import { isNoteOf } from '../../sim/core/note.ts';
import type { JsonValue, Note, TopologyNode } from '../../sim/core/trace.ts';
import { NAT_NOTE_KINDS, type NatNote } from '../../sim/net/nat/notes.ts';
import { typedNotes, unreachable } from '../../sim/notes/index.ts';

/** One row of a NAT's mapping table as the topology panel shows it at a moment. */
export interface MappingRow {
  readonly id: number;
  readonly internal: string;
  readonly external: string;
  /** For address(-and-port)-dependent mappings, the remote the mapping belongs to. */
  readonly boundTo?: string;
  /** Remote endpoints the mapping has sent to: its filter set (RFC 4787 §5). */
  readonly remotes: readonly string[];
  readonly created: number;
  readonly lastRefresh: number;
  readonly expires: number;
  /** Whether an inbound packet has passed through it. */
  readonly replied: boolean;
}

export interface NatTableState {
  readonly nat: string;
  readonly details: { readonly [key: string]: JsonValue };
  readonly mappings: readonly MappingRow[];
  readonly counters: { readonly created: number; readonly expired: number; readonly filtered: number; readonly noMapping: number; readonly hairpin: number };
}

interface MutableTable {
  mappings: Map<number, MappingRow>;
  created: number;
  expired: number;
  filtered: number;
  noMapping: number;
  hairpin: number;
}

type Tables = Map<string, MutableTable>;

const SNAPSHOT_EVERY = 256;


/**
 * The NAT tables at any moment, rebuilt from the trace's `nat.*` notes: a snapshot of every table is kept every
 * 256 NAT notes, so stepping back restores the state from the nearest snapshot and replays only the notes after it.
 * Works for any trace: a NAT that reported nothing simply has an empty table.
 */
export class NatReplay {
  private readonly notes: Note<NatNote>[];
  private readonly snapshots: { index: number; tables: Tables }[] = [];
  private readonly nats: readonly TopologyNode[];

  constructor(notes: readonly Note[], nodes: readonly TopologyNode[]) {
    this.nats = nodes.filter((n) => n.kind === 'nat');
    this.notes = typedNotes(notes).filter((n): n is Note<NatNote> => isNoteOf(NAT_NOTE_KINDS, n));
    let tables = this.empty();
    this.snapshots.push({ index: 0, tables: clone(tables) });
    for (let i = 0; i < this.notes.length; i++) {
      apply(tables, this.notes[i]!);
      if ((i + 1) % SNAPSHOT_EVERY === 0) {
        this.snapshots.push({ index: i + 1, tables: clone(tables) });
        tables = clone(tables);
      }
    }
  }

  /** NAT nodes of the topology, in order. */
  get natNames(): string[] {
    return this.nats.map((n) => n.name);
  }

  /** How many NAT notes were replayed from the nearest snapshot (for tests of the snapshot logic). */
  lastReplayed = 0;

  /** Every NAT's table after all notes at or before `t` (µs). */
  at(t: number): NatTableState[] {
    let count = 0;
    while (count < this.notes.length && this.notes[count]!.t <= t) count++;
    let snap = this.snapshots[0]!;
    for (const s of this.snapshots) if (s.index <= count) snap = s;
    const tables = clone(snap.tables);
    for (let i = snap.index; i < count; i++) apply(tables, this.notes[i]!);
    this.lastReplayed = count - snap.index;
    return this.nats.map((node) => {
      const tb = tables.get(node.name) ?? newTable();
      return {
        nat: node.name,
        details: node.details ?? {},
        mappings: [...tb.mappings.values()].sort((a, b) => a.id - b.id),
        counters: { created: tb.created, expired: tb.expired, filtered: tb.filtered, noMapping: tb.noMapping, hairpin: tb.hairpin },
      };
    });
  }

  private empty(): Tables {
    return new Map(this.nats.map((n) => [n.name, newTable()]));
  }
}

function newTable(): MutableTable {
  return { mappings: new Map(), created: 0, expired: 0, filtered: 0, noMapping: 0, hairpin: 0 };
}

function clone(t: Tables): Tables {
  const out: Tables = new Map();
  for (const [k, v] of t) out.set(k, { ...v, mappings: new Map(v.mappings) });
  return out;
}

/** One NAT note's effect on its table: every kind is listed (the compiler checks it). */
function apply(tables: Tables, n: Note<NatNote>): void {
  let tb = tables.get(n.source);
  if (!tb) {
    tb = newTable();
    tables.set(n.source, tb);
  }
  switch (n.kind) {
    case 'nat.mapping.created': {
      const d = n.data;
      tb.created++;
      tb.mappings.set(d.id, {
        id: d.id,
        internal: d.internal,
        external: d.external,
        ...(d.boundTo ? { boundTo: d.boundTo } : {}),
        remotes: [d.remote],
        created: n.t,
        lastRefresh: n.t,
        expires: d.expires,
        replied: false,
      });
      return;
    }
    case 'nat.mapping.refreshed':
    case 'nat.inbound': {
      const d = n.data;
      const m = tb.mappings.get(d.id);
      if (!m) return;
      const refreshed = n.kind === 'nat.mapping.refreshed';
      const outbound = n.kind === 'nat.mapping.refreshed' && 'by' in n.data;
      const remotes = outbound && !m.remotes.includes(d.remote) ? [...m.remotes, d.remote] : m.remotes;
      tb.mappings.set(m.id, {
        ...m,
        remotes,
        lastRefresh: refreshed ? n.t : m.lastRefresh,
        expires: refreshed ? d.expires : m.expires,
        replied: m.replied || !outbound,
      });
      return;
    }
    case 'nat.mapping.expired':
      if (tb.mappings.delete(n.data.id)) tb.expired++;
      return;
    case 'nat.filtered':
      tb.filtered++;
      return;
    case 'nat.no-mapping':
      tb.noMapping++;
      return;
    case 'nat.hairpin':
      tb.hairpin++;
      return;
    case 'nat.config':
    case 'nat.mapping.failed':
    // a TCP connection's phase changes its mapping's timeout; the expiry it sets arrives with the mapping's notes
    case 'nat.tcp.phase':
      return;
    default:
      return unreachable(n);
  }
}
