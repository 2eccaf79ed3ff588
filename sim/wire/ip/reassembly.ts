import type { Micros } from '../../core/time.ts';
import { SECOND } from '../../core/time.ts';
import { bytesEqual } from '../../core/encoding.ts';
import type { Problem } from '../field.ts';
import { decodeIpDatagram, type IpDatagram } from './datagram.ts';
import { fixIPv4Checksum } from './ipv4.ts';

/**
 * IP fragment reassembly (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6), sans-IO: fragments go in with the
 * time they arrived, whole datagrams come out; `expire(now)` drops what waited too long. Memory is bounded, so a
 * flood of fragments evicts the oldest partial datagrams instead of growing without limit.
 */
export interface ReassemblyLimits {
  /** How long a partial datagram may wait; RFC 791 suggests 15 s for IPv4, RFC 8200 §4.5 gives 60 s for IPv6. */
  readonly timeoutV4: Micros;
  readonly timeoutV6: Micros;
  /** Partial datagrams held at once; the oldest is evicted first. */
  readonly maxDatagrams: number;
  /** Bytes of fragment data held at once, over all partial datagrams (Linux's ipfrag_high_thresh is 4 MiB). */
  readonly maxBytes: number;
  /** Separate pieces one datagram may be held in; more means someone is sending confetti. */
  readonly maxPieces: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  timeoutV4: 15 * SECOND,
  timeoutV6: 60 * SECOND,
  maxDatagrams: 64,
  maxBytes: 4 * 1024 * 1024,
  maxPieces: 128,
};

export type ReassemblyResult =
  /** Not a fragment (or an IPv6 atomic fragment, RFC 6946): use it as it is. */
  | { readonly kind: 'whole'; readonly datagram: Uint8Array; readonly problems: readonly Problem[] }
  /** Held until the rest arrives. */
  | { readonly kind: 'pending'; readonly key: string; readonly problems: readonly Problem[] }
  /** The last missing piece arrived: the reassembled datagram, as if it had never been fragmented. */
  | { readonly kind: 'complete'; readonly key: string; readonly datagram: Uint8Array; readonly fragments: number; readonly problems: readonly Problem[] }
  /** This fragment, or the whole partial datagram it belonged to, was thrown away. */
  | { readonly kind: 'dropped'; readonly key?: string; readonly reason: string; readonly problems: readonly Problem[] };

export interface ExpiredDatagram {
  readonly key: string;
  readonly family: 4 | 6;
  /** Fragment data bytes received, and fragments received. */
  readonly received: number;
  readonly fragments: number;
  /** Whether the first fragment came: only then may an ICMP Time Exceeded be sent (RFC 792; RFC 8200 §4.5). */
  readonly firstFragmentSeen: boolean;
  readonly problem: Problem;
}

interface Piece {
  start: number;
  end: number;
  data: Uint8Array;
}

interface PartialDatagram {
  readonly key: string;
  readonly family: 4 | 6;
  readonly deadline: Micros;
  /** The bytes before the fragmentable part, from the offset-0 fragment. */
  head?: Uint8Array;
  /** IPv6: where in `head` the Next Header byte to patch is. */
  nextHeaderAt?: number;
  nextHeader?: number;
  /** Length of the fragmentable part, known once the last fragment arrived. */
  total?: number;
  pieces: Piece[];
  bytes: number;
  fragments: number;
  problems: Problem[];
}

const MAX_IP_LENGTH = 0xffff;

export class IpReassembler {
  private readonly limits: ReassemblyLimits;
  /** Insertion order is arrival order of each datagram's first fragment: the first entry is the oldest. */
  private readonly partials = new Map<string, PartialDatagram>();
  private heldBytes = 0;
  private evicted = 0;

  /**
   * `observer`: a capture's reader rather than the destination host. It sees one datagram's fragments once on every
   * link they cross, so an IPv6 fragment repeated with the same bytes is a copy, not an attack: kept quietly, as tshark
   * does; only overlaps that disagree discard the datagram (RFC 5722 is the destination's rule).
   */
  constructor(limits: Partial<ReassemblyLimits> = {}, private readonly options: { readonly observer?: boolean } = {}) {
    this.limits = { ...DEFAULT_REASSEMBLY_LIMITS, ...limits };
  }

  /** Partial datagrams evicted so far to stay within the limits (a sign of a flood or a lossy path). */
  get evictions(): number {
    return this.evicted;
  }

  /** Partial datagrams and fragment bytes held now. */
  get pending(): number {
    return this.partials.size;
  }

  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** The earliest time `expire` has something to do. */
  nextDeadline(): Micros | undefined {
    let at: Micros | undefined;
    for (const p of this.partials.values()) if (at === undefined || p.deadline < at) at = p.deadline;
    return at;
  }

