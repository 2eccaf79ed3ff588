/**
 * TCP stream reassembly for one direction of a connection (RFC 9293 §3.4, §3.10.7.4): sequence numbers modulo
 * 2^32, SYN and FIN each take one sequence number, out-of-order segments are held until the gap before them
 * fills, retransmitted and overlapping bytes are trimmed, and what cannot be filled is skipped and reported.
 * Memory is bounded: held segments and bytes have caps; past them the gap is declared lost.
 */
export interface ReassemblyLimits {
  /** Out-of-order bytes held per direction before the oldest gap is declared lost. */
  readonly maxHeldBytes: number;
  /** Out-of-order segments held per direction. */
  readonly maxHeldSegments: number;
}

export const DEFAULT_TCP_LIMITS: ReassemblyLimits = { maxHeldBytes: 1 << 20, maxHeldSegments: 512 };

/** In-order bytes handed to the application, with where they sit in the stream. */
export interface Delivery {
  /** Stream offset (bytes since the first delivered byte) of `bytes[0]`. */
  readonly streamOffset: number;
  readonly bytes: Uint8Array;
  /** Set when bytes before these were lost: the application parser must resynchronise. */
  readonly afterGap?: number;
  /** For bytes of the segment just received: where they start in its payload. */
  readonly fromThisSegment?: number;
}

export interface SegmentResult {
  readonly deliveries: Delivery[];
  /** Facts for the packet list: "retransmission", "out of order" … */
  readonly notes: string[];
  /** Gaps that could not be filled and held data dropped. */
  readonly problems: string[];
  /** The direction's stream ended with this segment (its FIN was reached in order), or was reset. */
  readonly ended: boolean;
}

interface Held {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** a − b in sequence space, as a signed 32-bit number (RFC 9293 §3.4 modular comparison). */
export const seqDiff = (a: number, b: number): number => (a - b) | 0;

export class TcpDirection {
  /** The next sequence number expected, once known. */
  next: number | undefined;
  /** Bytes delivered so far. */
  delivered = 0;
  private held: Held[] = [];
  private heldBytes = 0;
  private finSeq: number | undefined;
  ended = false;
  sawSyn = false;

  constructor(private readonly limits: ReassemblyLimits = DEFAULT_TCP_LIMITS) {}

  get heldSize(): number {
    return this.heldBytes;
  }

  /** At the end of a capture: what is still held behind a gap that never filled, or undefined. */
  unfilled(): { bytes: number; segments: number; at: number } | undefined {
    return this.held.length && this.next !== undefined ? { bytes: this.heldBytes, segments: this.held.length, at: this.next } : undefined;
  }

  /** Feeds one segment sent in this direction. */
  segment(seq: number, flags: { syn: boolean; fin: boolean; rst: boolean }, data: Uint8Array): SegmentResult {
    const out: SegmentResult = { deliveries: [], notes: [], problems: [], ended: false };
    seq >>>= 0;
    if (flags.syn) {
      if (this.sawSyn && this.next !== undefined && seqDiff(seq + 1, this.next) !== 0 && this.delivered > 0) {
        out.notes.push('SYN with a new initial sequence number: a new connection on the same ports');
        this.reset();
      } else if (this.sawSyn && this.next !== undefined && seqDiff(seq + 1, this.next) === 0) {
        out.notes.push('retransmitted SYN');
      }
      this.sawSyn = true;
      this.next ??= (seq + 1) >>> 0;
      seq = (seq + 1) >>> 0; // data on a SYN starts after it (RFC 9293 §3.4)
    }
    if (this.next === undefined) {
      // the capture began after the handshake: take this segment as the start of the stream
      this.next = seq;
      if (data.length) out.notes.push('stream picked up mid-connection (no SYN seen)');
    }
    if (data.length) this.data(seq, data, out);
    if (flags.fin) {
      const fin = (seq + data.length) >>> 0;
      if (this.finSeq !== undefined && this.ended) out.notes.push('retransmitted FIN');
      this.finSeq ??= fin;
      if (seqDiff(fin, this.next) > 0) {
        // data before the FIN never arrived: the stream cannot complete
        this.skipGap(out, `the FIN came at seq ${fin} with the stream still at ${this.next}`);
      }
    }
    if (flags.rst) {
      out.notes.push('connection reset (RST)');
      this.ended = true;
      return { ...out, ended: true };
    }
    if (this.finSeq !== undefined && this.next === this.finSeq && !this.ended) {
      this.next = (this.next + 1) >>> 0; // the FIN takes one sequence number
      this.ended = true;
      return { ...out, ended: true };
    }
    return out;
  }

