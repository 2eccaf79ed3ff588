import { fromBase64, toBase64 } from '../core/encoding.ts';
import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { ReceiveStream } from '../media/receiver.ts';
import { isVp8Keyframe } from '../media/video.ts';
import { ROUTER_RTP_CAPABILITIES } from '../sfu/server.ts';
import { SrtpSession } from '../srtp/session.ts';
import { decodeRtcp, encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { lastSrFromNtp } from '../wire/rtcp/reports.ts';
import { rtpHeaderLength } from '../wire/rtp/rtp.ts';
import { srtpProfile } from '../wire/srtp/profiles.ts';
import type { MediasoupNoteKinds } from './notes.ts';
import type { PlainSrtpSuite } from './plain-transport.ts';
import { requestlessClientHandlers, type Obj, type ProtooAnswer, type ProtooConnection, type ProtooHandlers } from './protoo.ts';

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface PlainReceiverOptions {
  readonly name: string;
  readonly rng: Rng;
  /** The peer whose producers it consumes (the demo's broadcaster consumes by producer id; it picks them by peer). */
  readonly from: string;
  /** Its RTP socket, and its RTCP socket (RTP port + 1, as ffmpeg's SDP input listens) when rtcpMux is off. */
  readonly local: TransportAddress;
  readonly rtcpLocal: TransportAddress | undefined;
  readonly rtcpMux: boolean;
  readonly srtp: PlainSrtpSuite | undefined;
}

/** One consumer as the receiver knows it from the consume answer (the SDP ffmpeg would be given). */
export interface ReceiverStream {
  readonly consumerId: string;
  readonly producerId: string;
  readonly kind: string;
  readonly ssrc: number;
  readonly payloadType: number;
  readonly recv: ReceiveStream;
  keyframes: number;
  wrongPayloadType: number;
}

/**
 * An ffmpeg-like receiver of a plain consumer (ffmpeg or GStreamer recording a mediasoup room through a consuming
 * PlainTransport, as mediasoup's docs and its recording examples do it): it joins as a broadcaster with its RTP
 * capabilities (the answer lists the producers it can consume), asks for a PlainTransport (comedia off: it gives its
 * own address in connectPlainTransport, with its SRTP key when SRTP is on), consumes the chosen peer's producers
 * paused, then resumes them once its sockets listen. It reads RTP (or SRTP) per consumer SSRC with RFC 3550's
 * reception statistics, and sends a receiver report (report blocks, SDES CNAME) every 0.5–1.5 s, as ffmpeg's RTP
 * demuxer does; sender reports from the router feed LSR/DLSR.
 */
export class MediasoupPlainReceiver implements Endpoint {
  conn: ProtooConnection | undefined;
  transportId: string | undefined;
  remote: TransportAddress | undefined;
  remoteRtcp: TransportAddress | undefined;
  srtp: SrtpSession | undefined;
  readonly streams: ReceiverStream[] = [];
  readonly errors: { method: string; errorCode: number; errorReason: string }[] = [];
  readonly received = { rtp: 0, rtcp: 0, senderReports: 0, unknownSsrc: 0, srtpFailures: 0 };
  rtcpSent = 0;
  private readonly ssrc: number;
  private readonly out: EndpointOutput[] = [];
  private nextRtcpAt: Micros | undefined;
  private readonly rtcpRng: Rng;
  private readonly localKey: Uint8Array | undefined;

  constructor(readonly options: PlainReceiverOptions) {
    this.rtcpRng = options.rng.fork('rtcp');
    this.ssrc = options.rng.fork('ssrc').u32();
    if (options.srtp) {
      const p = srtpProfile(options.srtp)!;
      this.localKey = options.rng.fork('srtp').bytes(p.keyLength + p.saltLength);
    }
  }

  readonly handlers: ProtooHandlers = requestlessClientHandlers((step, text, data) => this.step(step, text, data));

  private step(step: string, text: string, data: { readonly [k: string]: string | number | boolean }): void {
    this.note('mediasoup-receiver.step', `${this.options.name}: ${step}: ${text}`, { ...data, step });
  }

  private note<K extends keyof MediasoupNoteKinds>(kind: K, text: string, data: MediasoupNoteKinds[K]): void {
    this.out.push({ type: 'note', kind, text, data });
  }

  private fail(method: string, errorCode: number, errorReason: string): void {
    this.errors.push({ method, errorCode, errorReason });
    this.note('mediasoup-receiver.error', `${this.options.name}: ${method} failed: ${errorCode} ${errorReason}`, { method, errorCode, errorReason });
  }

  private request(now: Micros, method: string, data: Obj, done: (now: Micros, d: Obj) => void): void {
    this.conn?.request(now, method, data, (t, a: ProtooAnswer) => (a.ok ? done(t, a.data) : this.fail(method, a.errorCode, a.errorReason)));
  }

  /** The WebSocket is open: join with its capabilities (the answer names the producers), then the transport. */
  opened(now: Micros, conn: ProtooConnection): void {
    this.conn = conn;
    const o = this.options;
    const codecs = (ROUTER_RTP_CAPABILITIES.codecs as Obj[]).filter((c) => c.mimeType !== 'video/rtx');
    this.request(now, 'join', { displayName: o.name, device: { flag: 'broadcaster', name: 'FFmpeg' }, rtpCapabilities: { codecs, headerExtensions: [] } }, (t, d) => {
      const peer = Array.isArray(d.peers) ? d.peers.find((p) => isObj(p) && p.id === o.from) : undefined;
      const producers = isObj(peer) && Array.isArray(peer.producers) ? peer.producers.filter(isObj).map((p) => String(p.id)) : [];
      if (producers.length === 0) return this.fail('join', 404, `peer "${o.from}" has no producer to consume`);
      this.request(t, 'createPlainTransport', { comedia: false, rtcpMux: o.rtcpMux, enableSrtp: o.srtp !== undefined, ...(o.srtp ? { srtpCryptoSuite: o.srtp } : {}) }, (t2, x) => this.transportCreated(t2, x, producers));
    });
  }

  private transportCreated(now: Micros, d: Obj, producers: readonly string[]): void {
    const o = this.options;
    if (typeof d.id !== 'string' || typeof d.ip !== 'string' || typeof d.port !== 'number' || (!o.rtcpMux && typeof d.rtcpPort !== 'number')) {
      return this.fail('createPlainTransport', 400, `answer without id, ip, port${o.rtcpMux ? '' : ' or rtcpPort'}`);
    }
    this.transportId = d.id;
    this.remote = { ip: d.ip, port: d.port };
    this.remoteRtcp = o.rtcpMux ? this.remote : { ip: d.ip, port: d.rtcpPort as number };
    if (o.srtp && this.localKey) {
      const p = srtpProfile(o.srtp)!;
      const sp = d.srtpParameters;
      let key: Uint8Array | undefined;
      try {
        key = isObj(sp) && sp.cryptoSuite === o.srtp && typeof sp.keyBase64 === 'string' ? fromBase64(sp.keyBase64) : undefined;
      } catch {
        key = undefined;
      }
      if (!key || key.length !== p.keyLength + p.saltLength) return this.fail('createPlainTransport', 400, `no usable srtpParameters for ${o.srtp}`);
      const split = (k: Uint8Array): { masterKey: Uint8Array; masterSalt: Uint8Array } => ({ masterKey: k.slice(0, p.keyLength), masterSalt: k.slice(p.keyLength) });
      this.srtp = new SrtpSession({ profile: p, local: split(this.localKey), remote: split(key) });
    }
    this.step('createPlainTransport', `transport ${d.id} at ${d.ip}:${d.port}${o.rtcpMux ? ' (rtcpMux)' : `, RTCP ${String(d.rtcpPort)}`}${o.srtp ? `, SRTP ${o.srtp}` : ''}`, { transport: d.id });
    const connect: Obj = {
      transportId: d.id, ip: o.local.ip, port: o.local.port, ...(o.rtcpLocal ? { rtcpPort: o.rtcpLocal.port } : {}),
      ...(o.srtp && this.localKey ? { srtpParameters: { cryptoSuite: o.srtp, keyBase64: toBase64(this.localKey) } } : {}),
    };
    this.request(now, 'connectPlainTransport', connect, (t) => {
      let pending = producers.length;
      for (const producerId of producers) this.request(t, 'consume', { transportId: d.id as string, producerId, paused: true }, (t2, c) => {
        this.consumed(c);
        if (--pending === 0) this.resume(t2);
      });
    });
  }

  /** The consume answer is the SDP ffmpeg is given: the SSRC and payload type of each stream. */
  private consumed(c: Obj): void {
    const rp = c.rtpParameters;
    const codec = isObj(rp) && Array.isArray(rp.codecs) && isObj(rp.codecs[0]) ? rp.codecs[0] : undefined;
    const enc = isObj(rp) && Array.isArray(rp.encodings) && isObj(rp.encodings[0]) ? rp.encodings[0] : undefined;
    if (typeof c.id !== 'string' || typeof c.kind !== 'string' || !codec || typeof codec.payloadType !== 'number' || !enc || typeof enc.ssrc !== 'number') {
      return this.fail('consume', 400, 'answer without id, kind, codecs[0].payloadType or encodings[0].ssrc');
    }
    const clockRate = typeof codec.clockRate === 'number' ? codec.clockRate : c.kind === 'video' ? 90000 : 48000;
    this.streams.push({ consumerId: c.id, producerId: String(c.producerId), kind: c.kind, ssrc: enc.ssrc, payloadType: codec.payloadType, recv: new ReceiveStream(enc.ssrc, clockRate, c.kind), keyframes: 0, wrongPayloadType: 0 });
    this.step('consume', `consumer ${c.id}: ${c.kind} SSRC ${enc.ssrc}, payload type ${codec.payloadType} (paused)`, { consumer: c.id, ssrc: enc.ssrc });
  }

  /** ffmpeg is listening: resume every consumer (consumed paused so the first packets, and the keyframe, are not lost). */
  private resume(now: Micros): void {
    for (const s of this.streams) this.request(now, 'resumeConsumer', { consumerId: s.consumerId }, () => undefined);
    this.nextRtcpAt = now + this.rtcpDelay();
    this.step('ffmpeg', `listens on ${formatTransportAddress(this.options.local)}${this.options.rtcpLocal ? ` and ${this.options.rtcpLocal.port}` : ''} for ${this.streams.map((s) => s.kind).join(' and ')}`, { streams: this.streams.length });
  }

  private rtcpDelay(): Micros {
    return Math.round(1_000_000 * (0.5 + this.rtcpRng.float()));
  }

  handleDatagram(now: Micros, _from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    const b = bytes[1];
    if (bytes.length < 8 || (bytes[0]! & 0xc0) !== 0x80 || b === undefined) return;
    const rtcp = b >= 192 && b <= 223; // RFC 5761 §4
    let plain = bytes;
    if (this.srtp) {
      const r = rtcp ? this.srtp.unprotectRtcp(bytes) : this.srtp.unprotectRtp(bytes);
      if (!r.ok) {
        this.received.srtpFailures++;
        return;
      }
      plain = r.bytes;
    }
    if (rtcp) return this.onRtcp(now, plain);
    const h = rtpHeaderLength(plain);
    if (h === undefined) return;
    const v = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
    const s = this.streams.find((x) => x.ssrc === v.getUint32(8));
    if (!s) {
      this.received.unknownSsrc++;
      return;
    }
    this.received.rtp++;
    if ((plain[1]! & 0x7f) !== s.payloadType) s.wrongPayloadType++;
    s.recv.onPacket(v.getUint16(2), v.getUint32(4), now, plain.length - h);
    if (s.kind === 'video' && isVp8Keyframe(plain.subarray(h))) s.keyframes++;
  }

  private onRtcp(now: Micros, plain: Uint8Array): void {
    this.received.rtcp++;
    for (const pkt of decodeRtcp(plain, 0, false).value) {
      if (pkt.type !== 'sr') continue;
      this.received.senderReports++;
      this.streams.find((s) => s.ssrc === pkt.ssrc)?.recv.onSenderReport(lastSrFromNtp(pkt.ntpTimestamp), now);
    }
  }

  handleTimeout(now: Micros): void {
    this.report(now);
  }

  /** RFC 3550 §6.4.2: a receiver report about every stream heard, with SDES CNAME (§6.1: a compound starts with RR). */
  private report(now: Micros): void {
    if (this.nextRtcpAt === undefined || this.nextRtcpAt > now || !this.remoteRtcp) return;
    this.nextRtcpAt = now + this.rtcpDelay();
    const heard = this.streams.filter((s) => s.recv.received > 0);
    if (heard.length === 0) return;
    const plain = encodeRtcp([{ type: 'rr', ssrc: this.ssrc, reports: heard.map((s) => s.recv.reportBlock(now)) }, { type: 'sdes', chunks: [{ ssrc: this.ssrc, items: [{ itemType: 1, value: this.options.name }] }] }]);
    let bytes = plain;
    if (this.srtp) {
      const r = this.srtp.protectRtcp(plain);
      if (!r.ok) return;
      bytes = r.bytes;
    }
    this.rtcpSent++;
    this.out.push({ type: 'transmit', from: this.options.rtcpLocal ?? this.options.local, to: this.remoteRtcp, bytes });
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.length === 0) this.report(now);
    const next = this.out.shift();
    if (next) return next;
    return this.nextRtcpAt !== undefined ? { type: 'timeout', at: this.nextRtcpAt, reason: 'rtcp-report' } : { type: 'idle' };
  }

  summary(): Obj {
    return {
      transport: this.transportId ?? null, from: this.remote ? formatTransportAddress(this.remote) : null, srtp: this.srtp ? this.srtp.profile.name : null,
      streams: this.streams.map((s) => ({ consumer: s.consumerId, kind: s.kind, ssrc: s.ssrc, payloadType: s.payloadType, packets: s.recv.received, lost: Math.max(0, s.recv.expected - s.recv.received), keyframes: s.keyframes, wrongPayloadType: s.wrongPayloadType })),
      received: { ...this.received }, rtcpSent: this.rtcpSent, errors: this.errors.map((x) => ({ ...x })),
    };
  }
}
