import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { decodeRtcp, encodeRtcp, type RtcpPacket } from '../wire/rtcp/rtcp.ts';
import { lastSrFromNtp, type ReportBlock } from '../wire/rtcp/reports.ts';
import { decodeRtp, encodeRtp } from '../wire/rtp/rtp.ts';
import { AudioSource } from './audio.ts';
import { ReceiveStream } from './receiver.ts';
import type { MediaSource, SenderParameters } from './source.ts';
import { VideoSource, type VideoOptions } from './video.ts';

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
}

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

  constructor(
    private readonly rng: Rng,
    start: Micros,
    private readonly options: MediaOptions,
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

  get nextAt(): Micros {
    return Math.min(this.nextRtcpAt, ...this.sources.map((s) => s.nextAt));
  }

  /** The SRTP/SRTCP packets due at `now`, in order. */
  due(now: Micros, srtp: SrtpSession): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const s of this.sources) {
      while (s.nextAt <= now) {
        for (const spec of s.frame(now)) {
          const r = srtp.protectRtp(encodeRtp(spec));
          if (r.ok) out.push(r.bytes);
          else this.fail(`protect-${r.reason}`);
        }
      }
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
    const d = decodeRtp(r.bytes, { spans: false }); // field spans are for the dissector's hex view
    if (d.problems.length > 0) return this.fail('malformed-rtp');
    const h = d.value.header;
    let rs = this.receivers.get(h.ssrc);
    if (!rs) {
      const video = (this.receiveKinds?.get(h.payloadType) ?? (h.payloadType === 96 ? 'video' : 'audio')) === 'video';
      rs = new ReceiveStream(h.ssrc, video ? 90_000 : 48_000, video ? 'video' : 'audio');
      this.receivers.set(h.ssrc, rs);
    }
    rs.onPacket(h.sequenceNumber, h.timestamp, now, d.value.payload.length);
  }

  onRtcp(now: Micros, packet: Uint8Array, srtp: SrtpSession): void {
    const r = srtp.unprotectRtcp(packet);
    if (!r.ok) return this.fail(`rtcp-${r.reason}`);
    this.rtcpReceived++;
    for (const p of decodeRtcp(r.bytes, 0, false).value) {
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
      return { direction: 'send', kind: s.kind, ssrc: s.ssrc, packets: s.packetsSent, ...(rep ? { remoteLost: rep.lost, ...(rep.rttMs !== undefined ? { rttMs: rep.rttMs } : {}) } : {}) };
    });
    for (const r of this.receivers.values()) {
      out.push({ direction: 'receive', kind: r.kind, ssrc: r.ssrc, packets: r.received, lost: r.lost, jitterMs: Math.round((r.jitter / r.clockRate) * 1e6) / 1e3 });
    }
    return out;
  }
}
