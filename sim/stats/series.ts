import type { Micros } from '../core/time.ts';

/**
 * Counters in fixed time buckets (webrtc-internals samples getStats once a second; from packets we can cut finer).
 * A bucket is created when something falls in it; the report fills the gaps with zeros.
 */
export interface StreamBucket {
  packets: number;
  /** RTP packet bytes (header, payload, padding, SRTP tag) and payload bytes (as getStats counts bytesReceived). */
  bytes: number;
  payloadBytes: number;
  /** Received minus expected from the advance of the highest sequence number (RFC 3550 A.3), per bucket. */
  expected: number;
  /** The stream's jitter (ms) after the bucket's last packet. */
  jitterMs: number | undefined;
  /** Video frames begun in the bucket (a new, later RTP timestamp), and frames ended (marker bit, RFC 3551 §5). */
  frames: number;
  markers: number;
  /** Feedback about this SSRC sent in the bucket (RFC 4585 §6.2.1, §6.3.1; RFC 5104 §4.3.1). */
  nack: number;
  nackedPackets: number;
  pli: number;
  fir: number;
  /** Round-trip times (ms) from reception reports about this SSRC (LSR/DLSR, RFC 3550 §6.4.1). */
  rttMs: number[];
  /** What the last reception report about this SSRC in the bucket said: fraction lost (0–1), jitter (ms). */
  reportedFractionLost: number | undefined;
  reportedJitterMs: number | undefined;
}

export interface PairBucket {
  /** Packets and UDP payload bytes each way: from the pair's first endpoint to its second, and back. */
  packetsAB: number;
  bytesAB: number;
  packetsBA: number;
  bytesBA: number;
  /** STUN requests and responses seen, and the round-trip times of answered, never-retransmitted requests. */
  requests: number;
  responses: number;
  rttMs: number[];
}

export const newStreamBucket = (): StreamBucket => ({
  packets: 0,
  bytes: 0,
  payloadBytes: 0,
  expected: 0,
  jitterMs: undefined,
  frames: 0,
  markers: 0,
  nack: 0,
  nackedPackets: 0,
  pli: 0,
  fir: 0,
  rttMs: [],
  reportedFractionLost: undefined,
  reportedJitterMs: undefined,
});

export const newPairBucket = (): PairBucket => ({ packetsAB: 0, bytesAB: 0, packetsBA: 0, bytesBA: 0, requests: 0, responses: 0, rttMs: [] });

/** Adds a later bucket of a stream (or of RTCP about an SSRC) into a wider one that contains it. */
export function mergeStreamBucket(into: StreamBucket, later: StreamBucket): void {
  into.packets += later.packets;
  into.bytes += later.bytes;
  into.payloadBytes += later.payloadBytes;
  into.expected += later.expected;
  // a stream's bucket exists once a packet fell in it: the jitter after the last packet is the later bucket's
  if (later.packets > 0) into.jitterMs = later.jitterMs;
  into.frames += later.frames;
  into.markers += later.markers;
  into.nack += later.nack;
  into.nackedPackets += later.nackedPackets;
  into.pli += later.pli;
  into.fir += later.fir;
  into.rttMs.push(...later.rttMs);
  if (later.reportedFractionLost !== undefined) into.reportedFractionLost = later.reportedFractionLost;
  if (later.reportedJitterMs !== undefined) into.reportedJitterMs = later.reportedJitterMs;
}

export function mergePairBucket(into: PairBucket, later: PairBucket): void {
  into.packetsAB += later.packetsAB;
  into.bytesAB += later.bytesAB;
  into.packetsBA += later.packetsBA;
  into.bytesBA += later.bytesBA;
  into.requests += later.requests;
  into.responses += later.responses;
  into.rttMs.push(...later.rttMs);
}

/** Buckets by index (⌊t / width⌋), made as they are needed. */
export class Buckets<B> {
  readonly byIndex = new Map<number, B>();

  constructor(
    readonly width: Micros,
    private readonly make: () => B,
  ) {}

  at(t: Micros): B {
    const i = Math.floor(t / this.width);
    let b = this.byIndex.get(i);
    if (!b) {
      b = this.make();
      this.byIndex.set(i, b);
    }
    return b;
  }

  /**
   * The same counts in buckets `width` wide, a multiple of this width (⌊⌊t / w⌋·w / W⌋ = ⌊t / W⌋: each bucket falls
   * whole into one wider bucket), merged in time order: what the buckets would be had they been `width` wide from the
   * start.
   */
  regroup(width: Micros, merge: (into: B, later: B) => void): Buckets<B> {
    if (!(width > 0) || width % this.width !== 0) throw new RangeError(`cannot regroup ${this.width} µs buckets into ${width} µs ones`);
    const out = new Buckets(width, this.make);
    for (const i of [...this.byIndex.keys()].sort((a, b) => a - b)) merge(out.at(i * this.width), this.byIndex.get(i)!);
    return out;
  }

  /** Every bucket from the first to `last` (inclusive), gaps filled with empty ones. */
  dense(first: number, last: number): B[] {
    const out: B[] = [];
    for (let i = first; i <= last; i++) out.push(this.byIndex.get(i) ?? this.make());
    return out;
  }
}
