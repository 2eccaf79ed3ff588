import type { NoteBody } from './note.ts';
import type { Micros } from './time.ts';

/**
 * The trace: everything the user sees is bytes on a wire at a moment in time (docs/architecture.md, "The one idea").
 * The simulator writes traces; the capture reader writes them too; the visualizer and CLI only read them.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One record for every link a datagram crosses, so a packet is seen before and after each NAT. */
export interface Hop {
  /** Index of this hop in `Trace.hops`. */
  readonly index: number;
  /** When the datagram entered the link (µs). */
  readonly t: Micros;
  /** When it left the link: delivered to `to`, or dropped (µs). */
  arrive: Micros;
  readonly link: string;
  readonly from: string;
  readonly to: string;
  /** The whole IP datagram (IPv4 or IPv6 header onwards) exactly as it crossed this link. */
  readonly bytes: Uint8Array;
  /** Identifies the end-to-end datagram: every hop of one datagram, before and after NATs, shares it. */
  readonly packet: number;
  /** Absent when delivered; otherwise why it was dropped ("loss", "queue full", "NAT filtering: …"). */
  drop?: string;
}

/**
 * A state change inside a component at a moment: a NAT mapping created, an ICE pair succeeding, keys derived. The
 * body (`kind`, `text`, `data`) is typed by the folder that emits it (sim/core/note.ts); `Note` alone reads any kind,
 * `Note<AnyNoteBody>` (sim/notes) reads the union of every declared kind.
 */
export type Note<B extends NoteBody = NoteBody> = NoteHeader & B;

/** Where and when a note happened, whatever its kind. */
export interface NoteHeader {
  readonly t: Micros;
  /** The component, as a path: "natA", "alice/ice", "turn". */
  readonly source: string;
  /** The datagram that caused it, when there is one. */
  readonly packet?: number;
  /** True when a capture analyzer inferred it from packets rather than a component reporting it. */
  readonly inferred?: boolean;
}

/** Secrets that let a trace be decrypted: NSS key log lines and derived SRTP keys. */
export interface Secret {
  readonly t: Micros;
  readonly kind: 'nss-keylog' | 'srtp';
  readonly source: string;
  /** For nss-keylog, one key-log line; for srtp, a line describing profile, direction and key material. */
  readonly text: string;
}

export type NodeKind = 'host' | 'nat' | 'router' | 'switch' | 'firewall' | 'server' | 'internet' | 'capture';

/** A node of the topology: one lane of the ladder. */
export interface TopologyNode {
  readonly name: string;
  readonly kind: NodeKind;
  /** Addresses on its interfaces, e.g. "192.168.1.10" or "2001:db8::1". */
  readonly addresses: readonly string[];
  /** Properties a panel shows: NAT behaviour, role, … */
  readonly details?: { [key: string]: JsonValue };
}

export interface TopologyLink {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly details?: { [key: string]: JsonValue };
}

export interface TraceMeta {
  /** "simulation" or "capture". */
  readonly source: 'simulation' | 'capture';
  readonly scenario?: string;
  readonly seed?: number;
  readonly title?: string;
  /** Free-form result summary a run attaches when it ends. */
  readonly summary?: { [key: string]: JsonValue };
}

export interface Trace {
  readonly meta: TraceMeta;
  readonly nodes: readonly TopologyNode[];
  readonly links: readonly TopologyLink[];
  readonly hops: readonly Hop[];
  readonly notes: readonly Note[];
  readonly secrets: readonly Secret[];
}

export type TraceRecord = { kind: 'hop'; hop: Hop } | { kind: 'note'; note: Note } | { kind: 'secret'; secret: Secret };

/** The size of one slab of the byte arena hops are copied into. */
const ARENA_SLAB = 1 << 20;
/** A datagram larger than this gets an array of its own rather than the rest of a slab. */
const ARENA_LARGEST = 1 << 16;

