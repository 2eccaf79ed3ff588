import { fromBase64, toBase64 } from '../core/encoding.ts';
import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { MediaSession } from '../media/session.ts';
import { SrtpSession } from '../srtp/session.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { srtpProfile } from '../wire/srtp/profiles.ts';
import type { MediasoupNoteKinds } from './notes.ts';
import type { PlainSrtpSuite } from './plain-transport.ts';
import { requestlessClientHandlers, type Obj, type ProtooAnswer, type ProtooConnection, type ProtooHandlers } from './protoo.ts';

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface BroadcasterOptions {
  readonly name: string;
  readonly rng: Rng;
  readonly media: { readonly audio: boolean; readonly video: false | { readonly fps?: number; readonly keyframeInterval?: number } };
  /** Its RTP socket, and its RTCP socket (RTP port + 1, as ffmpeg's rtp:// output) when rtcpMux is off. */
  readonly local: TransportAddress;
  readonly rtcpLocal: TransportAddress | undefined;
  readonly comedia: boolean;
  readonly rtcpMux: boolean;
  /** enableSrtp with this suite (ffmpeg's srtp:// with -srtp_out_suite), or plain RTP. */
  readonly srtp: PlainSrtpSuite | undefined;
}

/**
 * An ffmpeg-like broadcaster, as mediasoup-demo's broadcaster scripts drive ffmpeg or GStreamer: it joins the room
 * (no RTP capabilities: it consumes nothing), asks for a PlainTransport (`comedia`, `rtcpMux`, `enableSrtp`), calls
 * connectPlainTransport (its own ip/port unless comedia; its SRTP key when SRTP is on), produces one stream per
 * kind with the SSRC and payload type it will send, then sends RTP (and an RTCP sender report every 0.5–1.5 s) to
 * the transport's ip/port (RTCP to rtcpPort without rtcpMux). Like ffmpeg it answers no feedback: the router's
 * receiver reports, REMB and PLIs are counted (and SRTCP-verified with the transport's key), nothing more.
 */
export class MediasoupBroadcaster implements Endpoint {
  conn: ProtooConnection | undefined;
  transportId: string | undefined;
  remote: TransportAddress | undefined;
  remoteRtcp: TransportAddress | undefined;
  srtp: SrtpSession | undefined;
  readonly producers: { id: string; kind: string; ssrc: number; payloadType: number }[] = [];
  readonly errors: { method: string; errorCode: number; errorReason: string }[] = [];
  readonly received = { datagrams: 0, rtcp: 0, rtcpOpened: 0, rtcpFailed: 0 };
  rtpSent = 0;
  rtcpSent = 0;
  private session: MediaSession | undefined;
  private readonly seed: bigint;
  private readonly out: EndpointOutput[] = [];
  private nextRtcpAt: Micros | undefined;
  private readonly rtcpRng: Rng;
  private readonly localKey: Uint8Array | undefined;

  constructor(readonly options: BroadcasterOptions) {
    const m = options.rng.fork('media');
    this.seed = (BigInt(m.u32()) << 32n) | BigInt(m.u32());
    this.rtcpRng = options.rng.fork('rtcp');
    if (options.srtp) {
      const p = srtpProfile(options.srtp)!;
      this.localKey = options.rng.fork('srtp').bytes(p.keyLength + p.saltLength);
    }
  }

  private newSession(start: Micros): MediaSession {
    const v = this.options.media.video;
    return new MediaSession(Rng.fromSeed(this.seed), start, { ...(this.options.media.audio ? { audio: true } : {}), ...(v !== false ? { video: v } : {}), cname: this.options.name });
  }

  readonly handlers: ProtooHandlers = requestlessClientHandlers((step, text, data) => this.step(step, text, data));

  private step(step: string, text: string, data: { readonly [k: string]: string | number | boolean }): void {
    this.note('mediasoup-broadcaster.step', `${this.options.name}: ${step}: ${text}`, { ...data, step });
  }

  private note<K extends keyof MediasoupNoteKinds>(kind: K, text: string, data: MediasoupNoteKinds[K]): void {
    this.out.push({ type: 'note', kind, text, data });
  }

