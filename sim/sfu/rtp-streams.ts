import type { Micros } from '../core/time.ts';
import { ReceiveStream } from '../media/receiver.ts';
import { NackRequester, RetransmissionBuffer } from '../media/rtx.ts';
import type { ReportBlock } from '../wire/rtcp/reports.ts';
import type { Consumer, Producer } from './router.ts';
import type { RouterTransport } from './router.ts';

/** The RTX stream of a producer or consumer (RFC 4588 SSRC multiplexing): its SSRC and payload type. */
export interface RtxParameters {
  readonly ssrc: number;
  readonly payloadType: number;
}

/**
 * mediasoup's stream score: 0–10 from the share of packets delivered in the last interval (delivered⁴ × 10, so
 * that a few percent of loss already costs points), averaged over the last 8 intervals with the newest weighing
 * most. A stream with nothing expected in an interval keeps its score.
 */
export class Score {
  private readonly samples: number[] = [];
  value = 10;

  push(expected: number, lost: number): void {
    if (expected <= 0) return;
    const delivered = Math.max(0, Math.min(1, (expected - Math.max(0, lost)) / expected));
    this.samples.push(Math.round(delivered ** 4 * 10));
    if (this.samples.length > 8) this.samples.shift();
    let sum = 0;
    let weights = 0;
    this.samples.forEach((s, i) => {
      sum += s * (i + 1);
      weights += i + 1;
    });
    this.value = Math.round(sum / weights);
  }
}

/** mediasoup's KeyFrameRequestManager: one request at a time per producer; asked again after this long without a keyframe. */
export const KEYFRAME_RETRY: Micros = 1_000_000;

/** A producer in the router: what arrives (RFC 3550 statistics), kept for retransmission, asked for again, keyframe requests. */
export class ProducerStream {
  readonly recv: ReceiveStream;
  readonly buffer = new RetransmissionBuffer(1024);
  /** The router's own NACKs upstream (video): mediasoup's NackGenerator. */
  readonly nack: NackRequester | undefined;
  readonly score = new Score();
  packets = 0;
  octets = 0;
  /** Packets recovered from the producer's RTX stream, and RTX packets that repaired nothing. */
  rtxReceived = 0;
  rtxDuplicates = 0;
  /** Generic NACK packets sent upstream and the sequence numbers they asked for. */
  nackCount = 0;
  nackPackets = 0;
  /** Keyframe requests sent upstream (PLI), and those a pending request absorbed (coalesced). */
  pliCount = 0;
  keyframeRequestsCoalesced = 0;
  keyframes = 0;
  /** A keyframe request in flight: when it was sent (cleared by the next keyframe). */
  keyframePendingSince: Micros | undefined;
  private priorExpected = 0;
  private priorReceived = 0;

  readonly kind: 'audio' | 'video';

  constructor(
    readonly producer: Producer,
    readonly payloadType: number,
    readonly rtx: RtxParameters | undefined,
    /** The producer's CNAME (RFC 3550 §6.5.1), which its consumers' sender reports carry. */
    readonly cname: string,
  ) {
    this.kind = producer.kind === 'video' ? 'video' : 'audio';
    this.recv = new ReceiveStream(producer.ssrc, this.kind === 'video' ? 90_000 : 48_000, this.kind);
    this.nack = this.kind === 'video' ? new NackRequester() : undefined;
  }

  get id(): string {
    return this.producer.id;
  }

  get peerId(): string {
    return this.producer.peerId;
  }

  get ssrc(): number {
    return this.producer.ssrc;
  }

  get transport(): RouterTransport {
    return this.producer.transport;
  }

  get clockRate(): number {
    return this.recv.clockRate;
  }

  /** The report block about this producer for an RR or SR, the score updated from the same interval. */
  reportBlock(now: Micros): ReportBlock {
    const expected = this.recv.expected;
    const received = this.recv.received;
    this.score.push(expected - this.priorExpected, expected - this.priorExpected - (received - this.priorReceived));
    this.priorExpected = expected;
    this.priorReceived = received;
    return this.recv.reportBlock(now);
  }
}

/** A consumer in the router: its own SSRC and sequence space, sender report state, what its receiver reports said. */
export class ConsumerStream {
  rtxSeq: number;
  packets = 0;
  octets = 0;
  private lastTimestamp: number | undefined;
  private lastTimestampAt: Micros = 0;
  readonly score = new Score();
  /** What the last receiver report block about this consumer said (RFC 3550 §6.4.1), and the RTT it gives. */
  report: { fractionLost: number; cumulativeLost: number; jitterMs: number; rttMs?: number } | undefined;
  private priorHighest: number | undefined;
  private priorLost = 0;
  nackCount = 0;
  nackPackets = 0;
  retransmitted = 0;
  /** Sequence numbers asked for that the producer's buffer no longer (or never) held. */
  retransmitMissing = 0;
  pliCount = 0;
  firCount = 0;

  constructor(
    readonly consumer: Consumer,
    readonly producer: ProducerStream,
    readonly rtx: RtxParameters | undefined,
    rtxSeqStart: number,
  ) {
    this.rtxSeq = rtxSeqStart;
  }

  get id(): string {
    return this.consumer.id;
  }

  get peerId(): string {
    return this.consumer.peerId;
  }

  get ssrc(): number {
    return this.consumer.ssrc;
  }

  get transport(): RouterTransport {
    return this.consumer.transport;
  }

  /** consumer sequence number = producer sequence number + offset (mod 2^16), drawn by the router at the first packet. */
  get seqOffset(): number | undefined {
    return this.consumer.seqOffset;
  }

  /** A packet forwarded: counters and the RTP timestamp ↔ time pair the next SR extrapolates from. */
  sent(now: Micros, timestamp: number, payloadLength: number): void {
    this.packets++;
    this.octets += payloadLength;
    this.lastTimestamp = timestamp;
    this.lastTimestampAt = now;
  }

  /** RFC 3550 §6.4.1 sender info at `now`: the RTP timestamp extrapolated from the last packet sent. */
  senderInfo(now: Micros): { rtpTimestamp: number; packetCount: number; octetCount: number } | undefined {
    if (this.lastTimestamp === undefined) return undefined;
    const rtpTimestamp = (this.lastTimestamp + Math.floor(((now - this.lastTimestampAt) * this.producer.clockRate) / 1_000_000)) >>> 0;
    return { rtpTimestamp, packetCount: this.packets >>> 0, octetCount: this.octets >>> 0 };
  }

  /** A report block about this consumer from its receiver; `rtt` from LSR/DLSR when the block has an LSR. */
  onReport(b: ReportBlock, rtt: number | undefined): void {
    this.report = { fractionLost: b.fractionLost, cumulativeLost: b.cumulativeLost, jitterMs: Math.round((b.jitter / this.producer.clockRate) * 1e6) / 1e3, ...(rtt !== undefined ? { rttMs: Math.round(rtt * 1e6) / 1e3 } : {}) };
    if (this.priorHighest !== undefined) {
      const expected = (b.highestSequence - this.priorHighest) >>> 0;
      if (expected < 0x8000) this.score.push(expected, b.cumulativeLost - this.priorLost);
    }
    this.priorHighest = b.highestSequence;
    this.priorLost = b.cumulativeLost;
  }
}
