import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { nackItems, nackLost } from '../wire/rtcp/feedback.ts';
import { decodeRtcp, encodeRtcp, type RtcpPacket } from '../wire/rtcp/rtcp.ts';
import { lastSrFromNtp, type ReportBlock } from '../wire/rtcp/reports.ts';
import { decodeRtp, encodeRtp } from '../wire/rtp/rtp.ts';
import { AudioSource } from './audio.ts';
import type { RtpDemux } from './demux.ts';
import { ReceiveStream } from './receiver.ts';
import { NackRequester, RetransmissionBuffer, rtxPacket, unwrapRtx } from './rtx.ts';
import type { MediaSource, SenderParameters } from './source.ts';
import { isVp8Keyframe, VideoSource, type VideoOptions } from './video.ts';

export interface MediaOptions {
  readonly audio?: boolean;
  readonly video?: boolean | VideoOptions;
  /** Mean RTCP report interval (default 1 s), randomized 0.5–1.5× (RFC 3550 §6.3.1). */
  readonly rtcpInterval?: Micros;
  /** RTCP SDES CNAME (RFC 3550 §6.5.1). */
  readonly cname: string;
  /** What offer/answer settled per kind (mid, payload type, extension ids); default: the seed SDP's. */
  readonly send?: { readonly audio?: SenderParameters; readonly video?: SenderParameters };
}

/** Per-stream result for summaries. */
export interface StreamSummary {
  readonly direction: 'send' | 'receive';
  readonly kind: string;
  readonly ssrc: number;
  readonly packets: number;
  readonly lost?: number;
  /** Send streams: what the peer's last report block said (cumulative lost) and the RTT it gives (RFC 3550 §6.4.1). */
  readonly remoteLost?: number;
  readonly rttMs?: number;
  /** Interarrival jitter in milliseconds (RFC 3550 §6.4.1, converted from timestamp units). */
  readonly jitterMs?: number;
  /** Video receive streams: packets asked for again (generic NACK, RFC 4585 §6.2.1), keyframe requests sent (PLI), packets recovered from RTX (RFC 4588). */
  readonly nackSent?: number;
  readonly pliSent?: number;
  readonly rtxReceived?: number;
  /** Retransmissions of packets that had arrived after all (late, not lost): dropped. */
  readonly rtxDuplicates?: number;
  /** Video send streams: NACK packets and PLI/FIR received, packets retransmitted, keyframes sent (those asked for among them). */
  readonly nackReceived?: number;
  readonly retransmitted?: number;
  readonly pliReceived?: number;
  readonly firReceived?: number;
  readonly keyframes?: number;
  readonly keyframesRequested?: number;
  /** The last REMB (draft-alvestrand-rmcat-remb) naming this stream, in bit/s. */
  readonly rembBps?: number;
}

/** What offer/answer settled about feedback and retransmission (sim/peer/offer-answer.ts `Negotiated`). */
export interface FeedbackParameters {
  /** Payload type → rtcp-fb values ("nack", "nack pli", …) of the formats the peer sends. */
  readonly feedback?: ReadonlyMap<number, readonly string[]>;
  /** RTX payload type → the payload type it retransmits (apt, RFC 4588 §8.6). */
  readonly rtx?: ReadonlyMap<number, number>;
}

/** Feedback state of one video receive stream. */
interface ReceiveFeedback {
  readonly nack: NackRequester | undefined;
  readonly pli: boolean;
  /** No keyframe decoded yet, or one lost: a keyframe is needed (libwebrtc asks with PLI). */
  waitingForKeyframe: boolean;
  lastPliAt: Micros | undefined;
  nackSent: number;
  pliSent: number;
  rtxReceived: number;
  rtxDuplicates: number;
}

/** Time between two keyframe requests for the same stream while none arrives. */
const PLI_REPEAT = 300_000;

/** NTP seconds at virtual time 0: 2024-01-01T00:00:00Z (RFC 5905 era 0). Nothing reads a clock. */
const NTP_BASE_SECONDS = 3_913_056_000n;

export function ntpAt(now: Micros): bigint {
  const us = BigInt(now);
  const seconds = NTP_BASE_SECONDS + us / 1_000_000n;
  const fraction = ((us % 1_000_000n) << 32n) / 1_000_000n;
  return (seconds << 32n) | fraction;
}

