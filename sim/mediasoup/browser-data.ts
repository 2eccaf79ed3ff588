// The data side of the mediasoup-client browser: DataProducers on the send transport, DataConsumers on the receive one.
import type { Deadline } from '../core/deadline.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import type { WebRtcPeer } from '../peer/webrtc-peer.ts';
import type { DataChannel } from '../sctp/datachannels.ts';
import type { Obj, ProtooAnswer } from './protoo.ts';

/** mediasoup-client's Chrome handler: SCTP_NUM_STREAMS { OS: 1024, MIS: 1024 }, sent as the device's sctpCapabilities. */
export const SCTP_CAPABILITIES: Obj = { numStreams: { OS: 1024, MIS: 1024 } };
const SCTP_MIS = 1024;

/** A DataProducer the scenario asks for (mediasoup-client's transport.produceData options) and the messages it sends. */
export interface DataProducerSpec {
  readonly label: string;
  readonly protocol?: string;
  /** mediasoup's default: true (false when a limit is given and `ordered` is not). */
  readonly ordered?: boolean;
  readonly maxRetransmits?: number;
  /** ms. */
  readonly maxPacketLifeTime?: number;
  /** When the first message goes (µs from the start); messages wait for the server's produceData answer. */
  readonly at: Micros;
  /** A text message (`{n}`: its number from 1), or `bytes` for a binary one; `count` of them, `every` apart. */
  readonly text?: string;
  readonly bytes?: number;
  readonly count: number;
  readonly every: Micros;
  /** dataProducer.close() then `closeDataProducer`. */
  readonly closeAt?: Micros;
}

interface ClientDataProducer {
  readonly spec: DataProducerSpec;
  readonly streamId: number;
  id: string | undefined;
  channel: DataChannel | undefined;
  sent: number;
  closed: boolean;
}

export interface ClientDataConsumer {
  readonly id: string;
  readonly dataProducerId: string;
  readonly peerId: string;
  readonly label: string;
  readonly streamId: number;
  readonly ordered: boolean;
  readonly maxRetransmits: number | undefined;
  readonly maxPacketLifeTime: number | undefined;
  channel: DataChannel | undefined;
  accepted: boolean;
  closed: boolean;
}

const u16 = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;

/** What the data side needs from its client: protoo requests and notes. */
export interface DataSideHost {
  request(now: Micros, method: string, data: Obj, done: (now: Micros, data: Obj) => void): void;
  step(method: string, text: string, data: { readonly [k: string]: string | number | boolean }): void;
}

/**
 * mediasoup-client's data channels on a Chrome handler, written from its behaviour: `produceData` opens a
 * negotiated channel (RFC 8831 §6.5: no DCEP) on the next send stream id (0, 1, … modulo MIS) on the send PC and
 * tells the server its sctpStreamParameters; a server `newDataConsumer` opens a negotiated channel on the stream the
 * server chose on the receive PC (whose remote offer gains an m=application section with mid "datachannel" the first
 * time) and is accepted once that PC's transport is connected. Messages are sent on the producer's channel once the
 * server has answered produceData; `dataConsumerClosed` closes the consumer's channel.
 */
export class BrowserDataSide {
  readonly producers: ClientDataProducer[] = [];
  readonly consumers: ClientDataConsumer[] = [];
  /** newDataConsumer requests whose channel is open on the receive PC, accepted once its transport is connected. */
  private readonly held: { c: ClientDataConsumer; answer: (now: Micros, a: ProtooAnswer) => void }[] = [];
  private nextSendStreamId = 0;
  private sendTransportId: string | undefined;

  constructor(
    private readonly host: DataSideHost,
    private readonly send: WebRtcPeer,
    private readonly recv: WebRtcPeer,
    readonly specs: readonly DataProducerSpec[],
  ) {}

  /** The send transport's answer is applied: the producers' channels can be made once the send PC has SCTP. */
  sendReady(transportId: string): void {
    this.sendTransportId = transportId;
  }

  /** A newDataConsumer request (mediasoup-demo's client: `recvTransport.consumeData`, then accept). */
  newDataConsumer(now: Micros, data: Obj, answer: (now: Micros, a: ProtooAnswer) => void): boolean {
    const s = data.sctpStreamParameters;
    if (typeof data.id !== 'string' || typeof data.dataProducerId !== 'string' || typeof s !== 'object' || s === null || Array.isArray(s) || !u16(s.streamId)) {
      answer(now, { ok: false, errorCode: 400, errorReason: 'newDataConsumer without id, dataProducerId or sctpStreamParameters.streamId' });
      return false;
    }
    if (this.consumers.some((c) => c.streamId === s.streamId && !c.closed)) {
      answer(now, { ok: false, errorCode: 400, errorReason: `SCTP stream ${s.streamId} already consumed` });
      return false;
    }
    const c: ClientDataConsumer = {
      id: data.id, dataProducerId: data.dataProducerId, peerId: String(data.peerId ?? ''), label: typeof data.label === 'string' ? data.label : '', streamId: s.streamId,
      ordered: s.ordered !== false, maxRetransmits: u16(s.maxRetransmits) ? s.maxRetransmits : undefined, maxPacketLifeTime: u16(s.maxPacketLifeTime) ? s.maxPacketLifeTime : undefined,
      channel: undefined, accepted: false, closed: false,
    };
    this.consumers.push(c);
    this.held.push({ c, answer });
    this.host.step('newDataConsumer', `${c.peerId}'s "${c.label}" on SCTP stream ${c.streamId}`, { dataConsumer: c.id, streamId: c.streamId });
    return true;
  }

