import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import { FMT_TRANSPORT_CC, readFeedbackSsrcs } from './feedback.ts';

/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1):
 * RTPFB FMT 15. A base sequence number and status count, a reference time (24-bit signed, ×64 ms), a feedback
 * packet count, then packet chunks (run-length or status vector) and one receive delta per received packet
 * (×250 µs: 1 byte unsigned for "small", 2 bytes signed for "large").
 */
export type TwccSymbol = 'not-received' | 'small-delta' | 'large-delta' | 'reserved';
const SYMBOLS: readonly TwccSymbol[] = ['not-received', 'small-delta', 'large-delta', 'reserved'];

export type TwccChunk =
  | { readonly kind: 'run-length'; readonly symbol: TwccSymbol; readonly runLength: number }
  /** 14 one-bit symbols (not-received / small-delta) or 7 two-bit symbols. */
  | { readonly kind: 'status-vector'; readonly symbolSize: 1 | 2; readonly symbols: readonly TwccSymbol[] };

export interface TwccPacketStatus {
  readonly sequenceNumber: number;
  readonly symbol: TwccSymbol;
  /** Receive delta in 250 µs ticks, for received packets. */
  readonly delta?: number;
}

export interface TransportCcFeedback {
  readonly type: 'twcc';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly baseSequenceNumber: number;
  /** Signed, in units of 64 ms. */
  readonly referenceTime: number;
  readonly feedbackPacketCount: number;
  /** One entry per packet from the base sequence number on (the packet status count). */
  readonly packets: readonly TwccPacketStatus[];
  /** The chunks as they were on the wire; the encoder builds its own when absent. */
  readonly chunks?: readonly TwccChunk[];
  readonly padding?: number;
}

export const TWCC_DELTA_US = 250;
export const TWCC_REFERENCE_US = 64_000;

