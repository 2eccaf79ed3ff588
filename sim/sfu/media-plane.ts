import { sfuNote } from './notes.ts';
import type { Deadline } from '../core/deadline.ts';
import type { EndpointOutput } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { rtpHeaderLength, rtxPacket, unwrapRtx } from '../media/rtx.ts';
import { ntpAt } from '../media/session.ts';
import { isVp8Keyframe } from '../media/video.ts';
import { nackItems, nackLost } from '../wire/rtcp/feedback.ts';
import { lastSrFromNtp, type ReportBlock } from '../wire/rtcp/reports.ts';
import { decodeRtcp, encodeRtcp, type RtcpPacket } from '../wire/rtcp/rtcp.ts';
import type { Consumer, Producer, Router, RouterExtension, RouterTransport } from './router.ts';
import { ConsumerStream, KEYFRAME_RETRY, ProducerStream, type RtxParameters } from './rtp-streams.ts';

type Obj = { [key: string]: JsonValue };

/** Per transport: its RTCP SSRC, when its next report is due, and the REMB estimate for what it receives. */
interface LegState {
  readonly transport: RouterTransport;
  readonly ssrc: number;
  nextReportAt: Micros | undefined;
  /** Receive-side estimate (bit/s) announced in REMB, and the producers' octets at the last report. */
  estimate: number;
  octetsAtReport: number;
  reportAt: Micros | undefined;
  rembSent: number;
}

/** RFC 3550 §6.3.1 with mediasoup's maximum video interval: a report every 0.5–1.5 s. */
const REPORT_INTERVAL: Micros = 1_000_000;
/** REMB before anything was measured (mediasoup's initialAvailableOutgoingBitrate). */
const INITIAL_ESTIMATE = 600_000;

/**
 * The router's RTCP, as a RouterExtension (mediasoup's Producer and Consumer RTCP handling, written from RFC 3550,
 * 4585 and 4588): RTP from a producer is counted (RFC 3550 A.1/A.8) and kept for retransmission while the router
 * forwards it; its losses are asked for upstream (generic NACK) and its RTX, restored, goes through the router
 * again. Each transport sends an RTCP compound every 0.5–1.5 s: sender reports for the consumers on
 * it (the consumer SSRC, NTP now, the RTP timestamp extrapolated from the last forwarded packet), report blocks
 * about the producers on it (loss, jitter, LSR/DLSR), SDES CNAMEs and REMB. A consumer's NACK is answered from
 * the producer's buffer, rewritten and sent as RTX; its PLI or FIR becomes one keyframe request to the producer
 * (coalesced while one is pending, retried after 1 s); its receiver reports give its score.
 */
export class MediaPlane implements RouterExtension {
  private readonly producerStreams = new Map<Producer, ProducerStream>();
  private readonly consumerStreams = new Map<Consumer, ConsumerStream>();
  /** The consumer streams of each transport, in creation order: RTCP from a receiver is matched among its own. */
  private readonly consumersOnLeg = new Map<RouterTransport, ConsumerStream[]>();
  private readonly legs = new Map<RouterTransport, LegState>();
  private readonly out: EndpointOutput[] = [];
  /** Set while a packet restored from RTX goes through the router again. */
  private restoring = false;

  constructor(
    private readonly name: string,
    private readonly rng: Rng,
    private readonly router: Router,
  ) {}

  get producers(): ProducerStream[] {
    return [...this.producerStreams.values()];
  }

  get consumers(): ConsumerStream[] {
    return [...this.consumerStreams.values()].filter((c) => !c.consumer.closed);
  }

  private legOf(transport: RouterTransport): LegState {
    let s = this.legs.get(transport);
    if (!s) this.legs.set(transport, (s = { transport, ssrc: this.rng.u32(), nextReportAt: undefined, estimate: INITIAL_ESTIMATE, octetsAtReport: 0, reportAt: undefined, rembSent: 0 }));
    return s;
  }

  /** What `produce` said of a producer: its payload type, its RTX stream (encodings[0].rtx) and CNAME. */
  describeProducer(p: Producer, o: { payloadType: number; rtx?: RtxParameters; cname: string }): ProducerStream {
    const s = new ProducerStream(p, o.payloadType, o.rtx, o.cname);
    this.producerStreams.set(p, s);
    this.legOf(p.transport);
    return s;
  }

