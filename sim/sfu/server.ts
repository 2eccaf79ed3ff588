import type { SfuNoteKinds } from './notes.ts';
import type { EndpointOutput, SignalingEndpoint, Transport, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { SignalOutbox } from '../core/signal-outbox.ts';
import { deadlineOf, nextWake, type Deadline } from '../core/deadline.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { OPUS_PT } from '../media/audio.ts';
import { EXTMAP } from '../media/source.ts';
import { VP8_PT } from '../media/video.ts';
import { EXTMAP_URIS } from '../peer/sdp.ts';
import { protoo, type SignalingMessage } from '../signaling/message.ts';
import type { ProtooMessage } from '../signaling/protoo.ts';
import { MediaPlane } from './media-plane.ts';
import { Router } from './router.ts';
import { WebRtcTransport } from './transport.ts';

type Obj = { [key: string]: JsonValue };

/** RFC 4588 §8.6: the RTX format the router offers for VP8 (Chromium's payload type for it). */
export const VP8_RTX_PT = 97;
/** RFC 4585 §4.2 feedback the router does for video (mediasoup's rtcpFeedback entries). */
const VIDEO_FEEDBACK: Obj[] = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }];


/** What the router can receive and send (mediasoup's router RTP capabilities): the codecs and header extensions sim/media uses. */
export const ROUTER_RTP_CAPABILITIES: Obj = {
  codecs: [
    { kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: OPUS_PT, clockRate: 48000, channels: 2 },
    { kind: 'video', mimeType: 'video/VP8', preferredPayloadType: VP8_PT, clockRate: 90000, rtcpFeedback: VIDEO_FEEDBACK },
    { kind: 'video', mimeType: 'video/rtx', preferredPayloadType: VP8_RTX_PT, clockRate: 90000, parameters: { apt: VP8_PT } },
  ],
  headerExtensions: [
    { kind: 'audio', uri: EXTMAP_URIS.audioLevel, preferredId: EXTMAP.audioLevel },
    { kind: 'audio', uri: EXTMAP_URIS.absSendTime, preferredId: EXTMAP.absSendTime },
    { kind: 'video', uri: EXTMAP_URIS.absSendTime, preferredId: EXTMAP.absSendTime },
    { kind: 'audio', uri: EXTMAP_URIS.mid, preferredId: EXTMAP.mid },
    { kind: 'video', uri: EXTMAP_URIS.mid, preferredId: EXTMAP.mid },
  ],
};

/**
 * A mediasoup-style SFU (sans-IO): one router, a WebRtcTransport per client on its own port (ICE-lite, DTLS server),
 * producers (a client's outgoing streams, by SSRC) and consumers (a copy of a producer for another client, with its
 * own SSRC and sequence numbers). RTP from a producer is SRTP-decrypted with the producing transport's keys,
 * rewritten and SRTP-encrypted again per consumer (RFC 7667 §3.7: a media-switching mixer). Signaling is
 * protoo-style JSON: getRouterRtpCapabilities, createWebRtcTransport, connectWebRtcTransport, produce, consume,
 * and `newProducer` notifications.
 */
export class SfuServer implements SignalingEndpoint<SignalingMessage> {
  /** Its one router (sim/sfu/router.ts): transports, producers, consumers, forwarding, RTCP extensions. */
  readonly router: Router;
  /** RTCP in the router (media-plane.ts): reports, NACK/RTX, keyframe requests, REMB, scores. */
  readonly media: MediaPlane;
  /** Opens a UDP port for a new transport (the driver's bind). */
  bindPort: ((port: number) => TransportAddress) | undefined;
  /** mediasoup's enableTcp: also listens on TCP at that port for ICE-TCP (set by the app; sim/apps/sfu.ts). */
  listenTcp: ((port: number) => TransportAddress) | undefined;
  private readonly out: EndpointOutput[] = [];
  private readonly outbox = new SignalOutbox<SignalingMessage>();
  private nextPort: number;
  private nextId = 1;
  /** Consumers' RTX SSRCs (the router draws their primary SSRCs from its own stream). */
  private readonly rtxRng: Rng;

  constructor(
    readonly name: string,
    private readonly rng: Rng,
    private readonly identity: DtlsIdentity,
    readonly ip: string,
    readonly ports: { readonly min: number; readonly max: number },
  ) {
    this.nextPort = ports.min;
    this.router = new Router('r1', rng);
    this.media = new MediaPlane(name, rng.fork('media-plane'), this.router);
    this.rtxRng = rng.fork('rtx');
    this.router.extensions.push(this.media);
  }

  get transports(): WebRtcTransport[] {
    return this.router.transports;
  }

  get producers(): Router['producers'] {
    return this.router.producers;
  }

  get consumers(): Router['consumers'] {
    return this.router.consumers;
  }

  // ---- protoo requests ---------------------------------------------------------------------------------------

