import type { Deadline } from '../core/deadline.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import type { WebRtcTransport } from './transport.ts';

/**
 * What the router needs of a transport (mediasoup's Transport base class): a WebRtcTransport (ICE, DTLS, SRTP) or a
 * PlainTransport (plain RTP/RTCP, optional SRTP with given keys). `ready` says it can send (keyed, with a remote).
 */
export interface RouterTransport {
  readonly id: string;
  readonly peerId: string;
  readonly ready: boolean;
  /** Protects (SRTP where it has it) and sends RTP; false before keys or without a path. */
  sendRtp(now: Micros, plain: Uint8Array): boolean;
  /** Protects (SRTCP where it has it) and sends an RTCP compound. */
  sendRtcp(now: Micros, plain: Uint8Array): boolean;
}

/** A client's outgoing stream on the router (mediasoup's Producer), found by the SSRC on its transport. */
export interface Producer {
  readonly id: string;
  readonly peerId: string;
  readonly transport: RouterTransport;
  readonly kind: string;
  readonly ssrc: number;
  readonly mid: string;
  packets: number;
  /** pauseProducer: nothing it sends is forwarded. */
  paused: boolean;
  closed: boolean;
}

/** A copy of a producer for another client (mediasoup's Consumer): its own SSRC and sequence numbers. */
export interface Consumer {
  readonly id: string;
  readonly peerId: string;
  readonly transport: RouterTransport;
  readonly producer: Producer;
  readonly ssrc: number;
  seqOffset: number | undefined;
  packets: number;
  /** mediasoup creates consumers paused until the client's resumeConsumer; the plain `sfu` app's are never paused. */
  paused: boolean;
  closed: boolean;
}

/**
 * What another part of the router adds to it (RTCP: receiver and sender reports, NACK/RTX, PLI/FIR, REMB/TWCC,
 * scores). Every method is optional; the router calls them at the points named and forwards RTP as before.
 */
export interface RouterExtension {
  /** Decrypted RTCP (a compound packet) that arrived on a transport. */
  rtcp?(now: Micros, from: RouterTransport, plain: Uint8Array): void;
  /** Decrypted RTP on no producer's SSRC (a producer's RTX stream, RFC 4588). */
  unknownRtp?(now: Micros, from: RouterTransport, plain: Uint8Array): void;
  /** A producer's RTP (decrypted) before it is forwarded. */
  producerRtp?(now: Micros, producer: Producer, plain: Uint8Array): void;
  /** The rewritten RTP for one consumer, before SRTP protection; `sent` says whether a path existed. */
  consumerRtp?(now: Micros, consumer: Consumer, plain: Uint8Array, sent: boolean): void;
  /** Its next deadline (periodic reports) and the timeout that wakes it. */
  deadline?(now: Micros): Deadline | undefined;
  handleTimeout?(now: Micros): void;
}

type Obj = { [key: string]: JsonValue };

/**
 * A router (mediasoup's Router, the unit of forwarding; one per room): its transports, producers and consumers,
 * and RTP forwarding. RTP from a producer is SRTP-decrypted by the producing transport, rewritten (the consumer's
 * SSRC, sequence numbers from a random start, RFC 3550 §5.1) and SRTP-encrypted again per consumer (RFC 7667 §3.7:
 * a media-switching mixer). RTCP is handed to the extensions (`extensions`), or ends here without them.
 */
export class Router {
  readonly transports: WebRtcTransport[] = [];
  readonly producers: Producer[] = [];
  private readonly allConsumers: Consumer[] = [];
  /** The consumers of each producer, in creation order: forwarding a packet looks at its producer's alone. */
  private readonly consumersOf = new Map<Producer, Consumer[]>();
  readonly extensions: RouterExtension[] = [];
  private readonly rtpRng: Rng;

  constructor(
    readonly id: string,
    rng: Rng,
  ) {
    this.rtpRng = rng.fork('rtp');
  }