export function readTransportCc(r: Reader, end: number): TransportCcFeedback {
  const s = readFeedbackSsrcs(r);
  const baseSequenceNumber = r.u16('base sequence number');
  const statusCount = r.u16('packet status count');
  const refRaw = r.u24('reference time', (v) => `${signed(v, 24)} (×64 ms = ${signed(v, 24) * 64} ms)`);
  const referenceTime = signed(refRaw, 24);
  const feedbackPacketCount = r.u8('fb pkt count');
  const symbols: TwccSymbol[] = [];
  const chunks: TwccChunk[] = [];
  // every received packet needs at least one delta byte after the chunks (§3.1.5): more than that cannot be real
  let received = 0;
  let impossible = false;
  r.group('packet chunks', () => {
    while (symbols.length < statusCount && r.pos + 2 <= end && !impossible) {
      const at = r.pos;
      const c = r.u16();
      let chunk: TwccChunk;
      if ((c & 0x8000) === 0) {
        const symbol = SYMBOLS[(c >> 13) & 3]!;
        const runLength = c & 0x1fff;
        chunk = { kind: 'run-length', symbol, runLength };
        const isReceived = symbol === 'small-delta' || symbol === 'large-delta';
        const n = Math.min(runLength, statusCount - symbols.length);
        if (isReceived && received + n > end - r.pos) {
          r.problem(`run length chunk marks ${n} packets received but only ${end - r.pos} byte(s) follow for their deltas: not transport-cc feedback, or truncated`, at, 2);
          impossible = true;
        }
        if (isReceived) received += n;
        for (let i = 0; i < n && !impossible; i++) symbols.push(symbol);
        r.field('run length chunk', at, 2, `${runLength} × ${symbol}`);
      } else if ((c & 0x4000) === 0) {
        const list: TwccSymbol[] = [];
        for (let i = 13; i >= 0; i--) list.push(SYMBOLS[(c >> i) & 1]!);
        chunk = { kind: 'status-vector', symbolSize: 1, symbols: list };
        for (const x of list) if (symbols.length < statusCount) symbols.push(x);
        r.field('status vector chunk', at, 2, `1-bit: ${list.map((x) => (x === 'not-received' ? '0' : '1')).join('')}`);
      } else {
        const list: TwccSymbol[] = [];
        for (let i = 6; i >= 0; i--) list.push(SYMBOLS[(c >> (2 * i)) & 3]!);
        chunk = { kind: 'status-vector', symbolSize: 2, symbols: list };
        for (const x of list) if (symbols.length < statusCount) symbols.push(x);
        r.field('status vector chunk', at, 2, `2-bit: ${list.map((x) => SYMBOLS.indexOf(x)).join(' ')}`);
      }
      chunks.push(chunk);
    }
  });
  if (symbols.length < statusCount && !impossible) r.problem(`packet chunks describe ${symbols.length} of ${statusCount} packets`, r.pos, end - r.pos);
  const packets: TwccPacketStatus[] = [];
  // The work is bounded by the packet's length, not by the counts it claims: deltas stop at the first one that runs
  // past the end (one problem, not one per packet), and reserved symbols are reported once.
  let reserved = 0;
  r.group('receive deltas', () => {
    for (let i = 0; i < symbols.length; i++) {
      const symbol = symbols[i]!;
      const sequenceNumber = (baseSequenceNumber + i) & 0xffff;
      if (symbol === 'small-delta' || symbol === 'large-delta') {
        const size = symbol === 'small-delta' ? 1 : 2;
        if (r.pos + size > end) {
          let missing = 0;
          for (let j = i; j < symbols.length; j++) if (symbols[j] === 'small-delta' || symbols[j] === 'large-delta') missing++;
          r.problem(`receive deltas run past the packet from packet ${sequenceNumber} on: ${missing} received packet(s) of ${statusCount} have no delta (§3.1.5)`, r.pos, end - r.pos);
          break;
        }
        const delta = size === 1 ? r.u8(`delta ${sequenceNumber}`, (v) => `${v * 0.25} ms`) : signed(r.u16(`delta ${sequenceNumber}`, (v) => `${signed(v, 16) * 0.25} ms`), 16);
        packets.push({ sequenceNumber, symbol, delta });
      } else {
        if (symbol === 'reserved') reserved++;
        packets.push({ sequenceNumber, symbol });
      }
    }
  });
  if (reserved > 0) r.problem(`${reserved} packet(s) have the reserved status symbol 11`, r.pos, 0);
  if (r.pos < end) {
    const rest = r.buf.subarray(r.pos, end);
    if (rest.some((b) => b !== 0)) r.problem(`${rest.length} non-zero byte(s) after the receive deltas`, r.pos, rest.length);
    r.skip(end - r.pos, 'zero padding');
  }
  return { type: 'twcc', ...s, baseSequenceNumber, referenceTime, feedbackPacketCount, packets, chunks };
}

function signed(v: number, bits: number): number {
  return v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
}

/** Receive times in µs relative to the reference time, for received packets (the deltas accumulate). */
export function twccArrivals(fb: TransportCcFeedback): { sequenceNumber: number; arrivalUs: number }[] {
  let t = fb.referenceTime * TWCC_REFERENCE_US;
  const out: { sequenceNumber: number; arrivalUs: number }[] = [];
  for (const p of fb.packets) {
    if (p.delta === undefined) continue;
    t += p.delta * TWCC_DELTA_US;
    out.push({ sequenceNumber: p.sequenceNumber, arrivalUs: t });
  }
  return out;
}

