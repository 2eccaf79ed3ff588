import { sfuNote } from './notes.ts';
import type { EndpointOutput, IcmpError, SignalingEndpoint, Transport, TransportAddress } from '../core/endpoint.ts';
import { SignalOutbox } from '../core/signal-outbox.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { writeDescription } from '../peer/sdp.ts';
import type { WebRtcPeer } from '../peer/webrtc-peer.ts';
import type { JsepMessage } from '../signaling/jsep.ts';
import { jsep, protoo, type SignalingMessage } from '../signaling/message.ts';

type Obj = { [key: string]: JsonValue };

/**
 * A browser in a mediasoup-style room (what mediasoup-client does, written from its protocol): it asks the SFU for
 * its RTP capabilities and a WebRtcTransport, builds its local offer with its WebRtcPeer, turns the transport's
 * ICE/DTLS parameters into the remote answer itself (a=ice-lite, a=setup:passive: the SFU is the DTLS server),
 * sends its DTLS parameters (connectWebRtcTransport), produces its audio and video by SSRC, and consumes every
 * producer the SFU announces. The SFU is ICE-lite and learns the client's address from its checks, so trickled
 * candidates stay local.
 */
export class SfuClient implements SignalingEndpoint<SignalingMessage> {
  readonly consumers: { id: string; producerId: string; kind: string; ssrc: number; peerId: string }[] = [];
  private readonly pending = new Map<number, { method: string; data: Obj }>();
  private nextId = 1;
  private transport: Obj | undefined;
  private requested = false;
  private readonly out: EndpointOutput[] = [];
  private readonly outbox = new SignalOutbox<SignalingMessage>();

  constructor(
    readonly peer: WebRtcPeer,
    readonly name: string,
    private readonly startAt: Micros,
    /** The SFU's party name on the signaling hub. */
    readonly sfu: string,
  ) {}

  private request(_now: Micros, method: string, data: Obj): void {
    const id = this.nextId++;
    this.pending.set(id, { method, data });
    this.outbox.queue(this.sfu, protoo({ request: true, id, method, data }));
  }

  signalPending(): boolean {
    return this.outbox.pending();
  }

  handleSignal(now: Micros, from: string, message: SignalingMessage): void {
    this.outbox.input();
    if (message.protocol !== 'protoo') {
      this.out.push({ type: 'note', ...sfuNote('sfu-client.signal.ignored', `${this.name}: ignores a ${message.protocol} message from ${from} (it speaks protoo)`, { from, protocol: message.protocol }) });
      return;
    }
    const m = message.body;
    if ('notification' in m) {
      if (m.method === 'newProducer' && this.transport) this.request(now, 'consume', { transportId: this.transport.id!, producerId: m.data.producerId! });
      return;
    }
    if (!('response' in m)) return;
    const req = this.pending.get(m.id);
    if (!req) return;
    this.pending.delete(m.id);
    if (!m.ok) {
      this.out.push({ type: 'note', ...sfuNote('sfu-client.error', `${this.name}: ${req.method} refused: ${m.errorReason ?? ''}`, { method: req.method, reason: m.errorReason ?? '' }) });
      return;
    }
    const data = m.data ?? {};
    if (req.method === 'getRouterRtpCapabilities') {
      this.request(now, 'createWebRtcTransport', { producing: true, consuming: true, forceTcp: false });
    } else if (req.method === 'createWebRtcTransport') {
      this.transport = data;
      this.peer.begin(now);
    } else if (req.method === 'consume') {
      const encoding = ((data.rtpParameters as Obj | undefined)?.encodings as Obj[] | undefined)?.[0];
      const ssrc = encoding?.ssrc as number;
      const rtx = (encoding?.rtx as Obj | undefined)?.ssrc;
      if (typeof rtx === 'number') this.peer.associateRtx(ssrc, rtx); // RFC 4588: retransmissions of this consumer come on its RTX SSRC
      this.consumers.push({ id: String(data.id), producerId: String(data.producerId), kind: String(data.kind), ssrc, peerId: '' });
      this.out.push({ type: 'note', ...sfuNote('sfu-client.consumer', `${this.name}: consumes ${String(data.kind)} producer ${String(data.producerId)} as SSRC ${ssrc}`, { consumer: String(data.id), producer: String(data.producerId), ssrc }) });
    }
  }