  /** Whether the receive PC's remote offer must carry the m=application section (a data consumer exists). */
  get wantsRecvSection(): boolean {
    return this.consumers.length > 0;
  }

  /** The receive PC answered (its SCTP exists now): open the held consumers' channels; accept them once connected. */
  recvAnswered(now: Micros, connected: boolean): void {
    const dc = this.recv.transport.dataChannels;
    for (const h of this.held) {
      const c = h.c;
      if (!c.channel && dc) {
        const ch = dc.open(now, { label: c.label, id: c.streamId, negotiated: true, ordered: c.ordered, ...(c.maxRetransmits !== undefined ? { maxRetransmits: c.maxRetransmits } : {}), ...(c.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: c.maxPacketLifeTime } : {}) });
        if (ch) c.channel = ch;
      }
    }
    if (!connected) return;
    for (const h of this.held.splice(0)) {
      if (!h.c.channel) {
        h.c.closed = true;
        h.answer(now, { ok: false, errorCode: 500, errorReason: `no data channel on SCTP stream ${h.c.streamId}` });
        continue;
      }
      h.c.accepted = true;
      h.answer(now, { ok: true, data: {} });
    }
  }

  /** `dataConsumerClosed`: its channel closes (RFC 8831 §6.7 stream reset). */
  consumerClosed(now: Micros, id: string): void {
    const c = this.consumers.find((x) => x.id === id && !x.closed);
    if (!c) return;
    c.closed = true;
    if (c.channel && c.channel.state === 'open') this.recv.transport.dataChannels?.close(now, c.channel.label, c.streamId);
  }

  /** Opens the producers' channels once the send PC has SCTP, sends due messages, closes due producers. */
  pump(now: Micros): { readonly acted: boolean; readonly next?: Deadline } {
    const dc = this.send.transport.dataChannels;
    if (!dc || this.sendTransportId === undefined) return { acted: false };
    let acted = false;
    for (const spec of this.specs) {
      if (this.producers.some((p) => p.spec === spec)) continue;
      const streamId = this.nextSendStreamId;
      this.nextSendStreamId = (this.nextSendStreamId + 1) % SCTP_MIS;
      const partial = spec.maxRetransmits !== undefined || spec.maxPacketLifeTime !== undefined;
      const ordered = spec.ordered ?? !partial;
      const p: ClientDataProducer = { spec, streamId, id: undefined, channel: undefined, sent: 0, closed: false };
      acted = true;
      this.producers.push(p);
      const limits = { ...(spec.maxRetransmits !== undefined ? { maxRetransmits: spec.maxRetransmits } : {}), ...(spec.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: spec.maxPacketLifeTime } : {}) };
      p.channel = dc.open(now, { label: spec.label, ...(spec.protocol !== undefined ? { protocol: spec.protocol } : {}), id: streamId, negotiated: true, ordered, ...limits });
      this.host.request(now, 'produceData', { transportId: this.sendTransportId, sctpStreamParameters: { streamId, ordered, ...limits }, label: spec.label, protocol: spec.protocol ?? '', appData: {} }, (_t, d) => {
        p.id = String(d.id);
        this.host.step('produceData', `"${spec.label}" on SCTP stream ${streamId} is dataProducer ${p.id}`, { dataProducer: p.id, streamId });
      });
    }
    let next: Deadline | undefined;
    const later = (at: Micros, reason: string): void => {
      if (!next || at < next.at) next = { at, reason };
    };
    for (const p of this.producers) {
      if (p.closed || p.id === undefined || !p.channel) continue;
      const s = p.spec;
      if (s.closeAt !== undefined && s.closeAt <= now) {
        p.closed = true;
        acted = true;
        if (p.channel.state === 'open') dc.close(now, p.channel.label, p.streamId);
        const id = p.id;
        this.host.request(now, 'closeDataProducer', { dataProducerId: id }, () => this.host.step('closeDataProducer', `dataProducer ${id} closed`, { dataProducer: id }));
        continue;
      }
      while (p.sent < s.count) {
        const due = s.at + p.sent * s.every;
        if (due > now) {
          later(due, 'data producer message');
          break;
        }
        const body = s.bytes !== undefined ? pattern(s.bytes, p.sent) : (s.text ?? '').replaceAll('{n}', String(p.sent + 1));
        dc.send(now, p.channel.label, body, p.streamId);
        p.sent++;
        acted = true;
      }
      if (s.closeAt !== undefined) later(s.closeAt, 'data producer close');
    }
    return next ? { acted, next } : { acted };
  }

  summary(): { dataProducers: JsonValue[]; dataConsumers: JsonValue[] } {
    return {
      dataProducers: this.producers.map((p) => ({ id: p.id ?? null, label: p.spec.label, streamId: p.streamId, messagesSent: p.channel?.stats.messagesSent ?? 0, bytesSent: p.channel?.stats.bytesSent ?? 0, closed: p.closed })),
      dataConsumers: this.consumers.map((c) => ({ id: c.id, dataProducerId: c.dataProducerId, peer: c.peerId, label: c.label, streamId: c.streamId, ordered: c.ordered, messagesReceived: c.channel?.stats.messagesReceived ?? 0, bytesReceived: c.channel?.stats.bytesReceived ?? 0, closed: c.closed || c.channel?.state === 'closed' })),
    };
  }
}

/** `n` bytes of a recognisable pattern (message `k`). */
function pattern(n: number, k: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i + k) & 0xff;
  return b;
}

export const DEFAULT_EVERY = 500 * MS;