/** Chooses chunks: run-length for runs of 7 or more, else the densest status vector that fits (1-bit when it can). */
export function buildTwccChunks(symbols: readonly TwccSymbol[]): TwccChunk[] {
  const chunks: TwccChunk[] = [];
  let i = 0;
  while (i < symbols.length) {
    const s = symbols[i]!;
    let run = 1;
    while (i + run < symbols.length && symbols[i + run] === s && run < 0x1fff) run++;
    if (run >= 7) {
      chunks.push({ kind: 'run-length', symbol: s, runLength: run });
      i += run;
      continue;
    }
    const next14 = symbols.slice(i, i + 14);
    if (next14.every((x) => x === 'not-received' || x === 'small-delta')) {
      chunks.push({ kind: 'status-vector', symbolSize: 1, symbols: next14 });
      i += next14.length;
    } else {
      const next7 = symbols.slice(i, i + 7);
      chunks.push({ kind: 'status-vector', symbolSize: 2, symbols: next7 });
      i += next7.length;
    }
  }
  return chunks;
}

export function writeTransportCc(w: Writer, p: TransportCcFeedback): number {
  const count = p.packets.length;
  if (count > 0xffff) throw new RangeError(`${count} packet statuses: at most 65535`);
  w.u32(p.senderSsrc).u32(p.mediaSsrc).u16(p.baseSequenceNumber).u16(count);
  w.u24(p.referenceTime & 0xffffff).u8(p.feedbackPacketCount & 0xff);
  const chunks = p.chunks ?? buildTwccChunks(p.packets.map((x) => x.symbol));
  for (const c of chunks) {
    if (c.kind === 'run-length') {
      w.u16((SYMBOLS.indexOf(c.symbol) << 13) | (c.runLength & 0x1fff));
    } else if (c.symbolSize === 1) {
      let v = 0x8000;
      c.symbols.forEach((x, k) => {
        if (x !== 'not-received') v |= 1 << (13 - k);
      });
      w.u16(v);
    } else {
      let v = 0xc000;
      c.symbols.forEach((x, k) => {
        v |= SYMBOLS.indexOf(x) << (2 * (6 - k));
      });
      w.u16(v);
    }
  }
  for (const x of p.packets) {
    if (x.symbol === 'small-delta') {
      const d = x.delta ?? 0;
      if (d < 0 || d > 255) throw new RangeError(`small receive delta ${d} of packet ${x.sequenceNumber} is outside 0–255 (use large-delta)`);
      w.u8(d);
    } else if (x.symbol === 'large-delta') {
      const d = x.delta ?? 0;
      if (d < -32768 || d > 32767) throw new RangeError(`receive delta ${d} of packet ${x.sequenceNumber} does not fit in 16 bits`);
      w.u16(d & 0xffff);
    }
  }
  w.zeros((4 - (w.pos % 4)) % 4);
  return FMT_TRANSPORT_CC;
}

/** Builds feedback from arrival times (µs, on the receiver's clock) of transport-wide sequence numbers. */
export function twccFromArrivals(opts: {
  senderSsrc: number;
  mediaSsrc?: number;
  feedbackPacketCount: number;
  baseSequenceNumber: number;
  /** One per sequence number from the base on; undefined = not received. */
  arrivalsUs: readonly (number | undefined)[];
}): TransportCcFeedback {
  const first = opts.arrivalsUs.find((t) => t !== undefined) ?? 0;
  const referenceTime = Math.floor(first / TWCC_REFERENCE_US);
  let t = referenceTime * TWCC_REFERENCE_US;
  const packets: TwccPacketStatus[] = opts.arrivalsUs.map((at, i) => {
    const sequenceNumber = (opts.baseSequenceNumber + i) & 0xffff;
    if (at === undefined) return { sequenceNumber, symbol: 'not-received' };
    const delta = Math.round((at - t) / TWCC_DELTA_US);
    t += delta * TWCC_DELTA_US;
    const symbol: TwccSymbol = delta >= 0 && delta <= 255 ? 'small-delta' : 'large-delta';
    return { sequenceNumber, symbol, delta };
  });
  return { type: 'twcc', senderSsrc: opts.senderSsrc, mediaSsrc: opts.mediaSsrc ?? 0, baseSequenceNumber: opts.baseSequenceNumber, referenceTime, feedbackPacketCount: opts.feedbackPacketCount, packets };
}