  /** A consumer's RTX stream (sent in the consume answer's encodings[0].rtx); without it a NACK is answered with the packet itself. */
  describeConsumer(c: Consumer, rtx: RtxParameters | undefined): ConsumerStream {
    const s = new ConsumerStream(c, this.producerStream(c.producer), rtx, this.rng.int(0, 0x10000));
    const before = this.consumerStreams.get(c);
    this.consumerStreams.set(c, s);
    const onLeg = this.consumersOnLeg.get(c.transport);
    if (!onLeg) this.consumersOnLeg.set(c.transport, [s]);
    else if (before) onLeg[onLeg.indexOf(before)] = s; // where it was, as the map keeps it
    else onLeg.push(s);
    this.legOf(c.transport);
    return s;
  }

  /** The open consumer on `leg` with this SSRC, the first made (what a receiver's RTCP about a stream names). */
  private consumerOn(leg: RouterTransport, ssrc: number): ConsumerStream | undefined {
    for (const c of this.consumersOnLeg.get(leg) ?? []) if (c.ssrc === ssrc && !c.consumer.closed) return c;
    return undefined;
  }

  private producerStream(p: Producer): ProducerStream {
    return this.producerStreams.get(p) ?? this.describeProducer(p, { payloadType: p.kind === 'video' ? 96 : 111, cname: p.peerId });
  }

  private consumerStream(c: Consumer): ConsumerStream {
    return this.consumerStreams.get(c) ?? this.describeConsumer(c, undefined);
  }

  // ---- RTP (router hooks) ----------------------------------------------------------------------------------------

  /** RFC 4588 §4: RTP on no producer's SSRC may be a producer's RTX stream; the original goes through the router again. */
  unknownRtp(now: Micros, from: RouterTransport, plain: Uint8Array): void {
    if (plain.length < 12) return;
    const ssrc = new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(8);
    const p = this.producers.find((x) => x.transport === from && !x.producer.closed && x.rtx?.ssrc === ssrc && (plain[1]! & 0x7f) === x.rtx.payloadType);
    if (!p) return;
    const original = unwrapRtx(plain, { ssrc: p.ssrc, payloadType: p.payloadType });
    if (!original) return;
    if (p.nack?.onPacket((original[2]! << 8) | original[3]!) !== 'missing') {
      p.rtxDuplicates++;
      return;
    }
    p.rtxReceived++;
    this.restoring = true;
    try {
      this.router.onMedia(now, from, 'rtp', original);
    } finally {
      this.restoring = false;
    }
  }

  /** A producer's packet: statistics (RFC 3550 A.1/A.8), the buffer, the NACK list, keyframes. */
  producerRtp(now: Micros, producer: Producer, plain: Uint8Array): void {
    const h = rtpHeaderLength(plain);
    if (h === undefined) return;
    const p = this.producerStream(producer);
    const v = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
    const seq = v.getUint16(2);
    const payload = plain.subarray(h);
    if (!this.restoring) p.nack?.onPacket(seq);
    p.recv.onPacket(seq, v.getUint32(4), now, payload.length, this.restoring);
    p.packets++;
    p.octets += payload.length;
    p.buffer.store(plain);
    this.arm(now, producer.transport);
    if (p.kind === 'video' && isVp8Keyframe(payload)) {
      p.keyframes++;
      p.keyframePendingSince = undefined; // the request is answered
    }
  }

  /** A consumer's rewritten packet: counters for its sender reports; a video consumer's first asks for a keyframe. */
  consumerRtp(now: Micros, consumer: Consumer, plain: Uint8Array, sent: boolean): void {
    if (!sent) return;
    const c = this.consumerStream(consumer);
    const h = rtpHeaderLength(plain) ?? plain.length;
    // mediasoup requests a keyframe when a video consumer starts sending (resumed, its transport connected)
    if (c.packets === 0 && c.producer.kind === 'video') this.requestKeyframe(now, c.producer, `consumer ${c.id} starts`);
    c.sent(now, new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(4), plain.length - h);
    this.arm(now, consumer.transport);
  }

  /** A transport's report timer starts with its first packet in either direction. */
  private arm(now: Micros, t: RouterTransport): void {
    const s = this.legOf(t);
    s.nextReportAt ??= now + this.jittered();
  }