  /** Every consumer, in creation order (`addConsumer` makes them). */
  get consumers(): readonly Consumer[] {
    return this.allConsumers;
  }

  addProducer(p: Omit<Producer, 'packets' | 'paused' | 'closed'>): Producer {
    const producer: Producer = { ...p, packets: 0, paused: false, closed: false };
    this.producers.push(producer);
    return producer;
  }

  /** A consumer of `producer` on `transport`, its SSRC drawn from the router's RTP stream. */
  addConsumer(id: string, peerId: string, transport: RouterTransport, producer: Producer, paused: boolean): Consumer {
    const c: Consumer = { id, peerId, transport, producer, ssrc: this.rtpRng.u32(), seqOffset: undefined, packets: 0, paused, closed: false };
    this.allConsumers.push(c);
    const list = this.consumersOf.get(producer);
    if (list) list.push(c);
    else this.consumersOf.set(producer, [c]);
    return c;
  }

  /** closeProducer: the producer and its consumers stop; returns the consumers closed with it. */
  closeProducer(p: Producer): Consumer[] {
    p.closed = true;
    const gone = (this.consumersOf.get(p) ?? []).filter((c) => !c.closed);
    for (const c of gone) c.closed = true;
    return gone;
  }

  /** Decrypted media from a transport: RTP is forwarded, RTCP goes to the extensions. */
  onMedia(now: Micros, from: RouterTransport, kind: 'rtp' | 'rtcp', plain: Uint8Array): void {
    if (kind === 'rtcp') {
      for (const x of this.extensions) x.rtcp?.(now, from, plain);
      return;
    }
    if (plain.length < 12) return;
    const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
    const ssrc = view.getUint32(8);
    const p = this.producers.find((x) => x.transport === from && x.ssrc === ssrc && !x.closed);
    if (!p) {
      for (const x of this.extensions) x.unknownRtp?.(now, from, plain);
      return;
    }
    p.packets++;
    for (const x of this.extensions) x.producerRtp?.(now, p, plain);
    if (p.paused) return;
    const seq = view.getUint16(2);
    const consumers = this.consumersOf.get(p);
    if (!consumers) return;
    for (const c of consumers) {
      if (c.closed || !c.transport.ready) continue;
      if (c.paused) continue;
      // each consumer has its own SSRC and sequence space (RFC 3550 §5.1: a random start)
      c.seqOffset ??= (this.rtpRng.int(0, 0x10000) - seq) & 0xffff;
      const copy = plain.slice();
      const w = new DataView(copy.buffer);
      w.setUint16(2, (seq + c.seqOffset) & 0xffff);
      w.setUint32(8, c.ssrc);
      const sent = c.transport.sendRtp(now, copy);
      if (sent) c.packets++;
      for (const x of this.extensions) x.consumerRtp?.(now, c, copy, sent);
    }
  }

  /** Sends RTCP (plain, compound) to a transport's client, SRTCP-protected; false before keys or without a path. */
  sendRtcp(now: Micros, to: RouterTransport, plain: Uint8Array): boolean {
    return to.sendRtcp(now, plain);
  }

  deadlines(now: Micros): Deadline[] {
    const out: Deadline[] = [];
    for (const x of this.extensions) {
      const d = x.deadline?.(now);
      if (d) out.push(d);
    }
    return out;
  }

  handleTimeout(now: Micros): void {
    for (const x of this.extensions) x.handleTimeout?.(now);
  }

  /** The producers and consumers as `summary.sfu` lists them. */
  producerSummary(): Obj[] {
    return this.producers.map((p) => ({ id: p.id, peer: p.peerId, kind: p.kind, ssrc: p.ssrc, transport: p.transport.id, packets: p.packets }));
  }

  consumerSummary(): Obj[] {
    return this.consumers.map((c) => ({ id: c.id, peer: c.peerId, producer: c.producer.id, producerPeer: c.producer.peerId, kind: c.producer.kind, ssrc: c.ssrc, transport: c.transport.id, packets: c.packets }));
  }
}
