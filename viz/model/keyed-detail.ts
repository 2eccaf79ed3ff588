import { toHex } from '../../sim/core/encoding.ts';
import type { Hop } from '../../sim/core/trace.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import type { DissectedPacket, Layer } from '../../sim/dissect/types.ts';
import type { Field } from '../../sim/wire/field.ts';
import { packetSignature } from './keyed-record.ts';
import { isMediaHop } from './trace-pass.ts';

/** How many plaintext bytes a decrypted layer shows in the field tree. */
const PREVIEW = 256;

/**
 * An RTP stream's hops kept as starting points: its first, then one each time its sequence number moved this far on.
 * RFC 3711 §3.3.1 guesses the rollover counter from the highest sequence number seen, within 2^15 of it.
 */
const CHECKPOINT_SEQ = 4096;

/** What a click replays before the hop itself: hop numbers, ascending, found once from the hops' bytes and flows. */
interface Plan {
  /**
   * Every hop that is neither RTP, RTCP nor TCP (ICE checks, DTLS, SCTP, TURN, fragments …), on every flow, by
   * vantage point (the dissector keeps each one's flows apart; '' when there is one).
   */
  readonly control: Map<string, Int32Array>;
  /** TCP hops by flow: a TCP hop's detail needs its connection's segments before it, and no other connection's. */
  readonly tcp: Map<number, Int32Array>;
  /** Each flow's first RTP or RTCP hop (the SRTP keys are derived there, as in the pass), by vantage point. */
  readonly firstMedia: Map<string, Int32Array>;
  /** Each RTP stream's checkpoints, by flow and SSRC. */
  readonly streams: Map<string, Int32Array>;
}

/** How the keyed detail answered so far (the bench prints them). */
export interface KeyedDetailCounts {
  /** Hops answered from a short replay that matched the pass. */
  primed: number;
  /** Hops the short replay did not match: replayed along their flow from its start. */
  replayed: number;
  /** Hops dissected in all, the selected ones included. */
  dissected: number;
}

/**
 * The packet detail of a trace opened with keys: decryption needs the state of the packets before (the DTLS
 * handshake that keyed the records, the SRTP rollover counter, the SCTP streams), which the main thread's stateless
 * dissection does not have. The one dissection pass keeps a 4-byte signature of each hop's keyed dissection
 * (keyed-record.ts); a request dissects, with the key log, the hops before the selected one on its vantage point
 * that are not media (ICE checks, DTLS handshakes and records, SCTP, TURN: what keys a DTLS association and moves it
 * between 5-tuples), the earlier segments of its own TCP connection, each flow's first media hop and a few earlier
 * hops of its RTP stream, then the hop itself with spans. When its signature is the pass's, that is the answer;
 * otherwise (a duplicate the replay window would catch, a stream reordered across a checkpoint) the hop's flow is
 * replayed from its start, as before, and that is the answer if it reaches the pass's signature (else the short
 * replay's is: it follows an association to another pair, the flow replay cannot). Runs in the worker.
 */
export class KeyedDetail {
  private plan: Plan | undefined;
  readonly counts: KeyedDetailCounts = { primed: 0, replayed: 0, dissected: 0 };

  constructor(
    private readonly hops: readonly Hop[],
    readonly keyLogs: readonly string[],
    readonly vantages: boolean,
    /** A capture's checksums may be offloaded (not yet filled in): unverified, as Wireshark leaves them. */
    readonly capture: boolean,
    /** Each hop's flow number from the pass (HopFlowCollector), asked for at the first request. */
    private readonly flows: () => Int32Array,
    /** Each hop's signature from the pass (KeyedRecord), asked for at the first request. */
    private readonly signatures: () => Uint32Array,
  ) {}

  /** Hop `i` dissected with the keys and the state before it, as plain data (it crosses to the main thread). */
  packet(i: number): DissectedPacket | undefined {
    const hop = this.hops[i];
    if (!hop || hop.bytes.length === 0) return undefined;
    const d = this.primed(i);
    if (packetSignature(d) === this.signatures()[i]) {
      this.counts.primed++;
      return plainPacket(d);
    }
    this.counts.replayed++;
    const old = this.replayFlow(i);
    return plainPacket(packetSignature(old) === this.signatures()[i] ? old : d);
  }

