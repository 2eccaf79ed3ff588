import type { Hop, JsonValue, TopologyLink, TopologyNode } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { typedNotes, type AnyNote, type AnyNoteKind, type NoteOf } from '../notes/index.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import type { NatDetails } from '../net/nat/notes.ts';
import type { DiagnosisInput, Evidence } from './types.ts';
import type { CaptureFacts } from './capture-facts.ts';

/** A note of one kind with its index in the trace. */
export interface Indexed<K extends AnyNoteKind> {
  readonly i: number;
  readonly n: NoteOf<K>;
}

/** Evidence hops are capped: a finding cites the first ones, the page and the CLI say how many there were. */
export const MAX_EVIDENCE_HOPS = 40;

const MAGIC_COOKIE = 0x2112a442;
/** STUN attribute DATA (RFC 8656 §18.4): a Send or Data indication's payload. */
const ATTR_DATA = 0x0013;

/**
 * What the rules ask of a trace: its notes by kind, the hops behind a note, the hops that carried a STUN
 * transaction, the NATs of the topology. Built once per diagnosis; the STUN index only when a rule asks for it.
 */
export class TraceIndex {
  readonly notes: readonly AnyNote[];
  readonly capture: boolean;
  readonly hops: readonly Hop[];
  readonly nodes: readonly TopologyNode[];
  readonly links: readonly TopologyLink[];
  /** The run's summary (a simulated run attaches it; a capture has none). */
  readonly summary: { readonly [key: string]: JsonValue } | undefined;
  /** A capture's alerts and error responses, when collected. */
  readonly captureFacts: CaptureFacts | undefined;
  /** The last moment the trace shows. */
  readonly end: Micros;
  private readonly kinds = new Map<string, number[]>();
  private byPacket: Map<number, number[]> | undefined;
  private byTransaction: Map<string, number[]> | undefined;
  private stunList: { hop: number; stun: HopStun }[] | undefined;

  constructor(input: DiagnosisInput) {
    this.notes = typedNotes(input.notes);
    this.capture = input.meta.source === 'capture';
    this.hops = input.hops;
    this.nodes = input.nodes;
    this.links = input.links;
    this.summary = input.meta.summary;
    this.captureFacts = input.capture;
    let end = 0;
    this.notes.forEach((n, i) => {
      let list = this.kinds.get(n.kind);
      if (!list) this.kinds.set(n.kind, (list = []));
      list.push(i);
      if (n.t > end) end = n.t;
    });
    for (const h of input.hops) if (h.arrive > end) end = h.arrive;
    const d = input.meta.summary?.duration;
    this.end = typeof d === 'number' && d > end ? d : end;
  }

  /** Every note of a kind, in trace order. */
  of<K extends AnyNoteKind>(kind: K): Indexed<K>[] {
    return (this.kinds.get(kind) ?? []).map((i) => ({ i, n: this.notes[i] as NoteOf<K> }));
  }

  /** Notes of a kind from one source. */
  from<K extends AnyNoteKind>(kind: K, source: string): Indexed<K>[] {
    return this.of(kind).filter((x) => x.n.source === source);
  }

  /**
   * The hops of a note's datagram: in a run, every hop sharing its `packet` (the dropped one first when it was
   * dropped); in a capture, the packet itself.
   */
  hopsOfNote(i: number): number[] {
    const p = this.notes[i]?.packet;
    if (p === undefined) return [];
    if (this.capture) return [p];
    return this.hopsOfPacket(p);
  }

  hopsOfPacket(packet: number): number[] {
    if (!this.byPacket) {
      this.byPacket = new Map();
      for (const h of this.hops) {
        const list = this.byPacket.get(h.packet);
        if (list) list.push(h.index);
        else this.byPacket.set(h.packet, [h.index]);
      }
    }
    const list = this.byPacket.get(packet) ?? [];
    const dropped = list.filter((h) => this.hops[h]?.drop !== undefined);
    return dropped.length ? dropped : list;
  }

  /** The hops (of a run) that carried a STUN message of this transaction id (hex), bare or inside TURN framing. */
  transactionHops(tid: string): number[] {
    this.indexStun();
    return this.byTransaction!.get(tid) ?? [];
  }

  /** Every hop (of a run) that carried STUN, with what it carried. */
  stunHops(): readonly { readonly hop: number; readonly stun: HopStun }[] {
    this.indexStun();
    return this.stunList!;
  }

  private indexStun(): void {
    if (this.byTransaction) return;
    this.byTransaction = new Map();
    this.stunList = [];
    for (const h of this.hops) {
      const m = stunOfDatagram(h.bytes);
      if (m === undefined) continue;
      this.stunList.push({ hop: h.index, stun: m });
      const list = this.byTransaction.get(m.tid);
      if (list) list.push(h.index);
      else this.byTransaction.set(m.tid, [h.index]);
    }
  }

  /** The host a note's source names ("alice/ice-agent" → "alice"). */
  static host(source: string): string {
    const slash = source.indexOf('/');
    return slash < 0 ? source : source.slice(0, slash);
  }

  /** The NAT node (and its configuration) whose external addresses include this IP. */
  natWithExternal(ip: string): { name: string; details: NatDetails } | undefined {
    for (const n of this.nodes) {
      if (n.kind !== 'nat' || !n.details) continue;
      const d = n.details as unknown as NatDetails;
      if (Array.isArray(d.external) && d.external.includes(ip)) return { name: n.name, details: d };
    }
    return undefined;
  }

