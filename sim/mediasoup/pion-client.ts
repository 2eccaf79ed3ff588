import { deadlineOf, nextWake } from '../core/deadline.ts';
import type { Endpoint, EndpointOutput, IcmpError, Transport, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent } from '../ice/agent.ts';
import { MediaSession } from '../media/session.ts';
import { OPUS_PT } from '../media/audio.ts';
import { VP8_PT } from '../media/video.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import { IceDtlsSrtpTransport } from '../webrtc/transport.ts';
import type { MediasoupNoteKinds } from './notes.ts';
import type { Obj, ProtooAnswer, ProtooConnection, ProtooHandlers } from './protoo.ts';

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface PionClientOptions {
  readonly name: string;
  readonly rng: Rng;
  /** The self-signed certificate (selfsign.GenerateSelfSigned); its SHA-256 fingerprint goes in connectWebRtcTransport. */
  readonly identity: DtlsIdentity;
  /** dtls.Client (this side sends the ClientHello) or dtls.Server. */
  readonly dtlsRole: 'client' | 'server';
  readonly media: { readonly audio: boolean; readonly video: false | { readonly fps?: number } };
  readonly consume: boolean;
}

/**
 * The seed's Go client written with pion, against the mediasoup-demo API: no SDP at all. It asks for one
 * WebRtcTransport (producing and consuming), joins, dials a controlling ICE agent (pion/ice `Agent.Dial`) with the
 * transport's ICE parameters and candidates, and once ICE is connected sends connectWebRtcTransport with its role
 * and the SHA-256 fingerprint of its self-signed certificate; then `dtls.Client` or `dtls.Server` on the ICE
 * connection, SRTP and SRTCP sessions from the exported keys (`ExtractSessionKeysFromDTLS`), a write stream per
 * produced SSRC (`produce` with its SSRC) and a read stream per consumer SSRC (`newConsumer` accepted, then
 * `resumeConsumer`).
 */
export class PionClient implements Endpoint {
  readonly agent: IceAgent;
  readonly transport: IceDtlsSrtpTransport;
  conn: ProtooConnection | undefined;
  readonly producers: { id: string; kind: string; ssrc: number }[] = [];
  readonly consumers: { id: string; kind: string; ssrc: number; peerId: string; resumed: boolean }[] = [];
  readonly errors: { method: string; errorCode: number; errorReason: string }[] = [];
  transportId: string | undefined;
  private media: MediaSession | undefined;
  private readonly mediaSeed: bigint;
  private readonly out: EndpointOutput[] = [];
  private connectAsked = false;
  private joined = false;
  /** The kinds of the payload types it reads (the consumers' codecs). */
  private readonly receiveKinds = new Map<number, 'audio' | 'video'>([[OPUS_PT, 'audio'], [VP8_PT, 'video']]);

  constructor(readonly options: PionClientOptions) {
    const rng = options.rng;
    this.agent = new IceAgent({ name: options.name, rng: rng.fork('ice'), role: 'controlling', trickle: false, nomination: 'regular' });
    this.transport = new IceDtlsSrtpTransport(this.agent, {
      iceRunning: () => this.transportId !== undefined,
      afterIcePoll: (now) => {
        void this.agent.takeSignals(); // no SDP: its own candidates go nowhere (mediasoup is ICE-lite and learns them from checks)
        if (this.agent.selected && !this.connectAsked) this.iceConnected(now);
      },
      keyed: (now, srtp) => this.keyed(now, srtp),
      media: (now, kind, bytes) => this.read(now, kind, bytes),
      produce: (now) => this.write(now),
    }, {});
    const m = rng.fork('media');
    this.mediaSeed = (BigInt(m.u32()) << 32n) | BigInt(m.u32());
  }

  addLocalAddress(a: TransportAddress): void {
    this.agent.addLocalAddress(a);
  }

  readonly handlers: ProtooHandlers = {
    request: (now, method, data, answer) => this.serverRequest(now, method, data, answer),
    notification: (_now, method, data) => this.step(`notification ${method}`, JSON.stringify(data), {}),
    invalid: (_now, error) => this.step('invalid', `a message that is not protoo: ${error}`, {}),
    closed: (_now, code) => this.step('closed', `the WebSocket closed (${code})`, { code }),
  };

  private step(step: string, text: string, data: { readonly [k: string]: string | number | boolean }): void {
    this.note('pion-client.step', `${this.options.name}: ${step}: ${text}`, { ...data, step });
  }

  private note<K extends keyof MediasoupNoteKinds>(kind: K, text: string, data: MediasoupNoteKinds[K]): void {
    this.out.push({ type: 'note', kind, text, data });
  }