/** Collects a trace as a run goes; listeners see each record as it is made (for live views). */
export class TraceRecorder {
  readonly nodes: TopologyNode[] = [];
  readonly links: TopologyLink[] = [];
  readonly hops: Hop[] = [];
  readonly notes: Note[] = [];
  readonly secrets: Secret[] = [];
  private nextPacket = 1;
  /**
   * The byte arena: each hop's bytes are copied into a 1 MiB slab and the hop keeps a view of them, so a kept
   * hop costs no ArrayBuffer (and no backing store) of its own and the datagram it was copied from can be
   * collected young. The copy is also the bytes as they crossed the link, whatever happens to the datagram after.
   */
  private slab = new Uint8Array(0);
  private slabAt = 0;
  /** The view `reserve` gave out last, until it is recorded. */
  private reserved: Uint8Array | undefined;
  private readonly listeners: ((r: TraceRecord) => void)[] = [];

  constructor(public meta: TraceMeta) {}

  /** A fresh datagram id; hops that carry the same datagram across NATs reuse it. */
  newPacketId(): number {
    return this.nextPacket++;
  }

  addNode(node: TopologyNode): void {
    if (this.nodes.some((n) => n.name === node.name)) throw new Error(`topology: node "${node.name}" defined twice`);
    this.nodes.push(node);
  }

  addLink(link: TopologyLink): void {
    if (this.links.some((l) => l.name === link.name)) throw new Error(`topology: link "${link.name}" defined twice`);
    this.links.push(link);
  }

  hop(h: Omit<Hop, 'index'>): Hop {
    return this.record(h.t, h.arrive, h.link, h.from, h.to, h.bytes, h.packet, h.drop);
  }

  /** `hop()` with the fields as arguments: what a link calls for every datagram, without an object to spread. */
  record(t: Micros, arrive: Micros, link: string, from: string, to: string, bytes: Uint8Array, packet: number, drop?: string): Hop {
    // every hop has the same shape (drop included, undefined when delivered), so the code reading hops stays monomorphic
    const hop: Hop = { index: this.hops.length, t, arrive, link, from, to, bytes: this.keep(bytes), packet, drop };
    this.hops.push(hop);
    if (this.listeners.length > 0) this.emit({ kind: 'hop', hop });
    return hop;
  }

  /**
   * Room for `n` bytes in the arena, zeroed, for a datagram a node builds and sends at once (a NAT's or a router's
   * rewritten copy): when that very view is recorded next, the hop keeps it where it is instead of copying it again.
   * It must not be changed once sent (it is the hop's bytes); a view never sent only leaves its room unused.
   */
  reserve(n: number): Uint8Array {
    if (n > ARENA_LARGEST) return new Uint8Array(n);
    this.reserved = this.claim(n);
    return this.reserved;
  }

  /** A copy of `bytes` in the arena, or the view `reserve` gave out when it is that one. */
  private keep(bytes: Uint8Array): Uint8Array {
    if (bytes === this.reserved) {
      this.reserved = undefined;
      return bytes;
    }
    if (bytes.length > ARENA_LARGEST) return bytes.slice();
    const kept = this.claim(bytes.length);
    kept.set(bytes);
    return kept;
  }

  /** `n` unused bytes of the arena (8-byte aligned, so typed views of it stay aligned). */
  private claim(n: number): Uint8Array {
    if (this.slabAt + n > this.slab.length) {
      this.slab = new Uint8Array(ARENA_SLAB);
      this.slabAt = 0;
    }
    const at = this.slabAt;
    this.slabAt = (at + n + 7) & ~7;
    return this.slab.subarray(at, at + n);
  }

  note(n: Note): void {
    this.notes.push(n);
    this.emit({ kind: 'note', note: n });
  }

  secret(s: Secret): void {
    this.secrets.push(s);
    this.emit({ kind: 'secret', secret: s });
  }

  onRecord(fn: (r: TraceRecord) => void): void {
    this.listeners.push(fn);
  }

  private emit(r: TraceRecord): void {
    for (const fn of this.listeners) fn(r);
  }

  finish(summary?: { [key: string]: JsonValue }): Trace {
    const meta = summary ? { ...this.meta, summary } : this.meta;
    return { meta, nodes: this.nodes, links: this.links, hops: this.hops, notes: this.notes, secrets: this.secrets };
  }
}