  /** The NAT node with a static 1:1 binding (RFC 2663 §3.1) of this inside address, and the outside address it is. */
  natWithStaticInternal(ip: string): { name: string; external: string } | undefined {
    for (const n of this.nodes) {
      if (n.kind !== 'nat' || !n.details) continue;
      const b = (n.details as unknown as NatDetails).staticBindings?.find((x) => x.internal === ip);
      if (b) return { name: n.name, external: b.external };
    }
    return undefined;
  }

  /** The host an address belongs to: one of its own, or the external address of the NAT it sits behind. */
  hostOfAddress(ip: string): string | undefined {
    const own = this.nodes.find((n) => (n.kind === 'host' || n.kind === 'server') && n.addresses.some((a) => a === ip || a.startsWith(`${ip}/`)));
    if (own) return own.name;
    const nat = this.natWithExternal(ip);
    if (!nat) return undefined;
    const behind = this.nodes.filter((n) => n.kind === 'host' && this.gatewayOf(n.name)?.name === nat.name);
    return behind.length === 1 ? behind[0]!.name : undefined;
  }

  /** The NAT or firewall a host sits behind (the node at the other end of its one link), if any. */
  gatewayOf(host: string): TopologyNode | undefined {
    for (const l of this.links) {
      const other = l.a === host ? l.b : l.b === host ? l.a : undefined;
      const node = other === undefined ? undefined : this.nodes.find((n) => n.name === other);
      if (node && (node.kind === 'nat' || node.kind === 'firewall')) return node;
    }
    return undefined;
  }
}

/** Evidence from lists (deduplicated, sorted, hops capped). */
export function evidence(hops: Iterable<number>, notes: Iterable<number>): Evidence {
  const h = [...new Set(hops)].sort((a, b) => a - b).slice(0, MAX_EVIDENCE_HOPS);
  const n = [...new Set(notes)].sort((a, b) => a - b);
  return { hops: h, notes: n };
}

export function mergeEvidence(...all: Evidence[]): Evidence {
  return evidence(
    all.flatMap((e) => e.hops),
    all.flatMap((e) => e.notes),
  );
}

/** "ip:port" → ip (IPv6 in brackets or bare with its last colon). */
export function ipOf(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

export function portOf(address: string): number | undefined {
  const colon = address.lastIndexOf(':');
  const p = Number(address.slice(colon + 1));
  return colon < 0 || !Number.isInteger(p) ? undefined : p;
}

/** Seconds with up to three decimals, for sentences ("at 38.79 s"). */
export function seconds(t: Micros): string {
  return `${Number((t / 1e6).toFixed(3))} s`;
}

function hex(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** The STUN message a hop carried (bare, or inside ChannelData or a Send/Data indication). */
export interface HopStun {
  readonly tid: string;
  readonly method: number;
  readonly cls: 'request' | 'indication' | 'success' | 'error';
  /** ERROR-CODE of an error response. */
  readonly code?: number;
}

const CLASSES = ['request', 'indication', 'success', 'error'] as const;
/** STUN attribute ERROR-CODE (RFC 8489 §14.8). */
const ATTR_ERROR_CODE = 0x0009;

/** The STUN message in an IP datagram's UDP payload, through ChannelData and Send/Data indications. */
export function stunOfDatagram(datagram: Uint8Array): HopStun | undefined {
  const v = peekUdpDatagram(datagram);
  if ('error' in v) return undefined;
  return stunIn(datagram.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength), 0);
}

function stunIn(p: Uint8Array, depth: number): HopStun | undefined {
  if (depth > 2 || p.length < 20) return undefined;
  const first = p[0]!;
  // RFC 7983 §7: 0–3 STUN, 64–79 TURN ChannelData (RFC 8656 §12)
  if (first >= 64 && first <= 79) return stunIn(p.subarray(4, 4 + ((p[2]! << 8) | p[3]!)), depth + 1);
  if (first > 3) return undefined;
  const cookie = ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
  if (cookie !== MAGIC_COOKIE) return undefined;
  const type = (p[0]! << 8) | p[1]!;
  // RFC 8489 §5: the method's 12 bits around the two class bits
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = CLASSES[((type & 0x0100) >> 7) | ((type & 0x0010) >> 4)]!;
  const end = Math.min(p.length, 20 + ((p[2]! << 8) | p[3]!));
  let code: number | undefined;
  for (let at = 20; at + 4 <= end; ) {
    const t = (p[at]! << 8) | p[at + 1]!;
    const len = (p[at + 2]! << 8) | p[at + 3]!;
    // Send (0x006) and Data (0x007) indications carry the peer's datagram in DATA
    if (t === ATTR_DATA && cls === 'indication' && (method === 0x006 || method === 0x007)) return stunIn(p.subarray(at + 4, Math.min(end, at + 4 + len)), depth + 1);
    if (t === ATTR_ERROR_CODE && len >= 4 && at + 8 <= end) code = (p[at + 6]! & 0x07) * 100 + p[at + 7]!;
    at += 4 + ((len + 3) & ~3);
  }
  if (cls === 'indication' && (method === 0x006 || method === 0x007)) return undefined;
  return { tid: hex(p, 8, 20), method, cls, ...(code !== undefined ? { code } : {}) };
}