/**
 * The RTP side of a call: audio and video senders, receive statistics per remote SSRC, and compound RTCP
 * (SR or RR + SDES, RFC 3550 §6.1) at a randomized interval, everything through one SRTP session (RFC 3711) on
 * the rtcp-mux'ed 5-tuple (RFC 5761).
 */
export class MediaSession {
  readonly sources: MediaSource[] = [];
  readonly receivers = new Map<number, ReceiveStream>();
  private nextRtcpAt: Micros;
  private readonly rtcpInterval: Micros;
  private readonly rtcpSsrc: number;
  rtcpSent = 0;
  rtcpReceived = 0;
  /** Per own SSRC: the latest report block about it from the peer, and the round-trip time computed from it. */
  private readonly remoteReports = new Map<number, { lost: number; rttMs?: number }>();
  /** Payload type → kind of what the peer sends, from offer/answer (without it: 96 is video, anything else audio). */
  receiveKinds: ReadonlyMap<number, 'audio' | 'video'> | undefined;
  /** Packets SRTP refused, by reason (auth-failed, replay, …). */
  readonly failures: Record<string, number> = {};
  /** Feedback and RTX as negotiated (unset: no NACK, no PLI, no RTX). */
  private fb: FeedbackParameters = {};
  /** RTX SSRC (a=ssrc-group:FID) of the peer's streams: rtx SSRC → primary SSRC. */
  readonly remoteRtx = new Map<number, number>();
  private readonly rxFeedback = new Map<number, ReceiveFeedback>();
  /** Sent video packets kept for retransmission, by source SSRC. */
  private readonly history = new Map<number, RetransmissionBuffer>();
  private rtxSeq: number | undefined;
  private readonly sendCounters = new Map<number, { nackReceived: number; retransmitted: number; pliReceived: number; firReceived: number; rembBps?: number }>();
  /** Retransmissions and feedback made while reading the peer's packets: sent at the next `due`. */
  private readonly pending: Uint8Array[] = [];
  /** RFC 8843 §9.2 demultiplexing of what it receives (demux.ts); without one every stream is taken. */
  demux: RtpDemux | undefined;

  constructor(
    private readonly rng: Rng,
    start: Micros,
    private readonly options: MediaOptions,
    /** This side's RTX SSRC for its video (a=ssrc-group:FID), if it has one. */
    private readonly rtxSsrc?: number,
  ) {
    if (options.audio) this.addSource('audio', start);
    if (options.video) this.addSource('video', start);
    this.rtcpInterval = options.rtcpInterval ?? 1_000_000;
    this.rtcpSsrc = this.sources[0]?.ssrc ?? rng.u32();
    this.nextRtcpAt = start + this.jittered();
  }

  /** A sender of this kind (its SSRC from the kind's own stream, so it is the same whenever it is added). */
  addSource(kind: 'audio' | 'video', start: Micros, params: SenderParameters | undefined = this.options.send?.[kind]): MediaSource {
    const existing = this.sources.find((s) => s.kind === kind);
    if (existing) return existing;
    const video = typeof this.options.video === 'object' ? this.options.video : {};
    const s = kind === 'audio' ? new AudioSource(this.rng.fork('audio'), '0', start, params) : new VideoSource(this.rng.fork('video'), '1', start, video, params);
    this.sources.push(s);
    return s;
  }

  private jittered(): Micros {
    return Math.round(this.rtcpInterval * (0.5 + this.rng.float()));
  }

  /** Feedback and RTX as offer/answer settled them. */
  setFeedback(fb: FeedbackParameters): void {
    this.fb = fb;
  }

  get nextAt(): Micros {
    if (this.pending.length > 0) return 0;
    let at = Math.min(this.nextRtcpAt, ...this.sources.map((s) => s.nextAt));
    const rtt = this.rttMicros();
    for (const f of this.rxFeedback.values()) {
      const n = f.nack?.nextAt(rtt);
      if (n !== undefined) at = Math.min(at, n);
      if (f.waitingForKeyframe && f.pli && f.lastPliAt !== undefined) at = Math.min(at, f.lastPliAt + PLI_REPEAT);
    }
    return at;
  }