  private request(now: Micros, method: string, data: Obj, done: (now: Micros, d: Obj) => void): void {
    this.conn?.request(now, method, data, (t, a: ProtooAnswer) => {
      if (!a.ok) {
        this.errors.push({ method, errorCode: a.errorCode, errorReason: a.errorReason });
        this.note('mediasoup-broadcaster.error', `${this.options.name}: ${method} failed: ${a.errorCode} ${a.errorReason}`, { method, errorCode: a.errorCode, errorReason: a.errorReason });
        return;
      }
      done(t, a.data);
    });
  }

  /** The WebSocket is open: join, the PlainTransport, connect, produce; then ffmpeg starts. */
  opened(now: Micros, conn: ProtooConnection): void {
    this.conn = conn;
    const o = this.options;
    this.request(now, 'join', { displayName: o.name, device: { flag: 'broadcaster', name: 'FFmpeg' } }, (t) => {
      this.request(t, 'createPlainTransport', { comedia: o.comedia, rtcpMux: o.rtcpMux, enableSrtp: o.srtp !== undefined, ...(o.srtp ? { srtpCryptoSuite: o.srtp } : {}) }, (t2, d) => this.transportCreated(t2, d));
    });
  }

  private transportCreated(now: Micros, d: Obj): void {
    const o = this.options;
    if (typeof d.id !== 'string' || typeof d.ip !== 'string' || typeof d.port !== 'number' || (!o.rtcpMux && typeof d.rtcpPort !== 'number')) {
      this.note('mediasoup-broadcaster.error', `${o.name}: createPlainTransport answered without id, ip, port${o.rtcpMux ? '' : ' or rtcpPort'}`, { method: 'createPlainTransport', errorCode: 400, errorReason: 'incomplete answer' });
      return;
    }
    this.transportId = d.id;
    this.remote = { ip: d.ip, port: d.port };
    this.remoteRtcp = o.rtcpMux ? this.remote : { ip: d.ip, port: d.rtcpPort as number };
    if (o.srtp && this.localKey) {
      const sp = d.srtpParameters;
      const p = srtpProfile(o.srtp)!;
      let key: Uint8Array | undefined;
      try {
        key = isObj(sp) && sp.cryptoSuite === o.srtp && typeof sp.keyBase64 === 'string' ? fromBase64(sp.keyBase64) : undefined;
      } catch {
        key = undefined;
      }
      if (!key || key.length !== p.keyLength + p.saltLength) {
        this.note('mediasoup-broadcaster.error', `${o.name}: createPlainTransport answered without usable srtpParameters for ${o.srtp}`, { method: 'createPlainTransport', errorCode: 400, errorReason: 'no srtpParameters' });
        return;
      }
      const split = (k: Uint8Array): { masterKey: Uint8Array; masterSalt: Uint8Array } => ({ masterKey: k.slice(0, p.keyLength), masterSalt: k.slice(p.keyLength) });
      this.srtp = new SrtpSession({ profile: p, local: split(this.localKey), remote: split(key) });
    }
    this.step('createPlainTransport', `transport ${d.id}: RTP to ${d.ip}:${d.port}${o.rtcpMux ? ' (rtcpMux)' : `, RTCP to ${String(d.rtcpPort)}`}${o.srtp ? `, SRTP ${o.srtp} with the transport's key` : ''}`, { transport: d.id });
    const connect: Obj = {
      transportId: d.id,
      ...(o.comedia ? {} : { ip: o.local.ip, port: o.local.port, ...(o.rtcpLocal ? { rtcpPort: o.rtcpLocal.port } : {}) }),
      ...(o.srtp && this.localKey ? { srtpParameters: { cryptoSuite: o.srtp, keyBase64: toBase64(this.localKey) } } : {}),
    };
    // mediasoup needs connect() unless comedia without SRTP
    if (!o.comedia || o.srtp) this.request(now, 'connectPlainTransport', connect, (t) => this.produce(t));
    else this.produce(now);
  }

  /** One produce per kind, with the SSRC and payload type ffmpeg is told to use (-ssrc, -payload_type). */
  private produce(now: Micros): void {
    const probe = this.newSession(now);
    let pending = probe.sources.length;
    for (const s of probe.sources) {
      const pt = s.payloadType;
      const codec: Obj = s.kind === 'audio' ? { mimeType: 'audio/opus', payloadType: pt, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 }, rtcpFeedback: [] } : { mimeType: 'video/VP8', payloadType: pt, clockRate: 90000, parameters: {}, rtcpFeedback: [] };
      this.request(now, 'produce', { transportId: this.transportId!, kind: s.kind, rtpParameters: { codecs: [codec], encodings: [{ ssrc: s.ssrc }], rtcp: { cname: this.options.name } }, appData: {} }, (t, d) => {
        this.producers.push({ id: String(d.id), kind: s.kind, ssrc: s.ssrc, payloadType: pt });
        this.step('produce', `${s.kind} SSRC ${s.ssrc} (payload type ${pt}) is producer ${String(d.id)}`, { producer: String(d.id), ssrc: s.ssrc });
        if (--pending === 0) this.start(t);
      });
    }
  }