  private rewrite(c: ConsumerStream, plain: Uint8Array, seq: number): Uint8Array {
    const copy = plain.slice();
    const w = new DataView(copy.buffer);
    w.setUint16(2, (seq + (c.seqOffset ?? 0)) & 0xffff);
    w.setUint32(8, c.ssrc);
    return copy;
  }

  private sendRtp(now: Micros, t: RouterTransport, plain: Uint8Array): boolean {
    return t.sendRtp(now, plain);
  }

  // ---- RTCP in -------------------------------------------------------------------------------------------------

  /** Decrypted RTCP from a transport (router hook). */
  rtcp(now: Micros, leg: RouterTransport, plain: Uint8Array): void {
    const d = decodeRtcp(plain, 0, false);
    for (const pkt of d.value) {
      switch (pkt.type) {
        case 'sr':
          // the sender's streams share its clock: its SR stands for every producer on the transport (LSR for our blocks)
          for (const p of this.producers) if (p.transport === leg) p.recv.onSenderReport(lastSrFromNtp(pkt.ntpTimestamp), now);
          this.onBlocks(now, leg, pkt.reports);
          break;
        case 'rr':
          this.onBlocks(now, leg, pkt.reports);
          break;
        case 'nack':
          this.onNack(now, leg, pkt.mediaSsrc, nackLost(pkt.items));
          break;
        case 'pli':
        case 'fir':
          for (const ssrc of pkt.type === 'pli' ? [pkt.mediaSsrc] : pkt.entries.map((e) => e.ssrc)) {
            const c = this.consumerOn(leg, ssrc);
            if (!c || c.producer.kind !== 'video') continue;
            if (pkt.type === 'pli') c.pliCount++;
            else c.firCount++;
            this.requestKeyframe(now, c.producer, `${pkt.type.toUpperCase()} from ${c.peerId} on consumer ${c.id}`);
          }
          break;
        default:
          break; // SDES, BYE, REMB and transport-cc from receivers end here
      }
    }
  }

  /** RFC 3550 §6.4.1: blocks about our consumers; RTT = A − LSR − DLSR (1/65536 s) when an LSR is given. */
  private onBlocks(now: Micros, leg: RouterTransport, blocks: readonly ReportBlock[]): void {
    for (const b of blocks) {
      const c = this.consumerOn(leg, b.ssrc);
      if (!c) continue;
      const rtt = b.lastSr === 0 ? undefined : ((lastSrFromNtp(ntpAt(now)) - b.lastSr - b.delaySinceLastSr) >>> 0) / 65536;
      c.onReport(b, rtt !== undefined && rtt < 60 ? rtt : undefined);
    }
  }

  /** RFC 4585 §6.2.1 from a consumer: each packet still in the producer's buffer goes again, as RTX when the consumer has it (RFC 4588). */
  private onNack(now: Micros, leg: RouterTransport, ssrc: number, lost: readonly number[]): void {
    const c = this.consumerOn(leg, ssrc);
    const offset = c?.seqOffset;
    if (!c || offset === undefined) return;
    c.nackCount++;
    c.nackPackets += lost.length;
    for (const seq of lost) {
      const original = c.producer.buffer.get((seq - offset) & 0xffff);
      if (!original) {
        c.retransmitMissing++;
        continue;
      }
      const rewritten = this.rewrite(c, original, (original[2]! << 8) | original[3]!);
      let bytes: Uint8Array | undefined = rewritten;
      if (c.rtx) {
        bytes = rtxPacket(rewritten, { ssrc: c.rtx.ssrc, payloadType: c.rtx.payloadType, sequenceNumber: c.rtxSeq });
        c.rtxSeq = (c.rtxSeq + 1) & 0xffff;
      }
      if (bytes && this.sendRtp(now, c.transport, bytes)) c.retransmitted++;
    }
  }