  private data(seq: number, data: Uint8Array, out: SegmentResult): void {
    const next = this.next!;
    const diff = seqDiff(seq, next);
    if (diff + data.length <= 0) {
      out.notes.push(`retransmission of ${data.length} byte(s) already seen`);
      return;
    }
    if (diff > 0) {
      this.hold(seq, data, out);
      return;
    }
    const trim = diff < 0 ? -diff : 0;
    if (trim > 0) out.notes.push(`overlaps ${trim} byte(s) already seen (retransmission with new data)`);
    this.deliver(data.subarray(trim), out, trim);
    this.drainHeld(out);
  }

  private deliver(bytes: Uint8Array, out: SegmentResult, fromThisSegment?: number, afterGap?: number): void {
    if (!bytes.length) return;
    out.deliveries.push({ streamOffset: this.delivered, bytes, ...(fromThisSegment !== undefined ? { fromThisSegment } : {}), ...(afterGap ? { afterGap } : {}) });
    this.delivered += bytes.length;
    this.next = (this.next! + bytes.length) >>> 0;
  }

  private hold(seq: number, data: Uint8Array, out: SegmentResult): void {
    const ahead = seqDiff(seq, this.next!);
    if (this.held.some((h) => h.seq === seq && h.bytes.length >= data.length)) {
      out.notes.push('retransmission of an out-of-order segment');
      return;
    }
    out.notes.push(`out of order: ${ahead} byte(s) ahead of the stream (a segment before it is missing so far)`);
    // the segment's bytes are copied: a capture reader's buffer may be reused (and a view would pin it)
    this.held.push({ seq, bytes: data.slice() });
    this.held.sort((a, b) => seqDiff(a.seq, b.seq));
    this.heldBytes += data.length;
    while (this.heldBytes > this.limits.maxHeldBytes || this.held.length > this.limits.maxHeldSegments) {
      this.skipGap(out, `more than ${this.limits.maxHeldBytes} bytes or ${this.limits.maxHeldSegments} segments held out of order`);
    }
  }

  /** Declares the bytes before the first held segment lost and delivers from there. */
  private skipGap(out: SegmentResult, why: string): void {
    const first = this.held[0];
    const to = first ? first.seq : this.finSeq;
    if (to === undefined) return;
    const gap = seqDiff(to, this.next!);
    if (gap <= 0) return;
    out.problems.push(`${gap} byte(s) of the stream at seq ${this.next} were never captured (${why})`);
    this.delivered += gap;
    this.next = to;
    this.pendingGap = gap;
    this.drainHeld(out);
  }

  private pendingGap = 0;

  private drainHeld(out: SegmentResult): void {
    while (this.held.length) {
      const h = this.held[0]!;
      const diff = seqDiff(h.seq, this.next!);
      if (diff > 0) break;
      this.held.shift();
      this.heldBytes -= h.bytes.length;
      const rest = h.bytes.subarray(Math.min(-diff, h.bytes.length));
      if (rest.length) {
        this.deliver(rest, out, undefined, this.pendingGap);
        this.pendingGap = 0;
      }
    }
  }

  private reset(): void {
    this.next = undefined;
    this.delivered = 0;
    this.held = [];
    this.heldBytes = 0;
    this.finSeq = undefined;
    this.ended = false;
    this.sawSyn = false;
    this.pendingGap = 0;
  }
}
