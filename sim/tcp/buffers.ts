import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.ts';

/** Bytes written by the app and not yet acknowledged: offset 0 is SND.UNA (RFC 9293 §3.3.1). */
export class SendBuffer {
  private buf: Uint8Array;
  private head = 0;
  private tail = 0;

  constructor(readonly capacity: number) {
    this.buf = new Uint8Array(Math.min(capacity, 65536));
  }

  get length(): number {
    return this.tail - this.head;
  }

  get free(): number {
    return this.capacity - this.length;
  }

  /** Appends as much of `data` as fits; returns how many bytes were taken. */
  append(data: Uint8Array): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    if (this.tail + n > this.buf.length) {
      const live = this.length;
      let size = this.buf.length;
      while (size < live + n) size *= 2;
      size = Math.max(Math.min(size, this.capacity), live + n);
      if (size === this.buf.length) {
        this.buf.copyWithin(0, this.head, this.tail);
      } else {
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(this.head, this.tail), 0);
        this.buf = next;
      }
      this.head = 0;
      this.tail = live;
    }
    this.buf.set(data.subarray(0, n), this.tail);
    this.tail += n;
    return n;
  }

  /** A copy of `length` bytes from `offset` (relative to SND.UNA). */
  slice(offset: number, length: number): Uint8Array {
    return this.buf.slice(this.head + offset, this.head + offset + length);
  }

  /** Drops `n` acknowledged bytes from the front. */
  consume(n: number): void {
    this.head += Math.min(n, this.length);
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }
}

interface Piece {
  seq: number;
  data: Uint8Array;
}

/**
 * Received bytes: in order ones waiting for the app to read, and out-of-order ones held until the hole before
 * them fills (RFC 9293 §3.10.7.4 "seventh, process the segment text"), which also yield SACK blocks (RFC 2018 §4).
 */
export class ReceiveBuffer {
  private readable: Uint8Array[] = [];
  private readableOffset = 0;
  readableBytes = 0;
  /** Out-of-order pieces, sorted, never overlapping. */
  private ooo: Piece[] = [];
  oooBytes = 0;
  /** Sequence number of the most recently received out-of-order piece (the first SACK block, RFC 2018 §4). */
  private lastOoo: number | undefined;

  /**
   * Takes a segment's text already trimmed to the receive window. Returns by how much RCV.NXT advanced; 0 when
   * it was held out of order (or was a duplicate).
   */
  insert(seq: number, data: Uint8Array, rcvNxt: number): number {
    if (data.length === 0) return 0;
    if (seqLe(seqAdd(seq, data.length), rcvNxt)) return 0;
    if (seqLt(seq, rcvNxt)) {
      data = data.subarray(seqDiff(rcvNxt, seq));
      seq = rcvNxt;
    }
    if (seq !== rcvNxt) {
      this.hold(seq, data);
      return 0;
    }
    let next = seqAdd(seq, data.length);
    this.pushReadable(data);
    // pull pieces that are now contiguous
    while (this.ooo.length > 0 && seqLe(this.ooo[0]!.seq, next)) {
      const p = this.ooo.shift()!;
      this.oooBytes -= p.data.length;
      const end = seqAdd(p.seq, p.data.length);
      if (seqGt(end, next)) {
        this.pushReadable(p.data.subarray(seqDiff(next, p.seq)));
        next = end;
      }
    }
    if (this.ooo.length === 0) this.lastOoo = undefined;
    return seqDiff(next, rcvNxt);
  }

  get hasOutOfOrder(): boolean {
    return this.ooo.length > 0;
  }

  /** Holds a piece that lies beyond a hole, merged with the pieces it touches. */
  private hold(seq: number, data: Uint8Array): void {
    let end = seqAdd(seq, data.length);
    // merge with overlapping or adjacent pieces into one
    const keep: Piece[] = [];
    for (const p of this.ooo) {
      const pend = seqAdd(p.seq, p.data.length);
      if (seqLt(pend, seq) || seqGt(p.seq, end)) {
        keep.push(p);
        continue;
      }
      const lo = seqLt(p.seq, seq) ? p.seq : seq;
      const hi = seqGt(pend, end) ? pend : end;
      const merged = new Uint8Array(seqDiff(hi, lo));
      merged.set(p.data, seqDiff(p.seq, lo));
      merged.set(data, seqDiff(seq, lo));
      this.oooBytes -= p.data.length;
      seq = lo;
      end = hi;
      data = merged;
    }
    keep.push({ seq, data });
    keep.sort((a, b) => seqDiff(a.seq, b.seq));
    this.ooo = keep;
    this.oooBytes += data.length;
    this.lastOoo = seq;
  }

  /** Up to `max` SACK blocks: the one holding the latest arrival first, then the others in order (RFC 2018 §4). */
  sackBlocks(max: number): { left: number; right: number }[] {
    const blocks = this.ooo.map((p) => ({ left: p.seq, right: seqAdd(p.seq, p.data.length) }));
    const i = this.lastOoo === undefined ? -1 : blocks.findIndex((b) => seqGe(this.lastOoo!, b.left) && seqLt(this.lastOoo!, b.right));
    if (i > 0) blocks.unshift(...blocks.splice(i, 1));
    return blocks.slice(0, max);
  }

  private pushReadable(data: Uint8Array): void {
    this.readable.push(data.slice());
    this.readableBytes += data.length;
  }

  /** Removes and returns up to `max` in-order bytes. */
  read(max: number): Uint8Array {
    const n = Math.min(max, this.readableBytes);
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.readable[0]!;
      const take = Math.min(c.length - this.readableOffset, n - o);
      out.set(c.subarray(this.readableOffset, this.readableOffset + take), o);
      o += take;
      this.readableOffset += take;
      if (this.readableOffset === c.length) {
        this.readable.shift();
        this.readableOffset = 0;
      }
    }
    this.readableBytes -= n;
    return out;
  }
}