  /** Round-trip time from the peer's reports about our streams (µs), if known. */
  private rttMicros(): Micros | undefined {
    for (const r of this.remoteReports.values()) if (r.rttMs !== undefined) return Math.round(r.rttMs * 1000);
    return undefined;
  }

  /** The SRTP/SRTCP packets due at `now`, in order. */
  due(now: Micros, srtp: SrtpSession): Uint8Array[] {
    const out: Uint8Array[] = this.pending.splice(0);
    for (const s of this.sources) {
      while (s.nextAt <= now) {
        for (const spec of s.frame(now)) {
          const plain = encodeRtp(spec);
          if (s.kind === 'video') this.historyOf(s.ssrc).store(plain);
          const r = srtp.protectRtp(plain);
          if (r.ok) out.push(r.bytes);
          else this.fail(`protect-${r.reason}`);
        }
      }
    }
    const fb = this.feedbackDue(now);
    if (fb.length > 0) {
      const r = srtp.protectRtcp(encodeRtcp(fb));
      if (r.ok) {
        out.push(r.bytes);
        this.rtcpSent++;
      } else this.fail(`protect-${r.reason}`);
    }
    if (this.nextRtcpAt <= now) {
      this.nextRtcpAt = now + this.jittered();
      const r = srtp.protectRtcp(encodeRtcp(this.report(now)));
      if (r.ok) {
        out.push(r.bytes);
        this.rtcpSent++;
      } else this.fail(`protect-${r.reason}`);
    }
    return out;
  }

  /** RFC 3550 §6.4: an SR when we send media, else an RR; one block per remote source; then SDES CNAME. */
  report(now: Micros): RtcpPacket[] {
    const reports: ReportBlock[] = [...this.receivers.values()].slice(0, 31).map((r) => r.reportBlock(now));
    const first = this.sources[0];
    const head: RtcpPacket = first
      ? {
          type: 'sr',
          ssrc: this.rtcpSsrc,
          ntpTimestamp: ntpAt(now),
          rtpTimestamp: first.rtpTimestampAt(now),
          packetCount: first.packetsSent >>> 0,
          octetCount: first.octetsSent >>> 0,
          reports,
        }
      : { type: 'rr', ssrc: this.rtcpSsrc, reports };
    return [head, { type: 'sdes', chunks: [{ ssrc: this.rtcpSsrc, items: [{ itemType: 1, value: this.options.cname }] }] }];
  }

  onRtp(now: Micros, packet: Uint8Array, srtp: SrtpSession): void {
    const r = srtp.unprotectRtp(packet);
    if (!r.ok) return this.fail(r.reason);
    let plain = r.bytes;
    let d = decodeRtp(plain, { spans: false }); // field spans are for the dissector's hex view
    if (d.problems.length > 0) return this.fail('malformed-rtp');
    if (this.demux) {
      const routed = this.demux.route(d.value.header);
      if (!routed.ok) return this.fail(routed.reason);
    }
    let retransmitted = false;
    const apt = this.fb.rtx?.get(d.value.header.payloadType);
    if (apt !== undefined) {
      // padding alone on the RTX stream (no OSN): libwebrtc's bandwidth probes, dropped as a browser drops them
      if (d.value.payload.length === 0) return;
      // RFC 4588 §4: an RTX packet; the original comes back from its OSN on the associated stream
      const primary = this.remoteRtx.get(d.value.header.ssrc);
      const original = primary === undefined ? undefined : unwrapRtx(plain, { ssrc: primary, payloadType: apt });
      if (!original) return this.fail('rtx-unassociated');
      plain = original;
      d = decodeRtp(plain, { spans: false });
      if (d.problems.length > 0) return this.fail('malformed-rtx');
      retransmitted = true;
    }
    const h = d.value.header;
    let rs = this.receivers.get(h.ssrc);
    if (!rs) {
      const video = (this.receiveKinds?.get(h.payloadType) ?? (h.payloadType === 96 ? 'video' : 'audio')) === 'video';
      rs = new ReceiveStream(h.ssrc, video ? 90_000 : 48_000, video ? 'video' : 'audio');
      this.receivers.set(h.ssrc, rs);
    }
    // a retransmission of a packet that was not missing (it was only late) is a duplicate: dropped, as a jitter buffer does
    if (rs.kind === 'video' && !this.videoFeedback(h.ssrc, h.payloadType, h.sequenceNumber, d.value.payload, retransmitted)) return;
    rs.onPacket(h.sequenceNumber, h.timestamp, now, d.value.payload.length, retransmitted);
  }