  /** The bytes the plan's hop lists take (none before the first request). */
  planBytes(): number {
    const p = this.plan;
    if (!p) return 0;
    let n = 0;
    for (const [k, v] of [...p.control, ...p.firstMedia]) n += 2 * k.length + v.byteLength;
    for (const v of p.tcp.values()) n += 8 + v.byteLength;
    // a map entry: its key's characters and the list
    for (const [k, v] of p.streams) n += 2 * k.length + v.byteLength;
    return n;
  }

  /** Hop `i` after the hops of its plan before it. */
  private primed(i: number): DissectedPacket {
    const plan = (this.plan ??= makePlan(this.hops, this.flows(), (j) => this.vantageOf(j)));
    const bytes = this.hops[i]!.bytes;
    const flow = this.flows()[i]!;
    const stream = isMediaHop(bytes) ? streamKey(bytes, flow) : undefined;
    const before = [...upTo(plan.control.get(this.vantageOf(i)), i), ...upTo(plan.tcp.get(flow), i), ...upTo(plan.firstMedia.get(this.vantageOf(i)), i), ...(stream ? upTo(plan.streams.get(stream), i) : [])];
    before.sort((a, b) => a - b);
    const d = this.fresh();
    let last = -1;
    for (const j of before) if (j !== last) this.feed(d, (last = j), false);
    return this.feed(d, i, true);
  }

  /** The old way, kept for what the short replay cannot reach: hop `i` after every earlier hop of its flow. */
  replayFlow(i: number): DissectedPacket {
    const flows = this.flows();
    const flow = flows[i]!;
    const d = this.fresh();
    if (flow >= 0) for (let j = 0; j < i; j++) if (flows[j] === flow) this.feed(d, j, false);
    return this.feed(d, i, true);
  }

  private vantageOf(j: number): string {
    return this.vantages ? this.hops[j]!.link : '';
  }

  private fresh(): Dissector {
    const d = new Dissector(this.capture ? { verifyChecksums: false } : {});
    for (const text of this.keyLogs) d.addKeyLog(text);
    return d;
  }

  private feed(d: Dissector, j: number, spans: boolean): DissectedPacket {
    const h = this.hops[j]!;
    this.counts.dissected++;
    return d.packet(h.bytes, { index: h.index, t: h.t, spans, ...(this.vantages ? { vantage: h.link } : {}) });
  }
}

/** The numbers of `list` below `i` (ascending). */
function upTo(list: Int32Array | undefined, i: number): Int32Array {
  if (!list) return new Int32Array(0);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (list[m]! < i) lo = m + 1;
    else hi = m;
  }
  return list.subarray(0, lo);
}

function makePlan(hops: readonly Hop[], flows: Int32Array, vantageOf: (i: number) => string): Plan {
  const control = new Map<string, number[]>();
  const tcp = new Map<number, number[]>();
  const firstMedia = new Map<string, number[]>();
  const seen = new Set<number>();
  const streams = new Map<string, { hops: number[]; seq: number }>();
  hops.forEach((h, i) => {
    if (h.bytes.length === 0) return;
    const flow = flows[i] ?? -1;
    if (isTcp(h.bytes)) return void push(tcp, flow, i);
    if (!isMediaHop(h.bytes)) return void push(control, vantageOf(i), i);
    if (!seen.has(flow)) {
      seen.add(flow);
      push(firstMedia, vantageOf(i), i);
    }
    const key = streamKey(h.bytes, flow);
    const seq = key === undefined ? -1 : sequenceOf(h.bytes);
    if (key === undefined || seq < 0) return;
    const s = streams.get(key);
    if (!s) return void streams.set(key, { hops: [i], seq });
    const ahead = (seq - s.seq) & 0xffff;
    if (ahead >= CHECKPOINT_SEQ && ahead < 0x8000) {
      s.hops.push(i);
      s.seq = seq;
    }
  });
  return { control: lists(control), tcp: lists(tcp), firstMedia: lists(firstMedia), streams: lists(new Map([...streams].map(([k, s]) => [k, s.hops]))) };
}