  handleSignal(now: Micros, from: string, message: SignalingMessage): void {
    this.outbox.input();
    if (message.protocol !== 'protoo') {
      this.note('sfu.signal.ignored', `ignores a ${message.protocol} message from ${from} (it speaks protoo)`, { from, protocol: message.protocol });
      return;
    }
    const m = message.body;
    if (!('request' in m)) return;
    const reply = (data: Obj): void => this.send(now, from, { response: true, id: m.id, ok: true, data });
    const refuse = (why: string): void => this.send(now, from, { response: true, id: m.id, ok: false, errorReason: why });
    const d = m.data;
    switch (m.method) {
      case 'getRouterRtpCapabilities':
        return reply(ROUTER_RTP_CAPABILITIES);
      case 'createWebRtcTransport': {
        if (!this.bindPort || this.nextPort > this.ports.max) return refuse('no port left');
        const local = this.bindPort(this.nextPort++);
        const id = `t${this.nextId++}`;
        const tcp = this.listenTcp?.(local.port);
        const t = new WebRtcTransport(id, from, local, this.rng.fork(`transport-${id}`), this.identity, (n, tr, kind, plain) => this.router.onMedia(n, tr, kind, plain), tcp ? { tcp: true } : {});
        this.transports.push(t);
        this.note('sfu.transport.created', `WebRtcTransport ${id} for ${from} on ${formatTransportAddress(local)} (ICE-lite, DTLS server)`, { transport: id, peer: from, local: formatTransportAddress(local) });
        this.pollInto(now, t); // starts the lite agent: host candidate and credentials exist from here on
        const a = t.agent;
        return reply({
          id,
          iceParameters: { usernameFragment: a.ufrag, password: a.pwd, iceLite: true },
          iceCandidates: a.local.map((c) => ({ foundation: c.foundation, priority: c.priority, ip: c.address.ip, port: c.address.port, type: c.type, protocol: c.transport, ...(c.tcpType ? { tcpType: c.tcpType } : {}) })),
          dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: this.identity.fingerprint }] },
        });
      }
      case 'connectWebRtcTransport': {
        const t = this.transports.find((x) => x.id === d.transportId && x.peerId === from);
        const fp = ((d.dtlsParameters as Obj | undefined)?.fingerprints as Obj[] | undefined)?.find((f) => f.algorithm === 'sha-256');
        if (!t || !fp) return refuse('unknown transport or no sha-256 fingerprint');
        t.connect(`sha-256 ${String(fp.value)}`);
        this.note('sfu.transport.connected', `transport ${t.id}: ${from}'s DTLS parameters (role ${String((d.dtlsParameters as Obj).role)}); waiting for its ClientHello`, { transport: t.id, peer: from });
        reply({});
        // a late joiner hears about every producer already in the room
        for (const p of this.producers) if (p.peerId !== from) this.send(now, from, this.notification('newProducer', { producerId: p.id, peerId: p.peerId, kind: p.kind }));
        return;
      }
      case 'produce': {
        const t = this.transports.find((x) => x.id === d.transportId && x.peerId === from);
        const rp = d.rtpParameters as Obj | undefined;
        const ssrc = ((rp?.encodings as Obj[] | undefined)?.[0]?.ssrc as number | undefined) ?? undefined;
        if (!t || ssrc === undefined) return refuse('unknown transport or no encodings[0].ssrc');
        const p = this.router.addProducer({ id: `p${this.nextId++}`, peerId: from, transport: t, kind: String(d.kind), ssrc, mid: String(rp?.mid ?? '') });
        this.media.describeProducer(p, { ...producerCodec(rp), cname: String((rp?.rtcp as Obj | undefined)?.cname ?? from) });
        this.note('sfu.producer.created', `producer ${p.id}: ${from}'s ${p.kind} (SSRC ${ssrc}, mid ${p.mid})`, { producer: p.id, peer: from, kind: p.kind, ssrc, transport: t.id });
        reply({ id: p.id });
        const told = new Set<string>();
        for (const o of this.transports) {
          if (o.peerId === from || told.has(o.peerId) || !o.dtls) continue;
          told.add(o.peerId);
          this.send(now, o.peerId, this.notification('newProducer', { producerId: p.id, peerId: from, kind: p.kind }));
        }
        return;
      }
      case 'consume': {
        const t = this.transports.find((x) => x.id === d.transportId && x.peerId === from);
        const p = this.producers.find((x) => x.id === d.producerId);
        if (!t || !p) return refuse('unknown transport or producer');
        const c = this.router.addConsumer(`c${this.nextId++}`, from, t, p, false);
        const video = p.kind === 'video';
        const rtxSsrc = video ? this.rtxRng.u32() : undefined;
        this.media.describeConsumer(c, rtxSsrc !== undefined ? { ssrc: rtxSsrc, payloadType: VP8_RTX_PT } : undefined);
        this.note('sfu.consumer.created', `consumer ${c.id}: ${p.peerId}'s ${p.kind} to ${from} as SSRC ${c.ssrc}${rtxSsrc !== undefined ? ` (RTX ${rtxSsrc})` : ''}`, { consumer: c.id, producer: p.id, peer: from, kind: p.kind, ssrc: c.ssrc, transport: t.id });
        return reply({
          id: c.id, producerId: p.id, kind: p.kind,
          rtpParameters: {
            mid: video ? '1' : '0',
            codecs: video
              ? [{ mimeType: 'video/VP8', payloadType: VP8_PT, clockRate: 90000, rtcpFeedback: VIDEO_FEEDBACK }, { mimeType: 'video/rtx', payloadType: VP8_RTX_PT, clockRate: 90000, parameters: { apt: VP8_PT } }]
              : [{ mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2 }],
            encodings: [{ ssrc: c.ssrc, ...(rtxSsrc !== undefined ? { rtx: { ssrc: rtxSsrc } } : {}) }],
            rtcp: { cname: p.peerId },
          },
        });
      }
      default:
        return refuse(`unknown method ${m.method}`);
    }
  }

  private notification(method: string, data: Obj): ProtooMessage {
    return { notification: true, method, data };
  }

  private send(_now: Micros, to: string, m: ProtooMessage): void {
    this.outbox.queue(to, protoo(m));
  }

  signalPending(): boolean {
    return this.outbox.pending();
  }

  // ---- the endpoint contract -----------------------------------------------------------------------------------

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.outbox.input();
    // a transport's TCP server listens on its UDP port number (mediasoup's enableTcp)
    const t = this.transports.find((x) => sameTransportAddress(x.local, to));
    t?.handleDatagram(now, from, to, bytes, transport);
  }

  /** An ICE-TCP connection to a transport's TCP port failed or closed (RFC 6544 §7.1). */
  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.outbox.input();
    this.transports.find((x) => sameTransportAddress(x.local, local))?.handleStreamClosed(now, local, remote, error);
  }

  handleTimeout(now: Micros): void {
    this.outbox.input();
    for (const t of this.transports) t.handleTimeout(now);
    this.router.handleTimeout(now);
  }

  /** Replies made while handling a message leave first (they left from inside handleSignal before). */
  poll(now: Micros): EndpointOutput<SignalingMessage> {
    return this.outbox.take() ?? this.outbox.settle(this.work(now));
  }

  private work(now: Micros): EndpointOutput {
    const q = this.out.shift() ?? this.media.take();
    if (q) return q;
    const waits: Deadline[] = this.router.deadlines(now);
    for (const t of this.transports) {
      const o = t.poll(now);
      if (o.type !== 'timeout' && o.type !== 'idle') return o;
      const d = deadlineOf(o);
      if (d) waits.push(d);
    }
    return nextWake(...waits);
  }

  private pollInto(now: Micros, t: WebRtcTransport): void {
    for (let i = 0; i < 1000; i++) {
      const o = t.poll(now);
      if (o.type === 'timeout' || o.type === 'idle') return;
      this.out.push(o);
    }
  }

  /** Queues an SFU note, its data checked against the kind (notes.ts). */
  private note<K extends keyof SfuNoteKinds>(kind: K, text: string, data: SfuNoteKinds[K]): void {
    this.out.push({ type: 'note', kind, text: `${this.name}: ${text}`, data });
  }

  /** `summary.sfu`: transports, producers and consumers with their packet counts. */
  summary(): Obj {
    return {
      transports: this.transports.map((t) => ({
        id: t.id, peer: t.peerId, local: formatTransportAddress(t.local), ice: t.agent.state, selectedPair: t.agent.selectedPair(), dtls: t.dtls?.state ?? 'new',
        fingerprintVerified: t.dtls?.fingerprintVerified ?? false, srtpProfile: t.profileName, ...t.counters, ...this.media.legStats(t),
      })),
      producers: this.router.producerSummary().map((p) => ({ ...p, ...this.media.producerStats(String(p.id)) })),
      consumers: this.router.consumerSummary().map((c) => ({ ...c, ...this.media.consumerStats(String(c.id)) })),
    };
  }
}

/** The producer's payload type and RTX from its rtpParameters (mediasoup's `codecs` and `encodings[0].rtx`). */
export function producerCodec(rp: Obj | undefined): { payloadType: number; rtx?: { ssrc: number; payloadType: number } } {
  const codecs = (rp?.codecs as Obj[] | undefined) ?? [];
  const media = codecs.find((c) => !/\/rtx$/i.test(String(c.mimeType)));
  const payloadType = typeof media?.payloadType === 'number' ? media.payloadType : VP8_PT;
  const rtxCodec = codecs.find((c) => /\/rtx$/i.test(String(c.mimeType)) && (c.parameters as Obj | undefined)?.apt === payloadType);
  const rtxSsrc = ((rp?.encodings as Obj[] | undefined)?.[0]?.rtx as Obj | undefined)?.ssrc;
  return { payloadType, ...(rtxCodec && typeof rtxCodec.payloadType === 'number' && typeof rtxSsrc === 'number' ? { rtx: { ssrc: rtxSsrc, payloadType: rtxCodec.payloadType } } : {}) };
}
