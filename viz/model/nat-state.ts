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
  /** What it translates: UDP (RFC 4787), TCP (RFC 5382) or ICMP query identifiers (RFC 5508). */
  readonly protocol: 'udp' | 'tcp' | 'icmp';
  /**
   * A TCP mapping's connections, by remote, with the phase RFC 5382 §5 times them by: `opening`/`closing` are
   * transitory (4 min idle), `established` 2 h 4 min; `reset` ends the connection.
   */
  readonly tcp?: readonly { readonly remote: string; readonly phase: string; readonly timeout: number }[];
}

export interface NatTableState {
  readonly nat: string;
  readonly details: { readonly [key: string]: JsonValue };
  readonly mappings: readonly MappingRow[];
  readonly counters: { readonly created: number; readonly expired: number; readonly filtered: number; readonly noMapping: number; readonly hairpin: number };
}

interface MutableTable {
  /** By protocol and id ("udp:1", "tcp:1"): each protocol's table numbers its own mappings. */
  mappings: Map<string, MappingRow>;
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
        mappings: [...tb.mappings.values()].sort((a, b) => a.created - b.created || a.id - b.id),
        counters: { created: tb.created, expired: tb.expired, filtered: tb.filtered, noMapping: tb.noMapping, hairpin: tb.hairpin },
      };
    });
  }

  private empty(): Tables {
    return new Map(this.nats.map((n) => [n.name, newTable()]));
  }
}

const keyOf = (d: { readonly id: number; readonly protocol?: 'tcp' | 'icmp' }): string => `${d.protocol ?? 'udp'}:${d.id}`;

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
      tb.mappings.set(keyOf(d), {
        id: d.id,
        internal: d.internal,
        external: d.external,
        ...(d.boundTo ? { boundTo: d.boundTo } : {}),
        remotes: [d.remote],
        created: n.t,
        lastRefresh: n.t,
        expires: d.expires,
        replied: false,
        protocol: d.protocol ?? 'udp',
      });
      return;
    }
    case 'nat.mapping.refreshed':
    case 'nat.inbound': {
      const d = n.data;
      const m = tb.mappings.get(keyOf(d));
      if (!m) return;
      const refreshed = n.kind === 'nat.mapping.refreshed';
      const outbound = n.kind === 'nat.mapping.refreshed' && 'by' in n.data;
      const remotes = outbound && !m.remotes.includes(d.remote) ? [...m.remotes, d.remote] : m.remotes;
      tb.mappings.set(keyOf(d), {
        ...m,
        remotes,
        lastRefresh: refreshed ? n.t : m.lastRefresh,
        expires: refreshed ? d.expires : m.expires,
        replied: m.replied || !outbound,
      });
      return;
    }
    case 'nat.mapping.expired':
      if (tb.mappings.delete(keyOf(n.data))) tb.expired++;
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
    case 'nat.tcp.phase': {
      // RFC 5382 §5: the connection's phase sets the mapping's idle timeout (the expiry comes with the note)
      const d = n.data;
      const m = tb.mappings.get(`tcp:${d.mapping}`);
      if (!m) return;
      const others = (m.tcp ?? []).filter((c) => c.remote !== d.remote);
      // `expires` is the mapping's new expiry (its longest-lived connection's, sim/net/nat/tcp-sessions.ts); the
      // phase's idle timeout is how far ahead it was set at this packet
      // established: SYNs went both ways, so something came in through it
      tb.mappings.set(`tcp:${d.mapping}`, { ...m, tcp: [...others, { remote: d.remote, phase: d.phase, timeout: d.expires - n.t }], expires: d.expires, replied: m.replied || d.phase === 'established' });
      return;
    }
    case 'nat.config':
    case 'nat.mapping.failed':
    case 'nat.static': // a static 1:1 binding keeps no mapping (its bindings are in nat.config's details)
      return;
    default:
      return unreachable(n);
  }
}