  private request(now: Micros, method: string, data: Obj, done: (now: Micros, d: Obj) => void): void {
    this.conn?.request(now, method, data, (t, a) => {
      if (!a.ok) {
        this.errors.push({ method, errorCode: a.errorCode, errorReason: a.errorReason });
        this.note('pion-client.error', `${this.options.name}: ${method} failed: ${a.errorCode} ${a.errorReason}`, { method, errorCode: a.errorCode, errorReason: a.errorReason });
        return;
      }
      done(t, a.data);
    });
  }

  /** The WebSocket is open: capabilities, one transport, join, then ICE. */
  opened(now: Micros, conn: ProtooConnection): void {
    this.conn = conn;
    this.request(now, 'getRouterRtpCapabilities', {}, (t, caps) => {
      this.request(t, 'createWebRtcTransport', { forceTcp: false, producing: true, consuming: this.options.consume }, (t2, d) => {
        const ice = d.iceParameters;
        if (typeof d.id !== 'string' || !isObj(ice) || typeof ice.usernameFragment !== 'string' || typeof ice.password !== 'string' || !Array.isArray(d.iceCandidates)) {
          this.note('pion-client.error', `${this.options.name}: createWebRtcTransport answered without id, iceParameters or iceCandidates`, { method: 'createWebRtcTransport', errorCode: 400, errorReason: 'incomplete answer' });
          return;
        }
        this.transportId = d.id;
        const candidates = d.iceCandidates.filter(isObj).map((c) => `${String(c.foundation)} 1 ${String(c.protocol)} ${String(c.priority)} ${String(c.address ?? c.ip)} ${String(c.port)} typ ${String(c.type)}${c.tcpType !== undefined ? ` tcptype ${String(c.tcpType)}` : ''}`);
        // ice.NewAgent, AddRemoteCandidate for each of the server's candidates, then Dial(ufrag, pwd): controlling
        this.agent.handleSignal(t2, { type: 'description', ufrag: ice.usernameFragment, pwd: ice.password, lite: ice.iceLite === true, candidates, endOfCandidates: true, restart: false });
        this.step('ice.Agent.Dial', `controlling ICE agent dialled with ufrag ${ice.usernameFragment} and ${candidates.length} remote candidate(s)`, { candidates: candidates.length });
        const dtls = d.dtlsParameters;
        const fp = isObj(dtls) && Array.isArray(dtls.fingerprints) ? dtls.fingerprints.find((f) => isObj(f) && f.algorithm === 'sha-256') : undefined;
        if (isObj(fp) && typeof fp.value === 'string') this.serverFingerprint = `sha-256 ${fp.value}`;
        this.request(t2, 'join', { displayName: this.options.name, device: { flag: 'pion', name: 'pion', version: '3' }, rtpCapabilities: caps }, (t3) => {
          this.joined = true;
          this.maybeProduce(t3);
        });
      });
    });
  }

  /** ICE connected (the agent selected a pair): the fingerprint goes to the server, then DTLS in the chosen role. */
  private iceConnected(now: Micros): void {
    this.connectAsked = true;
    const fp = this.options.identity.fingerprint;
    this.step('fingerprint.Fingerprint', `self-signed certificate, SHA-256 ${fp.slice(0, 23)}…; connectWebRtcTransport with role ${this.options.dtlsRole}`, { role: this.options.dtlsRole });
    this.request(now, 'connectWebRtcTransport', { transportId: this.transportId!, dtlsParameters: { role: this.options.dtlsRole, fingerprints: [{ algorithm: 'sha-256', value: fp }] } }, (t, _d) => this.startDtls(t));
  }

