import { bytesEqual } from '../core/encoding.ts';
import { formatTransportAddress, sameTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { addRange, type FragmentInput } from '../wire/dtls/fragment.ts';
import { dtlsNote, type DtlsNote } from './notes.ts';

/**
 * Joins a ClientHello that a client sent as several handshake fragments in several datagrams (RFC 6347 §4.2.3,
 * RFC 9147 §5.5), before the server has answered it statelessly.
 *
 * RFC 6347 §4.2.1 and RFC 9147 §5.1 want a server to keep no per-client state until the cookie round trip has
 * proved the client's address; but the cookie answer is computed over the whole ClientHello (our HelloVerifyRequest
 * cookie covers it, the HelloRetryRequest cookie carries its hash), and a post-quantum hello (Chromium's
 * X25519MLKEM768 share is 1216 bytes) does not fit one 1200-byte datagram. So some state is unavoidable; it is
 * bounded here, as RFC 9001 §4.3 advises QUIC servers for the same problem: one buffer per source address and port,
 * at most `maxSources` of them (the oldest is dropped for a new source), each at most `maxLength` bytes (a larger
 * claimed length allocates nothing), alive at most `lifetime` from its first fragment, dropped when the hello is
 * complete. The whole worst case is maxSources × maxLength bytes, whatever a spoofing sender does. Nothing here
 * decides anything about the handshake: the joined hello goes through the same stateless checks as a whole one.
 */
export interface HelloAssemblyLimits {
  readonly maxSources: number;
  readonly maxLength: number;
  readonly lifetime: Micros;
}

/** 8 sources × 8 KiB: room for hybrid and multi-share hellos (Chromium's is 1413 bytes), 64 KiB at worst. */
export const HELLO_ASSEMBLY_LIMITS: HelloAssemblyLimits = { maxSources: 8, maxLength: 8192, lifetime: 2_000_000 };

export type HelloAssemblyResult =
  | { readonly kind: 'whole'; readonly messageSeq: number; readonly body: Uint8Array; readonly recordSeq: number; readonly fragments: number }
  | { readonly kind: 'pending' }
  /** The fragment was refused (and, for `conflict`, the source's buffer dropped); `reason` says what and where. */
  | { readonly kind: 'refused'; readonly reason: string; readonly dropped: boolean };

interface PendingHello {
  readonly from: TransportAddress;
  readonly messageSeq: number;
  readonly length: number;
  readonly body: Uint8Array;
  /** Sorted, disjoint, non-adjacent [start, end) ranges received. */
  ranges: [number, number][];
  readonly startedAt: Micros;
  recordSeq: number;
  fragments: number;
}

export class HelloAssembly {
  private buffers: PendingHello[] = [];
  /** Events for a caller's counters: sources evicted to make room, buffers expired. */
  readonly stats = { evicted: 0, expired: 0, joined: 0 };

  constructor(private readonly limits: HelloAssemblyLimits = HELLO_ASSEMBLY_LIMITS) {}

  /** Buffers held now (for tests and summaries). */
  get size(): number {
    return this.buffers.length;
  }

  /** Bytes allocated now. */
  get bytes(): number {
    return this.buffers.reduce((n, b) => n + b.body.length, 0);
  }

  /**
   * One ClientHello fragment from `from`, carried in the record numbered `recordSeq`. A whole unfragmented hello
   * should not come here (it needs no state); if it does, it is returned whole and any buffer of that source dropped.
   */
  push(now: Micros, from: TransportAddress, f: FragmentInput, recordSeq: number): HelloAssemblyResult {
    this.expire(now);
    const where = `ClientHello fragment from ${formatTransportAddress(from)} (message_seq ${f.messageSeq}, ${f.fragmentOffset}..${f.fragmentOffset + f.fragment.length} of ${f.length})`;
    const end = f.fragmentOffset + f.fragment.length;
    if (end > f.length) return { kind: 'refused', reason: `${where}: runs past the length it claims`, dropped: false };
    const i = this.buffers.findIndex((b) => sameTransportAddress(b.from, from));
    let b = i >= 0 ? this.buffers[i] : undefined;
    if (f.fragmentOffset === 0 && f.fragment.length === f.length) {
      if (b) this.buffers.splice(i, 1);
      return { kind: 'whole', messageSeq: f.messageSeq, body: f.fragment, recordSeq, fragments: 1 };
    }
    if (f.length > this.limits.maxLength) return { kind: 'refused', reason: `${where}: claims ${f.length} bytes, over the ${this.limits.maxLength}-byte limit for an unauthenticated hello`, dropped: false };
    if (b && f.messageSeq < b.messageSeq) return { kind: 'refused', reason: `${where}: older than the message_seq ${b.messageSeq} being joined`, dropped: false };
    if (b && (f.messageSeq > b.messageSeq)) {
      // RFC 6347 §4.2.2: a new ClientHello (the one after a HelloVerifyRequest) replaces the unfinished older one
      this.buffers.splice(i, 1);
      b = undefined;
    }
    if (b && b.length !== f.length) {
      this.buffers.splice(this.buffers.indexOf(b), 1);
      return { kind: 'refused', reason: `${where}: earlier fragments said ${b.length} bytes; buffer dropped`, dropped: true };
    }
    if (b) {
      // RFC 6347 §4.2.3: overlapping fragments are allowed, but the bytes received twice must agree
      for (const [s, e] of b.ranges) {
        const lo = Math.max(s, f.fragmentOffset);
        const hi = Math.min(e, end);
        if (lo < hi && !bytesEqual(b.body.subarray(lo, hi), f.fragment.subarray(lo - f.fragmentOffset, hi - f.fragmentOffset))) {
          this.buffers.splice(this.buffers.indexOf(b), 1);
          return { kind: 'refused', reason: `${where}: bytes ${lo}..${hi} differ from an earlier fragment; buffer dropped`, dropped: true };
        }
      }
    } else {
      if (this.buffers.length >= this.limits.maxSources) {
        // the oldest buffer goes: a flood of spoofed sources costs the real client at most a retransmission
        this.buffers.sort((x, y) => x.startedAt - y.startedAt);
        this.buffers.shift();
        this.stats.evicted++;
      }
      b = { from, messageSeq: f.messageSeq, length: f.length, body: new Uint8Array(f.length), ranges: [], startedAt: now, recordSeq, fragments: 0 };
      this.buffers.push(b);
    }
    b.body.set(f.fragment, f.fragmentOffset);
    if (f.fragment.length > 0) addRange(b.ranges, f.fragmentOffset, end);
    b.recordSeq = Math.max(b.recordSeq, recordSeq);
    b.fragments++;
    const r = b.ranges[0];
    if (b.ranges.length !== 1 || !r || r[0] !== 0 || r[1] !== b.length) return { kind: 'pending' };
    this.buffers.splice(this.buffers.indexOf(b), 1);
    this.stats.joined++;
    return { kind: 'whole', messageSeq: b.messageSeq, body: b.body, recordSeq: b.recordSeq, fragments: b.fragments };
  }

  /** Drops every buffer (the server took a ClientHello with a valid cookie and keeps real state now). */
  clear(): void {
    this.buffers = [];
  }

  private expire(now: Micros): void {
    const before = this.buffers.length;
    this.buffers = this.buffers.filter((b) => now - b.startedAt <= this.limits.lifetime);
    this.stats.expired += before - this.buffers.length;
  }
}

/**
 * Feeds one ClientHello fragment to `assembly` and notes what happened: the joined hello (and how many fragments
 * it took) when it became whole, a refusal naming the lie. Undefined while it waits or when refused.
 */
export function joinHello(assembly: HelloAssembly, now: Micros, from: TransportAddress, f: FragmentInput, recordSeq: number, note: (n: DtlsNote) => void, rfc: string): Extract<HelloAssemblyResult, { kind: 'whole' }> | undefined {
  const r = assembly.push(now, from, f, recordSeq);
  const at = formatTransportAddress(from);
  if (r.kind === 'refused') note(dtlsNote('dtls.hello-fragments', `${r.reason} (${rfc})`, { event: 'refused', from: at, fragments: null, length: f.length }));
  if (r.kind !== 'whole') return undefined;
  if (r.fragments > 1) note(dtlsNote('dtls.hello-fragments', `ClientHello of ${r.body.length} bytes from ${at} joined from ${r.fragments} fragments (${rfc}), answered as one`, { event: 'joined', from: at, fragments: r.fragments, length: r.body.length }));
  return r;
}
