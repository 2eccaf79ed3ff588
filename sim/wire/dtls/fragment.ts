import { bytesEqual } from '../../core/encoding.ts';
import type { Problem } from '../field.ts';
import { HANDSHAKE_HEADER_SIZE, encodeHandshakeBody, encodeHandshakeFragment, msgTypeOf } from './handshake.ts';
import type { HandshakeMessage } from './handshake.ts';
import { handshakeTypeName } from '../handshake/names.ts';

/** Handshake fragmentation and reassembly (RFC 6347 §4.2.3). */

/**
 * Splits a message body into header+fragment pieces, each at most `maxSize` bytes including the 12-byte header
 * (so each fits in a record payload of that size). An empty body still yields one fragment.
 */
export function fragmentHandshakeBody(msgType: number, messageSeq: number, body: Uint8Array, maxSize: number): Uint8Array[] {
  const room = maxSize - HANDSHAKE_HEADER_SIZE;
  if (!(room >= 1)) throw new RangeError(`fragment size ${maxSize} leaves no room after the 12-byte handshake header`);
  const out: Uint8Array[] = [];
  let off = 0;
  do {
    const piece = body.subarray(off, Math.min(body.length, off + room));
    out.push(encodeHandshakeFragment(msgType, messageSeq, body.length, off, piece));
    off += piece.length;
  } while (off < body.length);
  return out;
}

export function fragmentHandshake(m: HandshakeMessage, maxSize: number): Uint8Array[] {
  return fragmentHandshakeBody(msgTypeOf(m.body), m.messageSeq, encodeHandshakeBody(m.body), maxSize);
}

/** What the reassembler needs from a fragment (a decoded `HandshakeFragment` fits). */
export interface FragmentInput {
  readonly msgType: number;
  readonly length: number;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  readonly fragment: Uint8Array;
  /** Where the fragment came from, for problem offsets. */
  readonly offset?: number;
}

export interface ReassembledMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  /** Header (fragment_offset 0, fragment_length = length) + body: the bytes the handshake hash covers. */
  readonly bytes: Uint8Array;
}

export interface ReassemblerOptions {
  /** Deliver strictly in message_seq order starting at `firstMessageSeq` (a state machine), or as soon as whole (a dissector). */
  readonly ordered?: boolean;
  readonly firstMessageSeq?: number;
  /** Largest message body accepted (allocation guard against a hostile length). Default 64 KiB. */
  readonly maxMessageLength?: number;
  /** Most messages buffered at once. Default 16. */
  readonly maxPendingMessages?: number;
  /** In ordered mode, how far past the next expected message_seq a fragment may be. Default 16. */
  readonly maxSeqAhead?: number;
}

export interface PushResult {
  readonly messages: ReassembledMessage[];
  readonly problems: Problem[];
  /** The fragment belonged to a message already delivered (a retransmission). */
  readonly duplicate: boolean;
}

interface Pending {
  msgType: number;
  length: number;
  buf: Uint8Array;
  /** Sorted, disjoint, non-adjacent [start, end) ranges received so far. */
  ranges: [number, number][];
}

export class HandshakeReassembler {
  private readonly ordered: boolean;
  private readonly maxLength: number;
  private readonly maxPending: number;
  private readonly maxAhead: number;
  private readonly pending = new Map<number, Pending>();
  private readonly delivered = new Set<number>();
  /** Ordered mode: the next message_seq to deliver. */
  nextSeq: number;

  constructor(options: ReassemblerOptions = {}) {
    this.ordered = options.ordered ?? true;
    this.nextSeq = options.firstMessageSeq ?? 0;
    this.maxLength = options.maxMessageLength ?? 65536;
    this.maxPending = options.maxPendingMessages ?? 16;
    this.maxAhead = options.maxSeqAhead ?? 16;
  }

  push(f: FragmentInput): PushResult {
    const problems: Problem[] = [];
    const at = f.offset ?? 0;
    const bad = (message: string): PushResult => {
      problems.push({ offset: at, length: HANDSHAKE_HEADER_SIZE + f.fragment.length, message });
      return { messages: [], problems, duplicate: false };
    };
    const end = f.fragmentOffset + f.fragment.length;
    if (end > f.length) return bad(`fragment ${f.fragmentOffset}..${end} runs past message length ${f.length}`);
    if (f.length > this.maxLength) return bad(`message length ${f.length} exceeds the limit of ${this.maxLength}`);
    if (this.ordered ? f.messageSeq < this.nextSeq : this.delivered.has(f.messageSeq)) {
      return { messages: [], problems, duplicate: true };
    }
    if (this.ordered && f.messageSeq > this.nextSeq + this.maxAhead) {
      return bad(`message_seq ${f.messageSeq} is too far ahead of ${this.nextSeq}`);
    }
    let p = this.pending.get(f.messageSeq);
    if (!p) {
      if (this.pending.size >= this.maxPending) return bad(`too many messages in reassembly (${this.maxPending})`);
      p = { msgType: f.msgType, length: f.length, buf: new Uint8Array(f.length), ranges: [] };
      this.pending.set(f.messageSeq, p);
    } else if (p.msgType !== f.msgType || p.length !== f.length) {
      return bad(
        `fragment of message_seq ${f.messageSeq} says ${handshakeTypeName(f.msgType)}/${f.length} bytes, earlier fragments said ${handshakeTypeName(p.msgType)}/${p.length}`,
      );
    }
    // Bytes received twice must agree (RFC 6347 §4.2.3 allows overlap, never different content).
    for (const [s, e] of p.ranges) {
      const lo = Math.max(s, f.fragmentOffset);
      const hi = Math.min(e, end);
      if (lo < hi && !bytesEqual(p.buf.subarray(lo, hi), f.fragment.subarray(lo - f.fragmentOffset, hi - f.fragmentOffset))) {
        return bad(`overlapping fragment of message_seq ${f.messageSeq} disagrees with earlier bytes at ${lo}..${hi}`);
      }
    }
    p.buf.set(f.fragment, f.fragmentOffset);
    if (f.fragment.length > 0 || f.length === 0) addRange(p.ranges, f.fragmentOffset, end);
    return { messages: this.collect(f.messageSeq), problems, duplicate: false };
  }

  private whole(p: Pending): boolean {
    return p.length === 0 ? p.ranges.length > 0 : p.ranges.length === 1 && p.ranges[0]![0] === 0 && p.ranges[0]![1] === p.length;
  }

  private take(seq: number, p: Pending): ReassembledMessage {
    this.pending.delete(seq);
    this.delivered.add(seq);
    return { msgType: p.msgType, messageSeq: seq, body: p.buf, bytes: encodeHandshakeFragment(p.msgType, seq, p.length, 0, p.buf) };
  }

  private collect(seq: number): ReassembledMessage[] {
    const out: ReassembledMessage[] = [];
    if (!this.ordered) {
      const p = this.pending.get(seq);
      if (p && this.whole(p)) out.push(this.take(seq, p));
      return out;
    }
    for (;;) {
      const p = this.pending.get(this.nextSeq);
      if (!p || !this.whole(p)) return out;
      out.push(this.take(this.nextSeq, p));
      this.nextSeq++;
    }
  }

  /** Message sequence numbers still incomplete. */
  get incomplete(): number[] {
    return [...this.pending.keys()].sort((a, b) => a - b);
  }
}

/** Adds [s, e) to a sorted list of covered byte ranges, merging overlaps (the reassembly bookkeeping of RFC 6347 §4.2.3). */
export function addRange(ranges: [number, number][], s: number, e: number): void {
  ranges.push([s, e]);
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  ranges.length = 0;
  ranges.push(...merged);
}