function push<K>(m: Map<K, number[]>, k: K, i: number): void {
  const list = m.get(k);
  if (list) list.push(i);
  else m.set(k, [i]);
}

function lists<K>(m: Map<K, number[]>): Map<K, Int32Array> {
  return new Map([...m].map(([k, v]) => [k, Int32Array.from(v)]));
}

/** An IPv4 or IPv6 datagram whose (first) next header is TCP (RFC 791, RFC 8200: protocol number 6). */
function isTcp(b: Uint8Array): boolean {
  return b[0]! >> 4 === 4 ? b[9] === 6 : b[6] === 6;
}

/** Where an RTP or RTCP header starts in a hop's datagram: after IP and UDP, and TURN ChannelData's 4 bytes (RFC 8656 §12.4). */
function mediaAt(b: Uint8Array): number {
  const at = (b[0]! >> 4 === 4 ? (b[0]! & 0x0f) * 4 : 40) + 8;
  const first = b[at];
  return first !== undefined && first >= 0x40 && first <= 0x4f ? at + 4 : at;
}

/** An RTP packet's flow and SSRC (RFC 3550 §5.1); undefined for RTCP (RFC 5761 §4: payload types 64–95 with the marker). */
function streamKey(b: Uint8Array, flow: number): string | undefined {
  const at = mediaAt(b);
  const pt = b[at + 1];
  if (b.length < at + 12 || pt === undefined || (pt >= 192 && pt <= 223)) return undefined;
  const ssrc = ((b[at + 8]! << 24) | (b[at + 9]! << 16) | (b[at + 10]! << 8) | b[at + 11]!) >>> 0;
  return `${flow}/${ssrc}`;
}

function sequenceOf(b: Uint8Array): number {
  const at = mediaAt(b);
  return b.length < at + 4 ? -1 : (b[at + 2]! << 8) | b[at + 3]!;
}

/**
 * A dissected packet as plain objects (getters read, decoded values dropped), so it survives structured cloning;
 * a decrypted layer gets a `plaintext` field with the first bytes in hex and as text.
 */
export function plainPacket(d: DissectedPacket): DissectedPacket {
  const layers = d.layers.map(plainLayer);
  return { layers, protocol: d.protocol, summary: d.summary, src: d.src, dst: d.dst, problems: d.problems.map((p) => ({ ...p })), ...(d.notes ? { notes: [...d.notes] } : {}) };
}

function plainLayer(l: Layer): Layer {
  const fields = l.fields.map(plainField);
  const pt = l.plaintext ?? (l.protocol === 'DATA' && l.value instanceof Uint8Array ? l.value : undefined);
  if (pt) fields.push({ name: 'plaintext', offset: l.offset, length: 0, display: preview(pt) });
  // a union's fields read apart lose the tie between `protocol` and the value (dropped here): TypeScript gives up
  // checking the object against each of the union's members beyond 25 of them
  return { protocol: l.protocol, offset: l.offset, length: l.length, summary: l.summary, fields, problems: l.problems.map((p) => ({ ...p })), ...(l.classification ? { classification: l.classification } : {}) } as Layer;
}

function plainField(f: Field): Field {
  return { name: f.name, offset: f.offset, length: f.length, ...(f.bits ? { bits: { ...f.bits } } : {}), ...(f.display !== undefined ? { display: f.display } : {}), ...(f.children ? { children: f.children.map(plainField) } : {}) };
}

/** "17 03 … (18 bytes) "hello"" — hex, then the printable text, cut at PREVIEW bytes. */
function preview(b: Uint8Array): string {
  const head = b.subarray(0, PREVIEW);
  const text = [...head].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '·')).join('');
  return `${toHex(head, ' ')}${b.length > PREVIEW ? ' …' : ''} (${b.length} bytes) "${text}"`;
}