  /** The peer's JSEP output (its `signal` outputs): the offer becomes a local description; the answer is built from the transport. */
  private fromPeer(now: Micros, m: JsepMessage): void {
    if (m.type !== 'offer' || !this.transport) return; // candidates: the ICE-lite SFU learns addresses from checks
    const t = this.transport;
    const ice = t.iceParameters as Obj;
    const fp = ((t.dtlsParameters as Obj).fingerprints as Obj[]).find((f) => f.algorithm === 'sha-256')!;
    // RFC 6544 §4.5: a TCP candidate (mediasoup's enableTcp) carries its tcptype
    const candidates = (t.iceCandidates as Obj[]).map((c) => `${String(c.foundation)} 1 ${String(c.protocol)} ${String(c.priority)} ${String(c.ip)} ${String(c.port)} typ ${String(c.type)}${c.tcpType ? ` tcptype ${String(c.tcpType)}` : ''}`);
    const answer = writeDescription({
      type: 'answer', sessionId: '1', sessionVersion: 0, ufrag: String(ice.usernameFragment), pwd: String(ice.password), lite: true,
      candidates, endOfCandidates: true, fingerprint: String(fp.value), setup: 'passive', cname: 'sfu',
      media: [{ kind: 'audio', mid: '0', direction: 'sendrecv' }, { kind: 'video', mid: '1', direction: 'sendrecv' }],
    });
    this.out.push({ type: 'note', ...sfuNote('sfu-client.answer', `${this.name}: remote answer built from the transport parameters (ice-lite, a=setup:passive)`, { sdp: answer }) });
    this.peer.handleSignal(now, this.sfu, jsep({ type: 'answer', sdp: answer }));
    if (!this.requested) {
      this.requested = true;
      this.request(now, 'connectWebRtcTransport', { transportId: t.id!, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: this.peer.options.identity.fingerprint }] } });
      for (const s of this.peer.localStreams) {
        this.request(now, 'produce', {
          transportId: t.id!, kind: s.kind,
          rtpParameters: {
            mid: s.mid,
            codecs: s.kind === 'audio' ? [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }] : [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }, { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 } }],
            encodings: [{ ssrc: s.ssrc, ...(s.kind === 'video' ? { rtx: { ssrc: this.peer.rtxSsrc } } : {}) }], rtcp: { cname: this.name },
          },
        });
      }
    }
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.outbox.input();
    this.peer.handleDatagram(now, from, to, bytes, transport);
  }

  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.outbox.input();
    this.peer.handleStreamClosed(now, local, remote, error);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.outbox.input();
    this.peer.handleIcmpError(now, e);
  }

  handleTimeout(now: Micros): void {
    this.outbox.input();
    this.peer.handleTimeout(now);
  }

  /**
   * Its own requests first, then its notes, then the peer's outputs; the peer's signals stay here (fromPeer), and
   * what answering them makes (requests, the answer note) leaves before the peer's next output.
   */
  poll(now: Micros): EndpointOutput<SignalingMessage> {
    if (!this.started(now)) return { type: 'timeout', at: this.startAt, reason: 'sfu-client start' };
    for (let guard = 0; guard < 100_000; guard++) {
      const s = this.outbox.take();
      if (s) return s;
      const q = this.out.shift();
      if (q) return q;
      const o = this.peer.poll(now);
      if (o.type !== 'signal') return o;
      if (o.message.protocol === 'jsep') this.fromPeer(now, o.message.body);
    }
    throw new Error(`${this.name}: poll loop did not settle at ${now}`);
  }

  private started(now: Micros): boolean {
    if (now < this.startAt) return false;
    if (this.nextId === 1) this.request(now, 'getRouterRtpCapabilities', {});
    return true;
  }
}