  /** Feeds one IP datagram that arrived at `now`. */
  push(now: Micros, datagram: Uint8Array): ReassemblyResult {
    const d = decodeIpDatagram(datagram);
    const v = d.value;
    if (!v) return { kind: 'dropped', reason: d.problems[0]?.message ?? 'not an IP datagram', problems: d.problems };
    if (v.ipv4 && !v.ipv4.headerChecksumOk) return { kind: 'dropped', reason: 'bad IPv4 header checksum', problems: d.problems };
    if (!v.fragment) return { kind: 'whole', datagram, problems: d.problems };
    const f = v.fragment;
    const key = v.family === 4 ? `4 ${v.src} ${v.dst} ${v.protocol} ${f.identification}` : `6 ${v.src} ${v.dst} ${f.identification}`;
    const problems: Problem[] = [];
    const fragProblem = (message: string): Problem => ({ offset: 0, length: datagram.length, message: `${message} (fragment at offset ${f.offset} of ${key})` });

    const data = fragmentData(datagram, v);
    const start = f.offset;
    const end = start + data.length;
    // fragments other than the last carry a multiple of 8 bytes (RFC 791 §3.2; RFC 8200 §4.5)
    if (f.moreFragments && (data.length === 0 || data.length % 8 !== 0)) {
      return { kind: 'dropped', key, reason: `a non-last fragment of ${data.length} bytes (must be a non-zero multiple of 8)`, problems: [fragProblem('fragment length is not a multiple of 8')] };
    }

    let p = this.partials.get(key);
    if (p && now >= p.deadline) {
      this.discard(p);
      p = undefined;
    }
    if (!p) {
      p = { key, family: v.family, deadline: now + (v.family === 4 ? this.limits.timeoutV4 : this.limits.timeoutV6), pieces: [], bytes: 0, fragments: 0, problems: [] };
      this.partials.set(key, p);
    }
    p.fragments++;

    const headLength = start === 0 ? unfragmentableLength(v) : (p.head?.length ?? unfragmentableLength(v));
    if (headLength + end > MAX_IP_LENGTH) {
      return this.drop(p, `reassembled datagram would be ${headLength + end} bytes, more than 65535`, fragProblem('fragment ends beyond the largest possible datagram'));
    }
    if (!f.moreFragments) {
      if (p.total !== undefined && p.total !== end) {
        return this.drop(p, `two last fragments disagree on the length (${p.total} and ${end})`, fragProblem('inconsistent last fragment'));
      }
      const beyond = p.pieces.find((x) => x.end > end);
      if (beyond) return this.drop(p, `data at ${beyond.start}–${beyond.end} lies beyond the last fragment's end ${end}`, fragProblem('inconsistent last fragment'));
      p.total = end;
    } else if (p.total !== undefined && end > p.total) {
      return this.drop(p, `a fragment ends at ${end}, beyond the last fragment's end ${p.total}`, fragProblem('fragment beyond the end'));
    }

    const overlap = this.insert(p, start, data);
    if (overlap && !(p.family === 6 && this.options.observer === true && !overlap.conflict)) {
      if (p.family === 6) {
        // RFC 8200 §4.5 (after RFC 5722): overlapping IPv6 fragments discard the whole datagram
        return this.drop(p, `overlapping fragments at ${overlap.start}–${overlap.end}`, fragProblem('overlapping IPv6 fragments'));
      }
      const message = overlap.conflict
        ? `overlapping fragments disagree at ${overlap.start}–${overlap.end}; keeping the bytes that came first`
        : `overlapping fragments at ${overlap.start}–${overlap.end} (identical bytes)`;
      p.problems.push(fragProblem(message));
      problems.push(fragProblem(message));
    }
    if (start === 0 && !p.head) {
      p.head = datagram.slice(0, headLength);
      if (v.ipv6) {
        const fh = v.ipv6.fragment!;
        const before = v.ipv6.extensionHeaders.filter((e) => e.offset < fh.headerOffset).at(-1);
        p.nextHeaderAt = before ? before.offset : 6;
        p.nextHeader = datagram[fh.headerOffset]!;
      }
    }
    if (p.pieces.length > this.limits.maxPieces) {
      return this.drop(p, `more than ${this.limits.maxPieces} separate pieces`, fragProblem('too many fragments'));
    }
    for (const old of this.enforceLimits(p)) problems.push(fragProblem(`evicted the partial datagram ${old} to stay within the reassembly limits`));
    if (!this.partials.has(key)) {
      return { kind: 'dropped', key, reason: 'evicted at once: the reassembly memory limit is smaller than this datagram', problems: p.problems };
    }

    const whole = this.assemble(p);
    if (!whole) return { kind: 'pending', key, problems };
    this.discard(p);
    return { kind: 'complete', key, datagram: whole, fragments: p.fragments, problems: p.problems };
  }