  /** mediasoup's KeyFrameRequestManager: a PLI upstream unless one is pending (then the request is absorbed). */
  private requestKeyframe(now: Micros, p: ProducerStream, why: string): void {
    if (p.keyframePendingSince !== undefined && now - p.keyframePendingSince < KEYFRAME_RETRY) {
      p.keyframeRequestsCoalesced++;
      this.note('sfu.keyframe.coalesced', `${why}: producer ${p.id} has a keyframe request pending since ${(p.keyframePendingSince / 1000).toFixed(0)} ms, absorbed`, { producer: p.id, reason: why });
      return;
    }
    this.sendPli(now, p);
    this.note('sfu.keyframe.requested', `${why}: PLI to ${p.peerId}'s producer ${p.id} (SSRC ${p.ssrc})`, { producer: p.id, reason: why });
  }

  private sendPli(now: Micros, p: ProducerStream): void {
    p.keyframePendingSince = now;
    p.pliCount++;
    const s = this.legOf(p.transport);
    this.sendFeedback(now, s, [{ type: 'pli', senderSsrc: s.ssrc, mediaSsrc: p.ssrc }]);
  }

  /** Feedback as a compound after an empty RR and an SDES CNAME (RFC 4585 §3.1: the SFU's answer has no rtcp-rsize). */
  private sendFeedback(now: Micros, s: LegState, fb: RtcpPacket[]): void {
    this.router.sendRtcp(now, s.transport, encodeRtcp([{ type: 'rr', ssrc: s.ssrc, reports: [] }, { type: 'sdes', chunks: [{ ssrc: s.ssrc, items: [{ itemType: 1, value: this.name }] }] }, ...fb]));
  }

  // ---- timers: reports, NACKs upstream, keyframe retries ---------------------------------------------------------

  /** The next report, NACK retry or keyframe-request retry (router hook). */
  deadline(_now: Micros): Deadline | undefined {
    const at = this.nextAt();
    return at === undefined ? undefined : { at, reason: 'rtcp' };
  }

  nextAt(): Micros | undefined {
    let at: Micros | undefined;
    const min = (t: Micros | undefined): void => {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    };
    for (const s of this.legs.values()) min(s.nextReportAt);
    for (const p of this.producers) {
      if (p.packets === 0 || p.producer.closed) continue;
      min(p.nack?.nextAt(undefined));
      if (p.keyframePendingSince !== undefined) min(p.keyframePendingSince + KEYFRAME_RETRY);
    }
    return at;
  }

  handleTimeout(now: Micros): void {
    for (const p of this.producers) {
      if (p.packets === 0 || p.producer.closed) continue;
      const lost = p.nack?.due(now, undefined) ?? [];
      if (lost.length > 0) {
        p.nackCount++;
        p.nackPackets += lost.length;
        const s = this.legOf(p.transport);
        this.sendFeedback(now, s, [{ type: 'nack', senderSsrc: s.ssrc, mediaSsrc: p.ssrc, items: nackItems(lost) }]);
      }
      if (p.nack?.takeKeyframeNeed()) this.requestKeyframe(now, p, 'packets given up after 10 NACKs');
      else if (p.keyframePendingSince !== undefined && now - p.keyframePendingSince >= KEYFRAME_RETRY) {
        this.sendPli(now, p);
        this.note('sfu.keyframe.requested', `no keyframe from producer ${p.id} 1 s after the request: PLI again`, { producer: p.id, reason: 'retry' });
      }
    }
    for (const s of this.legs.values()) {
      if (s.nextReportAt === undefined || s.nextReportAt > now) continue;
      this.report(now, s);
      s.nextReportAt = now + this.jittered();
    }
  }

  private jittered(): Micros {
    return Math.round(REPORT_INTERVAL * (0.5 + this.rng.float()));
  }