  /** ffmpeg starts: the streams from now, an SR every 0.5–1.5 s (RFC 3550 §6.3.1). */
  private start(now: Micros): void {
    this.session = this.newSession(now);
    this.nextRtcpAt = now + this.rtcpDelay();
    this.step('ffmpeg', `sends ${this.session.sources.map((s) => s.kind).join(' and ')} as ${this.srtp ? `SRTP (${this.srtp.profile.name})` : 'plain RTP'} to ${formatTransportAddress(this.remote!)}`, { to: formatTransportAddress(this.remote!) });
  }

  private rtcpDelay(): Micros {
    return Math.round(1_000_000 * (0.5 + this.rtcpRng.float()));
  }

  streams(): Obj[] {
    return (this.session?.sources ?? []).map((s) => ({ kind: s.kind, ssrc: s.ssrc, payloadType: s.payloadType, packets: s.packetsSent, octets: s.octetsSent }));
  }

  handleDatagram(_now: Micros, _from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    this.received.datagrams++;
    const b = bytes[1];
    if (b === undefined || b < 192 || b > 223) return;
    this.received.rtcp++;
    if (!this.srtp) return;
    if (this.srtp.unprotectRtcp(bytes).ok) this.received.rtcpOpened++;
    else this.received.rtcpFailed++;
  }

  handleTimeout(now: Micros): void {
    this.produceMedia(now);
  }

  private produceMedia(now: Micros): void {
    const s = this.session;
    if (!s || !this.remote) return;
    for (const src of s.sources) while (src.nextAt <= now) for (const spec of src.frame(now)) if (this.send(this.options.local, this.remote, encodeRtp(spec), false)) this.rtpSent++;
    if (this.nextRtcpAt !== undefined && this.nextRtcpAt <= now) {
      this.nextRtcpAt = now + this.rtcpDelay();
      if (this.send(this.options.rtcpLocal ?? this.options.local, this.remoteRtcp!, encodeRtcp(s.report(now)), true)) this.rtcpSent++;
    }
  }

  private send(from: TransportAddress, to: TransportAddress, plain: Uint8Array, rtcp: boolean): boolean {
    let bytes = plain;
    if (this.srtp) {
      const r = rtcp ? this.srtp.protectRtcp(plain) : this.srtp.protectRtp(plain);
      if (!r.ok) return false;
      bytes = r.bytes;
    }
    this.out.push({ type: 'transmit', from, to, bytes });
    return true;
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.length === 0) this.produceMedia(now);
    const next = this.out.shift();
    if (next) return next;
    const s = this.session;
    if (!s || s.sources.length === 0) return { type: 'idle' };
    const frameAt = Math.min(...s.sources.map((x) => x.nextAt));
    if (this.nextRtcpAt !== undefined && this.nextRtcpAt < frameAt) return { type: 'timeout', at: this.nextRtcpAt, reason: 'rtcp-report' };
    return { type: 'timeout', at: frameAt, reason: 'rtp-frame' };
  }
}
