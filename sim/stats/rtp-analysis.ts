import type { Micros } from '../core/time.ts';
import type { RtpHeader } from '../wire/rtp/rtp.ts';

/**
 * One RTP stream's analysis as Wireshark's Telephony → RTP → Stream Analysis gives it (the facts from
 * ui/tap-rtp-analysis.c, not its code): per packet, the delta to the previous in-sequence packet, the interarrival
 * jitter of RFC 3550 §6.4.1 / A.8 in milliseconds (J += (|D| − J)/16 with D the arrival spacing minus the timestamp
 * spacing), skew (nominal time minus arrival time) and the least-squares clock drift; per stream, sequence errors,
 * lost (expected from the sequence numbers minus received), out of order and duplicates.
 * Packets whose marker bit is set, or whose timestamp is older than the last in-sequence one, are left out of
 * the maximum delta and the jitter averages, as Wireshark leaves them out.
 */
export interface RtpAnalysisResult {
  readonly packets: number;
  readonly expected: number;
  readonly lost: number;
  readonly lostPercent: number;
  /** Times the sequence number was not the one after the previous (Wireshark's "sequence errors"). */
  readonly sequenceErrors: number;
  /** Packets whose sequence number was below the highest seen and not seen before. */
  readonly outOfOrder: number;
  /** Packets whose sequence number had been seen lately. */
  readonly duplicates: number;
  readonly maxDeltaMs: number;
  /** The packet (0-based index in the capture) that ended the largest gap. */
  readonly maxDeltaPacket: number | undefined;
  readonly meanJitterMs: number;
  readonly maxJitterMs: number;
  /** The jitter after the last packet. */
  readonly jitterMs: number;
  /** Largest skew (ms): positive when the timestamps ran ahead of the arrivals. */
  readonly maxSkewMs: number;
  /**
   * Clock drift over the stream (ms) from the least-squares fit of nominal time on arrival time, and in ppm; null
   * without a clock rate or with under 10 packets over less than a second (a fit on a few packets says nothing).
   */
  readonly clockDriftMs: number | null;
  readonly clockDriftPpm: number | null;
  readonly markers: number;
  readonly clockRate: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export class RtpAnalysis {
  packets = 0;
  sequenceErrors = 0;
  outOfOrder = 0;
  duplicates = 0;
  markers = 0;
  maxDeltaMs = 0;
  maxDeltaPacket: number | undefined;
  jitterMs = 0;
  maxJitterMs = 0;
  meanJitterMs = 0;
  maxSkewMs = 0;
  /** The clock rate of the last packet's payload type (0: unknown, no jitter computed). */
  clockRate = 0;
  firstSeq = 0;
  lastSeq = 0;
  private seq = 0;
  private lastPt = -1;
  private startSeq = 0;
  private cycles = 0;
  private under = false;
  /** Arrival times (ms) of the first and of the last in-sequence packet; the first packet's timestamp. */
  private startTime = 0;
  private time = 0;
  private firstTimestamp = 0;
  /** The last in-sequence packet's nominal time (ms after the first, from its timestamp) and arrival (ditto). */
  private lastNominal = 0;
  private lastArrival = 0;
  /** The spacing (ms) from the previous in-sequence packet. */
  private delta = 0;
  private readonly sums = { t: 0, ts: 0, t2: 0, tts: 0, n: 0 };
  /** Highest extended sequence number, and one bit per sequence number seen in the last half cycle. */
  private maxExt = 0;
  private readonly seen = new Uint8Array(8192);

  /** Counts one packet arriving at `t`; `clockRate` is its payload type's (0 when unknown). */
  add(h: RtpHeader, t: Micros, index: number, clockRate: number): void {
    const now = t / 1000;
    const seq = h.sequenceNumber;
    const ts = h.timestamp >>> 0;
    this.order(seq);
    if (h.marker) this.markers++;
    if (this.packets === 0) {
      this.firstSeq = this.startSeq = this.seq = this.lastSeq = seq;
      this.startTime = this.time = now;
      this.firstTimestamp = ts;
      this.packets = 1;
      this.lastPt = h.payloadType;
      if (clockRate) this.clockRate = clockRate;
      return;
    }
    // a timestamp less than half the range after the first packet's is in sequence; one before it is in the past
    const sinceFirst = (ts - this.firstTimestamp + 0x100000000) % 0x100000000;
    const inTime = sinceFirst < 0x80000000;
    // a sequence number below the first starts another cycle (the first packet after a wrap); above it, the cycle is over
    if (inTime && !this.under && (seq < this.startSeq || (seq === 0 && this.lastSeq === 65535))) {
      this.cycles++;
      this.under = true;
    } else if (inTime && this.under && seq > this.startSeq) this.under = false;
    if (inTime && ((this.seq + 1) & 0xffff) === seq) this.seq = seq;
    else if (inTime && (this.seq + 1 < seq || this.seq - seq > 0xff00)) {
      this.seq = seq;
      this.sequenceErrors++;
    } else if (this.seq + 1 > seq) this.sequenceErrors++;
    let jitterNow = 0;
    if (inTime) {
      this.delta = now - this.time;
      if (clockRate) {
        this.clockRate = clockRate;
        const arrival = now - this.startTime;
        // timestamp units to ms, the clock rate in whole kHz as Wireshark divides it
        const nominal = sinceFirst / Math.floor(clockRate / 1000);
        // RFC 3550 §6.4.1: D is the arrival spacing minus the timestamp spacing; J moves 1/16 of the way to |D|
        const diff = Math.abs(now - (this.time + (nominal - this.lastNominal)));
        jitterNow = (15 * this.jitterMs + diff) / 16;
        this.jitterMs = jitterNow;
        this.lastNominal = nominal;
        const skew = nominal - arrival;
        if (Math.abs(skew) > Math.abs(this.maxSkewMs)) this.maxSkewMs = skew;
        const s = this.sums;
        s.t += arrival;
        s.ts += nominal;
        s.t2 += arrival * arrival;
        s.tts += arrival * nominal;
        s.n++;
        this.lastArrival = arrival;
      }
    }
    // comfort noise (PT 13, and 19 of RFC 1890) and the packet after it are not regular spacings either
    const cn = h.payloadType === 13 || h.payloadType === 19 || this.lastPt === 13 || this.lastPt === 19;
    this.lastPt = h.payloadType;
    if (!h.marker && inTime && !cn) {
      if (this.delta > this.maxDeltaMs) {
        this.maxDeltaMs = this.delta;
        this.maxDeltaPacket = index;
      }
      if (clockRate) {
        if (this.jitterMs > this.maxJitterMs) this.maxJitterMs = this.jitterMs;
        // the mean over the spacings (n packets, n − 1 spacings), as Wireshark averages it
        this.meanJitterMs = (this.meanJitterMs * (this.packets - 1) + jitterNow) / this.packets;
      }
    }
    if (inTime) this.time = now;
    this.lastSeq = seq;
    this.packets++;
  }

  /** Out of order and duplicates from the sequence numbers seen in the last half cycle (RFC 3550 A.1). */
  private order(seq: number): void {
    if (this.packets === 0) {
      this.maxExt = seq;
      this.seen[seq >> 3]! |= 1 << (seq & 7);
      return;
    }
    const max = this.maxExt & 0xffff;
    const ahead = (seq - max + 65536) % 65536;
    if ((this.seen[seq >> 3]! & (1 << (seq & 7))) !== 0) {
      this.duplicates++;
      return;
    }
    this.seen[seq >> 3]! |= 1 << (seq & 7);
    if (ahead > 0 && ahead < 32768) {
      // forget the half cycle the maximum moves into: those numbers come round again
      for (let i = 1; i <= ahead; i++) {
        const old = (max + i + 32768) & 0xffff;
        this.seen[old >> 3]! &= ~(1 << (old & 7));
      }
      this.maxExt += ahead;
    } else this.outOfOrder++;
  }

  /** The highest extended sequence number seen (RFC 3550 A.1). */
  get highestExtended(): number {
    return this.maxExt;
  }

  result(): RtpAnalysisResult {
    // as Wireshark counts: expected from the first and last sequence numbers with the cycles between them
    const expected = this.packets ? this.lastSeq + this.cycles * 65536 - this.startSeq + 1 : 0;
    const lost = expected - this.packets;
    const s = this.sums;
    let driftMs: number | null = null;
    let driftPpm: number | null = null;
    const den = s.n * s.t2 - s.t * s.t;
    if (s.n >= 10 && this.lastArrival >= 1000 && den !== 0) {
      // least squares: nominal = a + b · arrival; the drift is (b − 1) over the stream's duration
      const b = (s.n * s.tts - s.t * s.ts) / den;
      driftMs = (b - 1) * this.lastArrival;
      driftPpm = (b - 1) * 1e6;
    }
    return {
      packets: this.packets,
      expected,
      lost,
      lostPercent: expected > 0 ? (lost * 100) / expected : 0,
      sequenceErrors: this.sequenceErrors,
      outOfOrder: this.outOfOrder,
      duplicates: this.duplicates,
      maxDeltaMs: this.maxDeltaMs,
      maxDeltaPacket: this.maxDeltaPacket,
      meanJitterMs: this.meanJitterMs,
      maxJitterMs: this.maxJitterMs,
      jitterMs: this.jitterMs,
      maxSkewMs: this.maxSkewMs,
      clockDriftMs: driftMs,
      clockDriftPpm: driftPpm,
      markers: this.markers,
      clockRate: this.clockRate,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
    };
  }
}