  /** The transport's compound (RFC 3550 §6.1): SR per consumer or one RR, report blocks about its producers, SDES, REMB. */
  private report(now: Micros, s: LegState): void {
    const producers = this.producers.filter((p) => p.transport === s.transport && p.packets > 0 && !p.producer.closed);
    const blocks = producers.slice(0, 31).map((p) => p.reportBlock(now));
    const ntp = ntpAt(now);
    const srs: RtcpPacket[] = [];
    const chunks: { ssrc: number; items: { itemType: number; value: string }[] }[] = [];
    for (const c of this.consumersOnLeg.get(s.transport) ?? []) {
      if (c.consumer.closed) continue;
      const info = c.senderInfo(now);
      if (!info) continue;
      srs.push({ type: 'sr', ssrc: c.ssrc, ntpTimestamp: ntp, ...info, reports: srs.length === 0 ? blocks : [] });
      chunks.push({ ssrc: c.ssrc, items: [{ itemType: 1, value: c.producer.cname }] });
    }
    const head: RtcpPacket[] = srs.length > 0 ? srs : [{ type: 'rr', ssrc: s.ssrc, reports: blocks }];
    if (srs.length === 0) chunks.push({ ssrc: s.ssrc, items: [{ itemType: 1, value: this.name }] });
    const packets: RtcpPacket[] = [...head, { type: 'sdes', chunks: chunks.slice(0, 31) }];
    const video = producers.filter((p) => p.kind === 'video');
    if (video.length > 0) {
      this.updateEstimate(now, s, producers);
      packets.push({ type: 'remb', senderSsrc: s.ssrc, mediaSsrc: 0, bitrate: s.estimate, ssrcs: video.map((p) => p.ssrc) });
      s.rembSent++;
    }
    this.router.sendRtcp(now, s.transport, encodeRtcp(packets));
  }

  /**
   * The REMB value: libwebrtc's AIMD rate control driven by loss instead of delay (the delay-based overuse
   * detector is not modelled): at more than 10% loss it drops to 85% of the incoming rate; otherwise it grows 8%
   * per report, capped at 1.5 × the incoming rate (as AimdRateControl caps it).
   */
  private updateEstimate(now: Micros, s: LegState, producers: readonly ProducerStream[]): void {
    const octets = producers.reduce((n, p) => n + p.octets, 0);
    const since = s.reportAt;
    const incoming = since === undefined || now <= since ? undefined : ((octets - s.octetsAtReport) * 8 * 1_000_000) / (now - since);
    s.reportAt = now;
    s.octetsAtReport = octets;
    if (incoming === undefined) return;
    const loss = Math.max(...producers.map((p) => 1 - p.score.value / 10), 0);
    s.estimate = Math.round(loss > 0.1 ? 0.85 * incoming : Math.min(s.estimate * 1.08, 1.5 * incoming + 10_000));
  }

  private note(kind: 'sfu.keyframe.requested' | 'sfu.keyframe.coalesced', text: string, data: { producer: string; reason: string }): void {
    this.out.push({ type: 'note', ...sfuNote(kind, `${this.name}: ${text}`, data) });
  }

  /** Notes made while handling packets and timers. */
  take(): EndpointOutput | undefined {
    return this.out.shift();
  }

  // ---- summaries in mediasoup's terms ----------------------------------------------------------------------------

  producerStats(id: string): Obj {
    const p = this.producers.find((x) => x.id === id);
    if (!p) return {};
    const b = p.recv;
    return {
      score: p.score.value, packetsReceived: b.received, packetsLost: b.lost, jitterMs: Math.round((b.jitter / b.clockRate) * 1e6) / 1e3,
      nackCount: p.nackCount, nackPacketCount: p.nackPackets, rtxPacketsReceived: p.rtxReceived, rtxDuplicates: p.rtxDuplicates,
      pliCount: p.pliCount, keyFrameRequestsCoalesced: p.keyframeRequestsCoalesced, keyFrames: p.keyframes,
    };
  }

  consumerStats(id: string): Obj {
    const c = [...this.consumerStreams.values()].find((x) => x.id === id);
    if (!c) return {};
    return {
      score: c.score.value, producerScore: c.producer.score.value, packetsSent: c.packets, ...(c.rtx ? { rtxSsrc: c.rtx.ssrc } : {}),
      nackCount: c.nackCount, nackPacketCount: c.nackPackets, packetsRetransmitted: c.retransmitted, retransmitMissing: c.retransmitMissing,
      pliCount: c.pliCount, firCount: c.firCount,
      ...(c.report ? { fractionLost: c.report.fractionLost, packetsLost: c.report.cumulativeLost, jitterMs: c.report.jitterMs, ...(c.report.rttMs !== undefined ? { rttMs: c.report.rttMs } : {}) } : {}),
    };
  }

  legStats(t: RouterTransport): Obj {
    const s = this.legs.get(t);
    return s ? { rtcpSsrc: s.ssrc, availableIncomingBitrate: s.estimate, rembSent: s.rembSent } : {};
  }
}