  /** Receiver side of RFC 4585 for a video packet: the NACK list, and whether a keyframe is needed; false for a needless retransmission. */
  private videoFeedback(ssrc: number, payloadType: number, seq: number, payload: Uint8Array, retransmitted: boolean): boolean {
    let f = this.rxFeedback.get(ssrc);
    if (!f) {
      const fb = this.fb.feedback?.get(payloadType) ?? [];
      f = { nack: fb.includes('nack') ? new NackRequester() : undefined, pli: fb.includes('nack pli'), waitingForKeyframe: true, lastPliAt: undefined, nackSent: 0, pliSent: 0, rtxReceived: 0, rtxDuplicates: 0 };
      this.rxFeedback.set(ssrc, f);
    }
    const state = f.nack?.onPacket(seq);
    if (retransmitted && state !== 'missing') {
      f.rtxDuplicates++;
      return false;
    }
    if (retransmitted) f.rtxReceived++;
    if (f.nack?.takeKeyframeNeed()) f.waitingForKeyframe = true;
    if (isVp8Keyframe(payload)) f.waitingForKeyframe = false;
    return true;
  }

  /** The feedback due now: NACKs for missing packets, a PLI while a keyframe is needed; as a compound after an empty RR and SDES (RFC 4585 §3.1). */
  private feedbackDue(now: Micros): RtcpPacket[] {
    const fb: RtcpPacket[] = [];
    const rtt = this.rttMicros();
    for (const [ssrc, f] of this.rxFeedback) {
      if (f.nack) {
        const lost = f.nack.due(now, rtt);
        if (f.nack.takeKeyframeNeed()) f.waitingForKeyframe = true;
        if (lost.length > 0) {
          fb.push({ type: 'nack', senderSsrc: this.rtcpSsrc, mediaSsrc: ssrc, items: nackItems(lost) });
          f.nackSent += lost.length;
        }
      }
      if (f.pli && f.waitingForKeyframe && (f.lastPliAt === undefined || now - f.lastPliAt >= PLI_REPEAT) && this.receivers.get(ssrc)!.received > 0) {
        fb.push({ type: 'pli', senderSsrc: this.rtcpSsrc, mediaSsrc: ssrc });
        f.lastPliAt = now;
        f.pliSent++;
      }
    }
    if (fb.length === 0) return [];
    return [{ type: 'rr', ssrc: this.rtcpSsrc, reports: [] }, { type: 'sdes', chunks: [{ ssrc: this.rtcpSsrc, items: [{ itemType: 1, value: this.options.cname }] }] }, ...fb];
  }

  private historyOf(ssrc: number): RetransmissionBuffer {
    let h = this.history.get(ssrc);
    if (!h) this.history.set(ssrc, (h = new RetransmissionBuffer()));
    return h;
  }

  private countersOf(ssrc: number): { nackReceived: number; retransmitted: number; pliReceived: number; firReceived: number; rembBps?: number } {
    let c = this.sendCounters.get(ssrc);
    if (!c) this.sendCounters.set(ssrc, (c = { nackReceived: 0, retransmitted: 0, pliReceived: 0, firReceived: 0 }));
    return c;
  }

  /** RFC 4585 §6.2.1 answered: each packet still held goes again, as RTX (RFC 4588) when negotiated, else as it was. */
  private retransmit(ssrc: number, seqs: readonly number[], srtp: SrtpSession): void {
    const source = this.sources.find((x) => x.ssrc === ssrc);
    const held = this.history.get(ssrc);
    if (!source || !held) return;
    const c = this.countersOf(ssrc);
    c.nackReceived++;
    let rtxPt: number | undefined;
    for (const [pt, apt] of this.fb.rtx ?? []) if (apt === source.payloadType) rtxPt = pt;
    for (const seq of seqs) {
      const original = held.get(seq);
      if (!original) continue;
      let bytes: Uint8Array | undefined = original;
      if (rtxPt !== undefined && this.rtxSsrc !== undefined) {
        this.rtxSeq ??= this.rng.fork('rtx').int(0, 0x10000); // RFC 3550 §5.1: a random start on the RTX stream too
        bytes = rtxPacket(original, { ssrc: this.rtxSsrc, payloadType: rtxPt, sequenceNumber: this.rtxSeq });
        this.rtxSeq = (this.rtxSeq + 1) & 0xffff;
      }
      if (!bytes) continue;
      const r = srtp.protectRtp(bytes);
      if (!r.ok) {
        this.fail(`protect-${r.reason}`);
        continue;
      }
      this.pending.push(r.bytes);
      c.retransmitted++;
    }
  }