  private startDtls(now: Micros): void {
    void now;
    const fp = this.serverFingerprint;
    this.transport.startDtls({ role: this.options.dtlsRole, rng: this.options.rng.fork('dtls'), identity: this.options.identity, ...(fp ? { remoteFingerprint: fp } : {}), srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80'] });
    this.transport.followSelection(now);
    this.step(this.options.dtlsRole === 'client' ? 'dtls.Client' : 'dtls.Server', `DTLS ${this.options.dtlsRole} on the ICE connection (SRTP_AES128_CM_HMAC_SHA1_80, extended master secret required)`, { role: this.options.dtlsRole });
  }

  /** The server's sha-256 fingerprint from createWebRtcTransport, which the client checks (pion's VerifyPeerCertificate). */
  serverFingerprint: string | undefined;

  private keyed(now: Micros, srtp: SrtpSession): void {
    this.step('srtp.Config.ExtractSessionKeysFromDTLS', `${srtpProfileName(srtp.profile.id)} keys from the DTLS exporter; NewSessionSRTP and NewSessionSRTCP on the ICE connection (writing with the ${this.options.dtlsRole} keys)`, { profile: srtpProfileName(srtp.profile.id) });
    this.media = new MediaSession(Rng.fromSeed(this.mediaSeed), now, {
      ...(this.options.media.audio ? { audio: true } : {}), ...(this.options.media.video !== false ? { video: this.options.media.video } : {}), cname: this.options.name,
      send: { audio: { mid: '0', payloadType: OPUS_PT, extensions: {} }, video: { mid: '1', payloadType: VP8_PT, extensions: {} } },
    });
    this.media.receiveKinds = this.receiveKinds;
    this.maybeProduce(now);
  }

  /** produce, one request per write stream, once joined and keyed (its SSRCs are known then). */
  private maybeProduce(now: Micros): void {
    if (!this.joined || !this.media || this.producers.length > 0 || !this.conn) return;
    for (const s of this.media.sources) {
      const codec: Obj = s.kind === 'audio' ? { mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2, parameters: {}, rtcpFeedback: [] } : { mimeType: 'video/VP8', payloadType: VP8_PT, clockRate: 90000, parameters: {}, rtcpFeedback: [] };
      this.producers.push({ id: '', kind: s.kind, ssrc: s.ssrc });
      this.request(now, 'produce', { transportId: this.transportId!, kind: s.kind, rtpParameters: { mid: s.mid, codecs: [codec], headerExtensions: [], encodings: [{ ssrc: s.ssrc }], rtcp: { cname: this.options.name } }, appData: {} }, (_t, d) => {
        const p = this.producers.find((x) => x.ssrc === s.ssrc)!;
        p.id = String(d.id);
        this.step('OpenWriteStream', `write stream for SSRC ${s.ssrc} (${s.kind}) is producer ${p.id}`, { ssrc: s.ssrc, producer: p.id });
      });
    }
  }

  private serverRequest(now: Micros, method: string, data: Obj, answer: (now: Micros, a: ProtooAnswer) => void): void {
    if (method !== 'newConsumer') return answer(now, { ok: false, errorCode: 500, errorReason: `unknown method "${method}"` });
    const rp = data.rtpParameters;
    const enc = isObj(rp) && Array.isArray(rp.encodings) ? rp.encodings[0] : undefined;
    if (!this.options.consume || !isObj(enc) || typeof enc.ssrc !== 'number') return answer(now, { ok: false, errorCode: 400, errorReason: this.options.consume ? 'no encodings[0].ssrc' : 'not consuming' });
    const c = { id: String(data.id), kind: String(data.kind), ssrc: enc.ssrc, peerId: String(data.peerId), resumed: false };
    this.consumers.push(c);
    const codec = isObj(rp) && Array.isArray(rp.codecs) && isObj(rp.codecs[0]) ? rp.codecs[0] : undefined;
    if (codec && typeof codec.payloadType === 'number') this.receiveKinds.set(codec.payloadType, c.kind === 'video' ? 'video' : 'audio');
    this.step('OpenReadStream', `read stream for SSRC ${c.ssrc} (${c.peerId}'s ${c.kind}); newConsumer accepted`, { ssrc: c.ssrc, consumer: c.id });
    answer(now, { ok: true, data: {} });
    this.request(now, 'resumeConsumer', { consumerId: c.id }, () => {
      c.resumed = true;
    });
  }

  private read(now: Micros, kind: 'rtp' | 'rtcp', bytes: Uint8Array): void {
    const srtp = this.transport.srtp;
    if (!srtp || !this.media) return;
    if (kind === 'rtp') this.media.onRtp(now, bytes, srtp);
    else this.media.onRtcp(now, bytes, srtp);
  }

  private write(now: Micros): { sent: boolean; next: { at: Micros; reason: string } | undefined } {
    const srtp = this.transport.srtp;
    if (!srtp || !this.media || this.producers.length === 0) return { sent: false, next: undefined };
    let sent = false;
    for (const bytes of this.media.due(now, srtp)) if (this.transport.send(now, bytes)) sent = true;
    return { sent, next: { at: this.media.nextAt, reason: 'media' } };
  }

  /** Streams as `summary.media` lists them: its write streams and read streams. */
  streams(): Obj[] {
    return (this.media?.summary() ?? []).map((s) => ({ ...s }) as Obj);
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.transport.handleDatagram(now, from, to, bytes, transport);
  }

  /** An ICE-TCP connection (pion's TCPMux on the active side) closed or was refused: its pairs fail (RFC 6544 §7.1). */
  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.transport.handleStreamClosed(now, local, remote, error);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.transport.handleIcmpError(now, e);
  }

  handleTimeout(now: Micros): void {
    this.transport.handleTimeout(now);
  }

  poll(now: Micros): EndpointOutput {
    const q = this.out.shift();
    if (q) return q;
    const o = this.transport.poll(now);
    if (this.out.length > 0) {
      // a step noted while polling leaves first; the transport's output waits for the next poll
      if (o.type === 'timeout' || o.type === 'idle') return this.out.shift()!;
      this.out.push(o);
      return this.out.shift()!;
    }
    return o.type === 'timeout' || o.type === 'idle' ? nextWake(deadlineOf(o)) : o;
  }
}
