import { mediaNote } from './notes.ts';
import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { MediaSession } from './session.ts';

export interface PlainRtpSenderOptions {
  readonly name: string;
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly rng: Rng;
  readonly audio: boolean;
  readonly video: false | { readonly fps?: number; readonly keyframeInterval?: number };
  readonly start: Micros;
  /** Send RTCP sender reports on the RTP port (RFC 5761 multiplexing), as mediasoup's PlainTransport expects by default. */
  readonly rtcp: boolean;
}

/**
 * Plain RTP with no ICE, DTLS or SRTP (RFC 3550): what ffmpeg or GStreamer sends to an SFU's plain transport. The
 * same audio and video sources as a call, RTP in the clear from one port to a fixed remote, and an SR + SDES
 * compound every 0.5–1.5 s (RFC 3550 §6.3.1) on the same port. Datagrams that come back are counted, not read.
 */
export class PlainRtpSender implements Endpoint {
  private readonly session: MediaSession;
  private readonly rtcpRng: Rng;
  private readonly out: EndpointOutput[] = [];
  private nextRtcpAt: Micros | undefined;
  private started = false;
  rtcpSent = 0;
  received = 0;

  constructor(private readonly o: PlainRtpSenderOptions) {
    this.session = new MediaSession(o.rng.fork('media'), o.start, { audio: o.audio, video: o.video === false ? false : o.video, cname: o.name });
    this.rtcpRng = o.rng.fork('rtcp');
    if (o.rtcp && this.session.sources.length > 0) this.nextRtcpAt = o.start + this.rtcpDelay();
  }

  /** The streams it sends: kind, SSRC, packets and payload octets so far. */
  streams(): { kind: string; ssrc: number; payloadType: number; packets: number; octets: number }[] {
    return this.session.sources.map((s) => ({ kind: s.kind, ssrc: s.ssrc, payloadType: s.payloadType, packets: s.packetsSent, octets: s.octetsSent }));
  }

  private rtcpDelay(): Micros {
    return Math.round(1_000_000 * (0.5 + this.rtcpRng.float()));
  }

  handleDatagram(): void {
    this.received++;
  }

  handleTimeout(now: Micros): void {
    this.produce(now);
  }

  private produce(now: Micros): void {
    if (now < this.o.start) return;
    if (!this.started) {
      this.started = true;
      const to = formatTransportAddress(this.o.remote);
      const ssrcs = this.session.sources.map((s) => `${s.kind} 0x${s.ssrc.toString(16)}`);
      this.out.push({ type: 'note', ...mediaNote('rtp-sender.started', `${this.o.name} sends plain RTP to ${to}: ${ssrcs.join(', ') || 'no streams'}`, { to, ssrcs }) });
    }
    for (const s of this.session.sources) {
      while (s.nextAt <= now) for (const spec of s.frame(now)) this.send(encodeRtp(spec));
    }
    if (this.nextRtcpAt !== undefined && this.nextRtcpAt <= now) {
      this.nextRtcpAt = now + this.rtcpDelay();
      this.send(encodeRtcp(this.session.report(now)));
      this.rtcpSent++;
    }
  }

  private send(bytes: Uint8Array): void {
    this.out.push({ type: 'transmit', from: this.o.local, to: this.o.remote, bytes });
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.length === 0) this.produce(now);
    const next = this.out.shift();
    if (next) return next;
    const frameAt = this.session.sources.length > 0 ? Math.min(...this.session.sources.map((s) => s.nextAt)) : undefined;
    if (frameAt === undefined) return { type: 'idle' };
    if (this.nextRtcpAt !== undefined && this.nextRtcpAt < frameAt) return { type: 'timeout', at: this.nextRtcpAt, reason: 'rtcp-report' };
    return { type: 'timeout', at: Math.max(frameAt, this.o.start), reason: 'rtp-frame' };
  }
}