  onRtcp(now: Micros, packet: Uint8Array, srtp: SrtpSession): void {
    const r = srtp.unprotectRtcp(packet);
    if (!r.ok) return this.fail(`rtcp-${r.reason}`);
    this.rtcpReceived++;
    for (const p of decodeRtcp(r.bytes, 0, false).value) {
      if (p.type === 'nack') {
        this.retransmit(p.mediaSsrc, nackLost(p.items), srtp);
        continue;
      }
      if (p.type === 'pli' || p.type === 'fir') {
        for (const ssrc of p.type === 'pli' ? [p.mediaSsrc] : p.entries.map((e) => e.ssrc)) {
          const v = this.sources.find((x) => x.ssrc === ssrc);
          if (!(v instanceof VideoSource)) continue;
          v.requestKeyframe();
          this.countersOf(ssrc)[p.type === 'pli' ? 'pliReceived' : 'firReceived']++;
        }
        continue;
      }
      if (p.type === 'remb') {
        for (const ssrc of p.ssrcs) if (this.sources.some((x) => x.ssrc === ssrc)) this.countersOf(ssrc).rembBps = p.bitrate;
        continue;
      }
      if (p.type !== 'sr' && p.type !== 'rr') continue;
      for (const b of p.reports) {
        if (!this.sources.some((src) => src.ssrc === b.ssrc)) continue;
        // RFC 3550 §6.4.1: RTT = A − LSR − DLSR, all in 1/65536 s (A: the middle 32 bits of now in NTP).
        const rtt = b.lastSr === 0 ? undefined : ((lastSrFromNtp(ntpAt(now)) - b.lastSr - b.delaySinceLastSr) >>> 0) / 65536;
        this.remoteReports.set(b.ssrc, { lost: b.cumulativeLost, ...(rtt !== undefined ? { rttMs: Math.round(rtt * 1e6) / 1e3 } : {}) });
      }
      if (p.type !== 'sr') continue;
      // the sender's own streams are not told apart by SR SSRC here: note the SR on every stream it may cover
      for (const rs of this.receivers.values()) rs.onSenderReport(lastSrFromNtp(p.ntpTimestamp), now);
    }
  }

  private fail(reason: string): void {
    this.failures[reason] = (this.failures[reason] ?? 0) + 1;
  }

  summary(): StreamSummary[] {
    const out: StreamSummary[] = this.sources.map((s) => {
      const rep = this.remoteReports.get(s.ssrc);
      const c = this.sendCounters.get(s.ssrc);
      const video = s instanceof VideoSource ? { nackReceived: c?.nackReceived ?? 0, retransmitted: c?.retransmitted ?? 0, pliReceived: c?.pliReceived ?? 0, firReceived: c?.firReceived ?? 0, keyframes: s.keyframes, keyframesRequested: s.keyframesRequested, ...(c?.rembBps !== undefined ? { rembBps: c.rembBps } : {}) } : {};
      return { direction: 'send', kind: s.kind, ssrc: s.ssrc, packets: s.packetsSent, ...(rep ? { remoteLost: rep.lost, ...(rep.rttMs !== undefined ? { rttMs: rep.rttMs } : {}) } : {}), ...video };
    });
    for (const r of this.receivers.values()) {
      const f = this.rxFeedback.get(r.ssrc);
      const video = r.kind === 'video' ? { nackSent: f?.nackSent ?? 0, pliSent: f?.pliSent ?? 0, rtxReceived: f?.rtxReceived ?? 0, rtxDuplicates: f?.rtxDuplicates ?? 0 } : {};
      out.push({ direction: 'receive', kind: r.kind, ssrc: r.ssrc, packets: r.received, lost: r.lost, jitterMs: Math.round((r.jitter / r.clockRate) * 1e6) / 1e3, ...video });
    }
    return out;
  }
}
