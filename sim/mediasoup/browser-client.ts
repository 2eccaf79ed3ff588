import { deadlineOf, nextWake, type Deadline } from '../core/deadline.ts';
import { sameTransportAddress, type Endpoint, type EndpointOutput, type IcmpError, type Transport, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { writeDescription, type MediaSectionSpec } from '../peer/sdp.ts';
import type { WebRtcPeer } from '../peer/webrtc-peer.ts';
import { jsep } from '../signaling/message.ts';
import { readDescription } from '../peer/sdp.ts';
import { BrowserDataSide, SCTP_CAPABILITIES, type DataProducerSpec } from './browser-data.ts';
import { mediasoupNote, type MediasoupNoteKinds } from './notes.ts';
import type { Obj, ProtooAnswer, ProtooConnection, ProtooHandlers } from './protoo.ts';

/** A remote transport as createWebRtcTransport returned it. */
interface TransportInfo {
  readonly id: string;
  readonly ufrag: string;
  readonly pwd: string;
  readonly candidates: string[];
  readonly fingerprint: string;
  /** mediasoup's sctpParameters when the server enabled SCTP on it. */
  readonly sctp?: { readonly port: number; readonly maxMessageSize: number };
}

interface ClientConsumer {
  readonly id: string;
  readonly producerId: string;
  readonly peerId: string;
  readonly kind: 'audio' | 'video';
  readonly ssrc: number;
  readonly mid: string;
  readonly cname: string;
  resumed: boolean;
  closed: boolean;
}

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** createWebRtcTransport's answer, checked; undefined when a field is missing. */
function transportInfo(d: Obj): TransportInfo | undefined {
  const ice = d.iceParameters;
  const dtls = d.dtlsParameters;
  if (typeof d.id !== 'string' || !isObj(ice) || !isObj(dtls) || !Array.isArray(d.iceCandidates) || !Array.isArray(dtls.fingerprints)) return undefined;
  const fp = dtls.fingerprints.find((f) => isObj(f) && f.algorithm === 'sha-256');
  if (!isObj(fp) || typeof fp.value !== 'string' || typeof ice.usernameFragment !== 'string' || typeof ice.password !== 'string') return undefined;
  const candidates = d.iceCandidates.filter(isObj).map((c) => `${String(c.foundation)} 1 ${String(c.protocol)} ${String(c.priority)} ${String(c.address ?? c.ip)} ${String(c.port)} typ ${String(c.type)}${c.tcpType !== undefined ? ` tcptype ${String(c.tcpType)}` : ''}`);
  const sp = d.sctpParameters;
  // mediasoup-client 3.24 reads maxReceiveMessageSize, falling back to the deprecated maxMessageSize (older servers)
  const size = isObj(sp) ? (sp.maxReceiveMessageSize ?? sp.maxMessageSize) : undefined;
  const sctp = isObj(sp) && typeof sp.port === 'number' && typeof size === 'number' ? { port: sp.port, maxMessageSize: size } : undefined;
  return { id: d.id, ufrag: ice.usernameFragment, pwd: ice.password, candidates, fingerprint: fp.value, ...(sctp ? { sctp } : {}) };
}

/**
 * A browser running mediasoup-client (its Chrome handler, written from its behaviour) against the mediasoup-demo
 * API: it loads the router's RTP capabilities, creates a send and a receive WebRtcTransport, joins, and turns each
 * transport into SDP for an RTCPeerConnection of its own (a WebRtcPeer): the send PC's local offer gets a remote
 * answer built from the transport's ICE and DTLS parameters (ice-lite, a=setup:passive, recvonly sections); the
 * receive PC gets a remote offer built from the consumers the server announces (one sendonly section per consumer
 * with its mid and SSRC), and answers it. The first local description of each PC sets the transport up:
 * connectWebRtcTransport with DTLS role "client" and the PC's fingerprint. Produced tracks go out with `produce`;
 * each server `newConsumer` request is accepted once the receive PC has applied it, and then resumed
 * (`resumeConsumer`). With `laterTracks`, each track after the first and then the data section come in an offer
 * of their own once the previous producer is made, as mediasoup-client renegotiates per produce() and once for data.
 */
export class MediasoupBrowserClient implements Endpoint {
  readonly consumers: ClientConsumer[] = [];
  readonly producers: { id: string; kind: string; ssrc: number }[] = [];
  readonly peers = new Map<string, string>();
  readonly errors: { method: string; errorCode: number; errorReason: string }[] = [];
  conn: ProtooConnection | undefined;
  private sendT: TransportInfo | undefined;
  private recvT: TransportInfo | undefined;
  private joined = false;
  private sendConnected: 'no' | 'asked' | 'yes' = 'no';
  private recvConnected: 'no' | 'asked' | 'yes' = 'no';
  /** The send PC's answer, applied once connectWebRtcTransport was answered (mediasoup-client awaits 'connect'). */
  private heldAnswer: string | undefined;
  /** newConsumer requests accepted once the receive PC's answer exists and its transport is connected. */
  private readonly heldAccepts: { c: ClientConsumer; answer: (now: Micros, a: ProtooAnswer) => void }[] = [];
  private recvVersion = 0;
  private readonly out: EndpointOutput[] = [];

  constructor(
    readonly name: string,
    /** The send PC (offerer, with the tracks) and the receive PC (answerer, no tracks). */
    readonly send: WebRtcPeer,
    readonly recv: WebRtcPeer,
    readonly options: {
      readonly displayName: string; readonly produce: boolean; readonly consume: boolean; readonly forceTcp: boolean;
      /** mediasoup-demo's useDataChannel: sctpCapabilities in createWebRtcTransport and join. */
      readonly useDataChannel?: boolean;
      readonly dataProducers?: readonly DataProducerSpec[];
      /**
       * Kinds the send PC holds back (WebRtcPeer media.later): each is added once the previous producer is made, in
       * its own offer, and the data section (dataChannels.deferSection) after them, as mediasoup-client renegotiates
       * once per produce() and once for the first produceData (its Transport runs them one at a time).
       */
      readonly laterTracks?: readonly ('audio' | 'video')[];
    },
  ) {
    this.laterTracks = [...(options.laterTracks ?? [])];
    this.data = new BrowserDataSide({ request: (n, m, d, done) => this.request(n, m, d, done), step: (m, t, d) => this.step(m, t, d) }, send, recv, options.dataProducers ?? []);
  }

  /** Its DataProducers and DataConsumers (browser-data.ts). */
  readonly data: BrowserDataSide;
  /** The send PC's kinds still to add, one per negotiation. */
  private readonly laterTracks: ('audio' | 'video')[];
  /** Where the m=application section sits among the receive PC's sections (after this many consumers). */
  private recvDataAt: number | undefined;

  /** Wired to the ProtooConnection the app opens (`connectProtoo`). */
  readonly handlers: ProtooHandlers = {
    request: (now, method, data, answer) => this.serverRequest(now, method, data, answer),
    notification: (now, method, data) => this.notification(now, method, data),
    invalid: (_now, error) => this.note('mediasoup-client.step', `${this.name}: a message from the server that is not protoo: ${error}`, { method: 'invalid', error }),
    closed: (_now, code) => this.note('mediasoup-client.step', `${this.name}: the protoo WebSocket closed (${code})`, { method: 'closed', code }),
  };

  /** The WebSocket is open: mediasoup-demo's RoomClient.join() begins. */
  opened(now: Micros, conn: ProtooConnection): void {
    this.conn = conn;
    const sctpCapabilities = this.options.useDataChannel ? SCTP_CAPABILITIES : {};
    this.request(now, 'getRouterRtpCapabilities', {}, (t, d) => {
      this.step('getRouterRtpCapabilities', `device loaded with the router's ${Array.isArray(d.codecs) ? d.codecs.length : 0} codec(s)`, {});
      this.request(t, 'createWebRtcTransport', { forceTcp: this.options.forceTcp, producing: true, consuming: false, sctpCapabilities }, (t2, s) => {
        this.sendT = transportInfo(s);
        this.request(t2, 'createWebRtcTransport', { forceTcp: this.options.forceTcp, producing: false, consuming: true, sctpCapabilities }, (t3, r) => {
          this.recvT = transportInfo(r);
          if (!this.sendT || !this.recvT) return this.fail('createWebRtcTransport', 400, 'the answer lacks id, iceParameters, iceCandidates or dtlsParameters');
          this.request(t3, 'join', { displayName: this.options.displayName, device: { flag: 'chrome', name: 'Chrome', version: '120.0.0.0' }, rtpCapabilities: d, sctpCapabilities }, (t4, j) => {
            this.joined = true;
            for (const p of Array.isArray(j.peers) ? j.peers.filter(isObj) : []) this.peers.set(String(p.id), String(p.displayName ?? p.id));
            this.step('join', `joined with ${this.peers.size} peer(s) in the room`, { peers: this.peers.size });
            if (this.options.produce && (this.send.localStreams.length > 0 || this.data.specs.length > 0)) this.send.begin(t4);
          });
        });
      });
    });
  }

  private request(now: Micros, method: string, data: Obj, done: (now: Micros, data: Obj) => void): void {
    if (!this.conn) return;
    this.conn.request(now, method, data, (t, a) => {
      if (!a.ok) return this.fail(method, a.errorCode, a.errorReason);
      done(t, a.data);
    });
  }

  private fail(method: string, errorCode: number, errorReason: string): void {
    this.errors.push({ method, errorCode, errorReason });
    this.note('mediasoup-client.error', `${this.name}: ${method} failed: ${errorCode} ${errorReason}`, { method, errorCode, errorReason });
  }

  private step(method: string, text: string, data: { readonly [k: string]: string | number | boolean }): void {
    this.note('mediasoup-client.step', `${this.name}: ${method}: ${text}`, { ...data, method });
  }

  private note<K extends keyof MediasoupNoteKinds>(kind: K, text: string, data: MediasoupNoteKinds[K]): void {
    this.out.push({ type: 'note', kind, text, data });
  }

  // ---- the server's requests and notifications -----------------------------------------------------------------

  private serverRequest(now: Micros, method: string, data: Obj, answer: (now: Micros, a: ProtooAnswer) => void): void {
    if (method === 'newDataConsumer') {
      if (!this.options.consume || !this.recvT?.sctp) return answer(now, { ok: false, errorCode: 400, errorReason: this.options.consume ? 'the receive transport has no SCTP' : 'not consuming' });
      if (!this.data.newDataConsumer(now, data, answer)) return;
      // mediasoup-client's receiveSctpAssociation: the first data consumer adds the m=application section
      this.recvDataAt ??= this.consumers.length;
      return this.offerToRecv(now);
    }
    if (method !== 'newConsumer') return answer(now, { ok: false, errorCode: 500, errorReason: `unknown method "${method}"` });
    const rp = data.rtpParameters;
    const enc = isObj(rp) && Array.isArray(rp.encodings) ? rp.encodings[0] : undefined;
    const kind = data.kind;
    if (!this.options.consume || !this.recvT || !isObj(rp) || !isObj(enc) || typeof enc.ssrc !== 'number' || typeof rp.mid !== 'string' || (kind !== 'audio' && kind !== 'video')) {
      return answer(now, { ok: false, errorCode: 400, errorReason: this.options.consume ? 'newConsumer without kind, mid or encodings[0].ssrc' : 'not consuming' });
    }
    const cname = isObj(rp.rtcp) && typeof rp.rtcp.cname === 'string' ? rp.rtcp.cname : String(data.peerId);
    const c: ClientConsumer = { id: String(data.id), producerId: String(data.producerId), peerId: String(data.peerId), kind, ssrc: enc.ssrc, mid: rp.mid, cname, resumed: false, closed: false };
    // RFC 4588: the router's retransmissions of this consumer come on its RTX SSRC (mediasoup-client's a=ssrc-group:FID)
    const rtx = isObj(enc.rtx) ? enc.rtx.ssrc : undefined;
    if (typeof rtx === 'number') this.recv.associateRtx(enc.ssrc, rtx);
    this.consumers.push(c);
    this.step('newConsumer', `${c.peerId}'s ${kind} as SSRC ${c.ssrc} on mid ${c.mid}`, { consumer: c.id, ssrc: c.ssrc, mid: c.mid });
    this.heldAccepts.push({ c, answer });
    this.offerToRecv(now);
  }

  private notification(_now: Micros, method: string, data: Obj): void {
    if (method === 'newPeer') this.peers.set(String(data.id), String(data.displayName ?? data.id));
    else if (method === 'peerClosed') this.peers.delete(String(data.peerId));
    else if (method === 'dataConsumerClosed') this.data.consumerClosed(_now, String(data.dataConsumerId));
    else if (method === 'consumerClosed') {
      const c = this.consumers.find((x) => x.id === data.consumerId);
      if (c) c.closed = true;
    }
    this.step(method, JSON.stringify(data), {});
  }

  /** mediasoup-client's RemoteSdp for receiving: the server's offer, one sendonly section per consumer. */
  private offerToRecv(now: Micros): void {
    const t = this.recvT!;
    const media: MediaSectionSpec[] = this.consumers.map((c) => ({ kind: c.kind, mid: c.mid, ssrc: c.ssrc, direction: c.closed ? 'inactive' : 'sendonly' }));
    if (this.recvDataAt !== undefined && t.sctp) media.splice(this.recvDataAt, 0, { kind: 'application', mid: 'datachannel', sctpPort: t.sctp.port, maxMessageSize: t.sctp.maxMessageSize });
    const offer = writeDescription({
      type: 'offer', sessionId: '10000', sessionVersion: ++this.recvVersion, ufrag: t.ufrag, pwd: t.pwd, lite: true, candidates: t.candidates, endOfCandidates: true,
      fingerprint: t.fingerprint, setup: 'actpass', media, cname: this.consumers[this.consumers.length - 1]?.cname ?? 'mediasoup',
    });
    this.note('mediasoup-client.sdp', `${this.name}: receive transport: remote offer v${this.recvVersion} built from the transport and ${media.length} consumer(s)`, { transport: t.id, direction: 'recv', type: 'offer', sdp: offer });
    this.recv.handleSignal(now, 'mediasoup', jsep({ type: 'offer', sdp: offer }));
  }

  /** A PC's local description: the first sets its transport up (connectWebRtcTransport), then SDP goes back. */
  private fromPeer(now: Micros, which: 'send' | 'recv', type: string, sdp: string): void {
    const t = which === 'send' ? this.sendT : this.recvT;
    if (!t) return;
    const fingerprint = (which === 'send' ? this.send : this.recv).options.identity.fingerprint;
    this.note('mediasoup-client.sdp', `${this.name}: ${which} transport: local ${type}`, { transport: t.id, direction: which, type, sdp });
    const connect = (done: (now: Micros) => void): void =>
      this.request(now, 'connectWebRtcTransport', { transportId: t.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fingerprint }] } }, (t2) => done(t2));
    if (which === 'send' && type === 'offer') {
      this.heldAnswer = this.answerForSend(t, sdp);
      if (this.sendConnected === 'no') {
        this.sendConnected = 'asked';
        connect((t2) => {
          this.sendConnected = 'yes';
          this.applySendAnswer(t2);
        });
      } else if (this.sendConnected === 'yes') this.applySendAnswer(now);
    } else if (which === 'recv' && type === 'answer') {
      this.data.recvAnswered(now, false);
      if (this.recvConnected === 'no') {
        this.recvConnected = 'asked';
        connect((t2) => {
          this.recvConnected = 'yes';
          this.acceptHeld(t2);
        });
      } else if (this.recvConnected === 'yes') this.acceptHeld(now);
    }
  }

  /** mediasoup-client's RemoteSdp for sending: the server's answer (ice-lite, passive, recvonly). */
  private answerForSend(t: TransportInfo, offer: string): string {
    // one section per offered one, in the offer's order (RFC 8829 §5.3.1); the data section (mediasoup-client's
    // sendSctpAssociation) from the transport's sctpParameters
    const r = readDescription(offer);
    const app = r.ok ? r.value.application : undefined;
    const mids = r.ok ? r.value.mids : this.send.localStreams.map((s) => s.mid);
    const media: MediaSectionSpec[] = [];
    for (const mid of mids) {
      // a track added since the last answer has its mid only in this offer (a=ssrc under it names it)
      const signaled = r.ok ? r.value.ssrcs.find((x) => x.mid === mid)?.ssrc : undefined;
      const s = this.send.localStreams.find((x) => x.mid === mid || (signaled !== undefined && x.ssrc === signaled));
      if (s) media.push({ kind: s.kind, mid, direction: 'recvonly' });
      else if (app && app.mid === mid && t.sctp) media.push({ kind: 'application', mid, sctpPort: t.sctp.port, maxMessageSize: t.sctp.maxMessageSize });
    }
    return writeDescription({ type: 'answer', sessionId: '10000', sessionVersion: 1, ufrag: t.ufrag, pwd: t.pwd, lite: true, candidates: t.candidates, endOfCandidates: true, fingerprint: t.fingerprint, setup: 'passive', media, cname: 'mediasoup' });
  }

  private applySendAnswer(now: Micros): void {
    const answer = this.heldAnswer;
    if (!answer || !this.sendT) return;
    this.heldAnswer = undefined;
    this.note('mediasoup-client.sdp', `${this.name}: send transport: remote answer built from the transport (ice-lite, a=setup:passive)`, { transport: this.sendT.id, direction: 'send', type: 'answer', sdp: answer });
    this.send.handleSignal(now, 'mediasoup', jsep({ type: 'answer', sdp: answer }));
    this.data.sendReady(this.sendT.id);
    for (const s of this.send.localStreams) {
      if (this.producers.some((p) => p.ssrc === s.ssrc)) continue;
      const codec: Obj = s.kind === 'audio' ? { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { minptime: 10, useinbandfec: 1 }, rtcpFeedback: [] } : { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [{ type: 'nack', parameter: '' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] };
      // video: its RTX stream (a=ssrc-group:FID) in encodings[0].rtx, as mediasoup-client reads it from the local SDP
      const rtx: Obj[] = s.kind === 'video' ? [{ mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] }] : [];
      const encoding: Obj = { ssrc: s.ssrc, ...(s.kind === 'video' ? { rtx: { ssrc: this.send.rtxSsrc } } : {}) };
      this.request(now, 'produce', { transportId: this.sendT.id, kind: s.kind, rtpParameters: { mid: s.mid, codecs: [codec, ...rtx], headerExtensions: [], encodings: [encoding], rtcp: { cname: this.name, reducedSize: true } }, appData: { source: s.kind === 'audio' ? 'mic' : 'webcam' } }, (_t, d) => {
        this.producers.push({ id: String(d.id), kind: s.kind, ssrc: s.ssrc });
        this.step('produce', `${s.kind} SSRC ${s.ssrc} is producer ${String(d.id)}`, { producer: String(d.id), ssrc: s.ssrc });
        this.nextSendNegotiation(_t);
      });
    }
  }

  /**
   * The producer is made: the next produce() (a held-back track in a new offer), else the first produceData (the
   * deferred m=application in a new offer); mediasoup-client's Chrome111 handler makes one offer for each.
   */
  private nextSendNegotiation(now: Micros): void {
    const kind = this.laterTracks.shift();
    if (kind) {
      this.step('produce', `${kind}: a new offer on the send transport (one per track)`, { kind });
      return this.send.addTrack(now, kind);
    }
    if (this.data.specs.length > 0 && this.send.options.dataChannels?.deferSection) {
      this.step('produceData', 'the first DataProducer: a new offer with the m=application section', {});
      this.send.addDataSection(now);
    }
  }

  /** newConsumer answered (accepted) once the receive PC applied it, then resumeConsumer. */
  private acceptHeld(now: Micros): void {
    this.data.recvAnswered(now, true);
    for (const { c, answer } of this.heldAccepts.splice(0)) {
      answer(now, { ok: true, data: {} });
      this.request(now, 'resumeConsumer', { consumerId: c.id }, () => {
        c.resumed = true;
      });
    }
  }

  // ---- the endpoint contract -----------------------------------------------------------------------------------

  /**
   * The PC a datagram is for: by the local address of its socket; on an ICE-TCP connection both PCs' active
   * candidates share the placeholder {ip, port 0}, so by the remote (each transport has its own server port).
   */
  private peerFor(local: TransportAddress, remote?: TransportAddress): WebRtcPeer | undefined {
    if (remote && local.port === 0) {
      const has = (pc: WebRtcPeer): boolean => pc.agent.checklist.pairs.some((p) => sameTransportAddress(p.remote.address, remote));
      return has(this.send) ? this.send : has(this.recv) ? this.recv : undefined;
    }
    if (this.send.agent.local.some((c) => sameTransportAddress(c.base, local))) return this.send;
    if (this.recv.agent.local.some((c) => sameTransportAddress(c.base, local))) return this.recv;
    return undefined;
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.peerFor(to, from)?.handleDatagram(now, from, to, bytes, transport);
  }

  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.peerFor(local, remote)?.handleStreamClosed(now, local, remote, error);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.peerFor(e.local)?.handleIcmpError(now, e);
  }

  handleTimeout(now: Micros): void {
    this.send.handleTimeout(now);
    this.recv.handleTimeout(now);
  }

  /** Its notes, then each PC's outputs; their JSEP signals stay here (fromPeer): ICE-lite needs no trickled candidates. */
  poll(now: Micros): EndpointOutput {
    for (let guard = 0; guard < 100_000; guard++) {
      const q = this.out.shift();
      if (q) return q;
      const waits: Deadline[] = [];
      let again = false;
      for (const [which, pc] of [['send', this.send], ['recv', this.recv]] as const) {
        const o = pc.poll(now);
        if (o.type === 'signal') {
          const b = o.message.body;
          if (o.message.protocol === 'jsep' && 'sdp' in b) this.fromPeer(now, which, b.type, b.sdp);
          again = true;
          break;
        }
        if (o.type !== 'timeout' && o.type !== 'idle') return o;
        const d = deadlineOf(o);
        if (d) waits.push(d);
      }
      if (!again) {
        const d = this.data.pump(now);
        // a channel opened or a message sent: the PCs have packets to send now
        if (d.acted || this.out.length) continue;
        if (d.next) waits.push(d.next);
        return nextWake(...waits);
      }
    }
    return { type: 'note', ...mediasoupNote('mediasoup-client.error', `${this.name}: poll did not settle at ${now}`, { method: 'poll', errorCode: 500, errorReason: 'poll loop' }) };
  }

  get joinedRoom(): boolean {
    return this.joined;
  }
}
