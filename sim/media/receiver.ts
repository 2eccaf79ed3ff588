import type { Micros } from '../core/time.ts';
import type { ReportBlock } from '../wire/rtcp/reports.ts';

const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

/**
 * Reception statistics of one remote SSRC (RFC 3550 Appendix A.1 sequence tracking, A.3 loss, A.8 jitter),
 * turned into a reception report block (§6.4.1).
 */
export class ReceiveStream {
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | undefined;
  /** Interarrival jitter in timestamp units (A.8), kept unrounded. */
  jitter = 0;
  private lastSr = 0;
  private lastSrAt: Micros | undefined;
  octets = 0;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
    readonly kind: string,
  ) {}

  /** RFC 3550 A.1 update_seq (without the probation of a new source) and A.8 jitter (a retransmission, RFC 4588, is left out of jitter). */
  onPacket(seq: number, timestamp: number, arrival: Micros, payloadLength: number, retransmitted = false): void {
    if (this.received === 0 && this.transit === undefined) {
      this.baseSeq = seq;
      this.maxSeq = seq;
    } else {
      const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
      if (udelta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
        this.maxSeq = seq;
      } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        // a very large jump: believe it only when the next packet follows it (the sender restarted)
        if (seq === this.badSeq) {
          this.baseSeq = seq;
          this.maxSeq = seq;
          this.cycles = 0;
          this.received = 0;
          this.expectedPrior = 0;
          this.receivedPrior = 0;
        } else {
          this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
          return;
        }
      }
      // else: a duplicate or reordered packet
    }
    this.received++;
    this.octets += payloadLength;
    if (retransmitted) return;
    // A.8: transit in timestamp units; J += (|D| - J) / 16.
    const arrivalTs = (arrival * this.clockRate) / 1_000_000;
    const transit = arrivalTs - timestamp;
    if (this.transit !== undefined) {
      let d = Math.abs(transit - this.transit);
      if (d > 0x80000000) d = Math.abs(d - 0x100000000); // the RTP timestamp wrapped
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
  }

  get extendedHighest(): number {
    return this.cycles + this.maxSeq;
  }

  /** A.3: packets expected from the first to the highest sequence number. */
  get expected(): number {
    return this.received === 0 ? 0 : this.extendedHighest - this.baseSeq + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  onSenderReport(lastSr: number, now: Micros): void {
    this.lastSr = lastSr;
    this.lastSrAt = now;
  }

  /** A report block for an RR or SR sent at `now`; updates the "since the last report" counters. */
  reportBlock(now: Micros): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    const cumulative = Math.max(-0x800000, Math.min(0x7fffff, expected - this.received));
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: cumulative,
      highestSequence: this.extendedHighest >>> 0,
      jitter: Math.floor(this.jitter) >>> 0,
      lastSr: this.lastSr,
      // RFC 3550 §6.4.1: DLSR in units of 1/65536 s.
      delaySinceLastSr: this.lastSrAt === undefined ? 0 : Math.floor(((now - this.lastSrAt) * 65536) / 1_000_000),
    };
  }
}