  /** Drops every partial datagram whose time is up at `now`, saying what was missing. */
  expire(now: Micros): ExpiredDatagram[] {
    const out: ExpiredDatagram[] = [];
    for (const p of [...this.partials.values()]) {
      if (now < p.deadline) continue;
      this.discard(p);
      const total = p.total === undefined ? 'an unknown number of' : String(p.total);
      out.push({
        key: p.key,
        family: p.family,
        received: p.pieces.reduce((n, x) => n + x.end - x.start, 0),
        fragments: p.fragments,
        firstFragmentSeen: p.head !== undefined,
        problem: { offset: 0, length: 0, message: `reassembly of ${p.key} timed out with ${p.pieces.reduce((n, x) => n + x.end - x.start, 0)} of ${total} bytes` },
      });
    }
    return out;
  }

  /**
   * Adds the parts of [start, start+data.length) no earlier fragment covered ("first wins"), keeping pieces sorted.
   * Returns the first overlap and whether its bytes disagree with what was held.
   */
  private insert(p: PartialDatagram, start: number, data: Uint8Array): { start: number; end: number; conflict: boolean } | undefined {
    const end = start + data.length;
    let overlap: { start: number; end: number; conflict: boolean } | undefined;
    const fresh: Piece[] = [];
    let cursor = start;
    for (const x of p.pieces) {
      if (x.end <= cursor || x.start >= end) continue;
      if (x.start > cursor) fresh.push({ start: cursor, end: x.start, data: data.slice(cursor - start, x.start - start) });
      const os = Math.max(cursor, x.start);
      const oe = Math.min(end, x.end);
      const same = bytesEqual(data.subarray(os - start, oe - start), x.data.subarray(os - x.start, oe - x.start));
      if (!overlap) overlap = { start: os, end: oe, conflict: !same };
      else if (!same) overlap.conflict = true;
      cursor = Math.max(cursor, x.end);
    }
    if (cursor < end) fresh.push({ start: cursor, end, data: data.slice(cursor - start) });
    for (const piece of fresh) {
      p.pieces.push(piece);
      p.bytes += piece.data.length;
      this.heldBytes += piece.data.length;
    }
    if (fresh.length > 0) p.pieces.sort((a, b) => a.start - b.start);
    return overlap;
  }

  /** The datagram rebuilt from its pieces, or undefined while something is missing. */
  private assemble(p: PartialDatagram): Uint8Array | undefined {
    if (p.total === undefined || !p.head) return undefined;
    let cursor = 0;
    for (const x of p.pieces) {
      if (x.start > cursor) return undefined;
      cursor = Math.max(cursor, x.end);
    }
    if (cursor < p.total) return undefined;
    const out = new Uint8Array(p.head.length + p.total);
    out.set(p.head);
    for (const x of p.pieces) out.set(x.data, p.head.length + x.start);
    if (p.family === 4) {
      const total = out.length;
      out[2] = total >> 8;
      out[3] = total & 0xff;
      out[6] = out[6]! & 0x40; // keep DF; clear MF and the fragment offset
      out[7] = 0;
      fixIPv4Checksum(out);
    } else {
      const payloadLength = out.length - 40;
      out[4] = payloadLength >> 8;
      out[5] = payloadLength & 0xff;
      out[p.nextHeaderAt!] = p.nextHeader!;
    }
    return out;
  }

  private drop(p: PartialDatagram, reason: string, problem: Problem): ReassemblyResult {
    this.discard(p);
    return { kind: 'dropped', key: p.key, reason, problems: [...p.problems, problem] };
  }

  private discard(p: PartialDatagram): void {
    if (this.partials.get(p.key) !== p) return;
    this.partials.delete(p.key);
    this.heldBytes -= p.bytes;
  }

  /** Evicts the oldest partial datagrams until both limits hold again. */
  private enforceLimits(current: PartialDatagram): string[] {
    const gone: string[] = [];
    for (const p of [...this.partials.values()]) {
      if (this.partials.size <= this.limits.maxDatagrams && this.heldBytes <= this.limits.maxBytes) break;
      if (p === current && this.partials.size > 1) continue;
      this.discard(p);
      this.evicted++;
      if (p !== current) gone.push(p.key);
    }
    return gone;
  }
}


/** IPv4: the header; IPv6: everything before the Fragment header (the "unfragmentable part"). */
function unfragmentableLength(v: IpDatagram): number {
  return v.ipv4 ? v.ipv4.headerLength : v.ipv6!.fragment!.headerOffset;
}

/** The fragment's share of the original payload. */
function fragmentData(datagram: Uint8Array, v: IpDatagram): Uint8Array {
  if (v.ipv4) return datagram.subarray(v.ipv4.headerLength, v.ipv4.headerLength + v.ipv4.payloadLength);
  const at = v.ipv6!.fragment!.headerOffset + 8;
  const end = Math.min(datagram.length, 40 + v.ipv6!.payloadLength);
  return datagram.subarray(at, Math.max(at, end));
}
