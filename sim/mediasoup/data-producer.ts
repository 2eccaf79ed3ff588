// mediasoup's DataProducer and DataConsumer: SCTP streams on a WebRtcTransport, forwarded by the router.
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { SctpAssociation } from '../sctp/association.ts';
import type { DataChannelsOutput } from '../sctp/datachannels.ts';
import { Ppid } from '../wire/sctp/names.ts';

type Obj = { [key: string]: JsonValue };

/** mediasoup's SctpStreamParameters: the stream a pre-agreed (`negotiated`, RFC 8831 §6.5) channel uses, and its reliability. */
export interface SctpStreamParameters {
  readonly streamId: number;
  readonly ordered: boolean;
  readonly maxRetransmits?: number;
  /** ms. */
  readonly maxPacketLifeTime?: number;
}

/**
 * mediasoup's SctpParameters of a transport (createWebRtcTransport's `sctpParameters`); the port is WebRTC's 5000
 * (RFC 8841). Since its built-in SCTP stack (mediasoup PR #1806) a server sends maxSendMessageSize (what its
 * DataConsumers send: the client's a=max-message-size) and maxReceiveMessageSize (what its DataProducers take), and
 * still the deprecated OS, MIS and maxMessageSize that clients before mediasoup-client 3.24 read.
 */
export interface SctpParameters {
  readonly port: number;
  readonly OS: number;
  readonly MIS: number;
  readonly maxMessageSize: number;
  readonly maxSendMessageSize: number;
  readonly maxReceiveMessageSize: number;
}

/** mediasoup's enableSctp options: numSctpStreams { OS, MIS } (1024 each by default) and maxSctpMessageSize (262144). */
export interface ServerSctpOptions {
  readonly streams?: number;
  readonly maxMessageSize?: number;
}

/** The user-message PPIDs a data channel may carry (RFC 8831 §8): string, binary and their empty forms. */
const USER_PPIDS: ReadonlySet<number> = new Set([Ppid.STRING, Ppid.BINARY, Ppid.STRING_EMPTY, Ppid.BINARY_EMPTY]);

/**
 * A transport's SCTP association as mediasoup's worker keeps it: no DCEP, streams used as the DataProducers and
 * DataConsumers say (both ends agreed them over protoo); every user message that arrives goes to `onMessage` with its
 * stream and PPID. It starts once DTLS is up (both ends send INIT; RFC 9260 §5.2.4 settles the collision).
 */
export class ServerSctp {
  readonly association: SctpAssociation;
  readonly parameters: SctpParameters;
  /** The outgoing streams DataConsumers hold. */
  readonly usedOut = new Set<number>();
  readonly stats = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0 };
  private started = false;
  private readonly out: DataChannelsOutput[] = [];

  constructor(
    readonly name: string,
    rng: Rng,
    options: ServerSctpOptions,
    private readonly onMessage: (now: Micros, sctp: ServerSctp, streamId: number, ppid: number, bytes: Uint8Array) => void,
  ) {
    const streams = options.streams ?? 1024;
    this.association = new SctpAssociation({ rng, streams });
    const size = options.maxMessageSize ?? 262144;
    this.parameters = { port: 5000, OS: streams, MIS: streams, maxMessageSize: size, maxSendMessageSize: size, maxReceiveMessageSize: size };
  }

  /** mediasoup's SctpStreamParameters-less choice for a DataConsumer: the lowest free outgoing stream. */
  freeStreamId(): number | undefined {
    for (let id = 0; id < this.parameters.OS; id++) if (!this.usedOut.has(id)) return id;
    return undefined;
  }

  /** A message with its PPID on a DataConsumer's stream, with the consumer's reliability (RFC 8831 §6.6). */
  send(now: Micros, stream: SctpStreamParameters, ppid: number, bytes: Uint8Array): boolean {
    const policy = { unordered: !stream.ordered, ...(stream.maxRetransmits !== undefined ? { maxRetransmits: stream.maxRetransmits } : {}), ...(stream.maxPacketLifeTime !== undefined ? { maxLifetime: stream.maxPacketLifeTime } : {}) };
    if (!this.association.send(now, stream.streamId, ppid, bytes, policy)) return false;
    this.stats.messagesOut++;
    this.stats.bytesOut += ppid === Ppid.STRING_EMPTY || ppid === Ppid.BINARY_EMPTY ? 0 : bytes.length;
    return true;
  }

  /** RFC 6525: resets one of our outgoing streams (a DataConsumer closed); nothing before the association is up. */
  resetOutgoing(streamId: number): void {
    if (this.association.state !== 'established') return;
    this.resetting.add(streamId);
    this.association.resetStreams([streamId]);
  }

  /** Outgoing streams this side reset itself (a peer's reset of them in answer is not answered again). */
  private readonly resetting = new Set<number>();

  /**
   * The peer reset incoming streams (a channel closed there, RFC 8831 §6.7): mediasoup's association, being a data
   * channel one, resets the same outgoing streams in answer, unless it began the close itself.
   */
  private onIncomingReset(streams: readonly number[]): void {
    const answer = streams.filter((s) => !this.resetting.delete(s));
    if (answer.length) this.association.resetStreams(answer);
  }

  /** A decrypted DTLS record: one SCTP packet (RFC 8261). */
  handlePacket(now: Micros, bytes: Uint8Array): void {
    this.association.handlePacket(now, bytes);
  }

  handleTimeout(now: Micros): void {
    this.association.handleTimeout(now);
  }

  poll(now: Micros): DataChannelsOutput {
    if (!this.started) {
      this.started = true;
      this.association.connect(now);
    }
    for (let guard = 0; guard < 100_000; guard++) {
      const q = this.out.shift();
      if (q) return q;
      const o = this.association.poll(now);
      switch (o.type) {
        case 'transmit':
        case 'timeout':
        case 'idle':
          return o;
        case 'note':
          return { type: 'note', kind: o.note.kind, text: `${this.name}: ${o.note.text}`, ...(o.note.data ? { data: o.note.data } : {}) };
        case 'message':
          if (!USER_PPIDS.has(o.ppid) || o.bytes.length > this.parameters.maxMessageSize) {
            // DCEP (50) or a deprecated partial PPID on a pre-agreed stream, or a message over maxSctpMessageSize
            this.stats.dropped++;
            this.out.push({ type: 'note', kind: 'sctp.malformed', text: `${this.name}: message on stream ${o.streamId} with PPID ${o.ppid} (${o.bytes.length} bytes) dropped: not a data channel user message within ${this.parameters.maxMessageSize} bytes`, data: { what: 'message', detail: `stream ${o.streamId} ppid ${o.ppid}` } });
            continue;
          }
          this.stats.messagesIn++;
          this.stats.bytesIn += o.ppid === Ppid.STRING_EMPTY || o.ppid === Ppid.BINARY_EMPTY ? 0 : o.bytes.length;
          this.onMessage(now, this, o.streamId, o.ppid, o.bytes);
          continue;
        case 'streams-reset':
          if (o.direction === 'incoming') this.onIncomingReset(o.streams);
          continue;
        case 'state':
          continue;
      }
    }
    throw new Error(`${this.name}: SCTP poll loop did not settle at ${now}`);
  }

  summary(): { [key: string]: JsonValue } {
    const a = this.association;
    const { port, OS, MIS, maxMessageSize } = this.parameters;
    return { state: a.state, port, OS, MIS, maxMessageSize, ...this.stats, packetsSent: a.stats.packetsSent, packetsReceived: a.stats.packetsReceived, retransmissions: a.sender?.retransmissions ?? 0 };
  }
}

export interface DataProducer {
  readonly id: string;
  readonly peerId: string;
  readonly sctp: ServerSctp;
  readonly stream: SctpStreamParameters;
  readonly label: string;
  readonly protocol: string;
  closed: boolean;
  messages: number;
}

export interface DataConsumer {
  readonly id: string;
  readonly peerId: string;
  readonly sctp: ServerSctp;
  readonly producer: DataProducer;
  readonly stream: SctpStreamParameters;
  closed: boolean;
  messages: number;
}

const u16 = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;

/** Reads mediasoup's sctpStreamParameters; a string says what is wrong. RFC 8831 §6.4: at most one of the two limits. */
export function parseSctpStreamParameters(v: JsonValue | undefined, sctp: ServerSctp): SctpStreamParameters | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'missing sctpStreamParameters';
  const o = v as Obj;
  if (!u16(o.streamId) || o.streamId >= sctp.parameters.MIS) return `sctpStreamParameters.streamId ${JSON.stringify(o.streamId ?? null)} is not a stream below MIS ${sctp.parameters.MIS}`;
  if (o.maxRetransmits !== undefined && !u16(o.maxRetransmits)) return 'sctpStreamParameters.maxRetransmits is not a 16-bit integer';
  if (o.maxPacketLifeTime !== undefined && !u16(o.maxPacketLifeTime)) return 'sctpStreamParameters.maxPacketLifeTime is not a 16-bit integer';
  if (o.maxRetransmits !== undefined && o.maxPacketLifeTime !== undefined) return 'sctpStreamParameters: maxRetransmits and maxPacketLifeTime are mutually exclusive';
  // mediasoup: a partially reliable stream is unordered unless ordered is given
  const partial = o.maxRetransmits !== undefined || o.maxPacketLifeTime !== undefined;
  const ordered = typeof o.ordered === 'boolean' ? o.ordered : !partial;
  if (ordered && partial) return 'sctpStreamParameters: ordered with maxRetransmits or maxPacketLifeTime';
  return { streamId: o.streamId, ordered, ...(o.maxRetransmits !== undefined ? { maxRetransmits: o.maxRetransmits as number } : {}), ...(o.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: o.maxPacketLifeTime as number } : {}) };
}

/**
 * The router's data side: DataProducers (a peer's incoming stream on its transport's association), DataConsumers (an
 * outgoing stream the server picks on the consumer's transport) and the forwarding between them, PPID kept, so a
 * string stays a string and an empty message stays empty (RFC 8831 §8).
 */
export class DataRouter {
  readonly dataProducers: DataProducer[] = [];
  readonly dataConsumers: DataConsumer[] = [];

  /** produceData: a DataProducer on a stream not already produced on this association. */
  produce(id: string, peerId: string, sctp: ServerSctp, params: Obj): DataProducer | string {
    const stream = parseSctpStreamParameters(params.sctpStreamParameters, sctp);
    if (typeof stream === 'string') return stream;
    if (this.dataProducers.some((p) => p.sctp === sctp && p.stream.streamId === stream.streamId && !p.closed)) return `sctpStreamParameters.streamId ${stream.streamId} already in use`;
    const p: DataProducer = { id, peerId, sctp, stream, label: typeof params.label === 'string' ? params.label : '', protocol: typeof params.protocol === 'string' ? params.protocol : '', closed: false, messages: 0 };
    this.dataProducers.push(p);
    return p;
  }

  /** consumeData: a DataConsumer on the lowest free outgoing stream of the consuming association, with the producer's reliability. */
  consume(id: string, peerId: string, sctp: ServerSctp, producer: DataProducer): DataConsumer | string {
    if (producer.closed) return `dataProducer ${producer.id} is closed`;
    const streamId = sctp.freeStreamId();
    if (streamId === undefined) return `no free SCTP stream on the transport (OS ${sctp.parameters.OS})`;
    sctp.usedOut.add(streamId);
    const c: DataConsumer = { id, peerId, sctp, producer, stream: { ...producer.stream, streamId }, closed: false, messages: 0 };
    this.dataConsumers.push(c);
    return c;
  }

  close(c: DataConsumer): void {
    c.closed = true;
    c.sctp.usedOut.delete(c.stream.streamId);
  }

  /**
   * A DataProducer closes: each of its open consumers closes with it (mediasoup's `dataproducerclose` on the
   * DataConsumer) and its outgoing stream is reset (RFC 6525), which closes the channel at the other end
   * (RFC 8831 §6.7). Returns the consumers closed.
   */
  closeProducer(p: DataProducer): DataConsumer[] {
    if (p.closed) return [];
    p.closed = true;
    const gone = this.dataConsumers.filter((c) => c.producer === p && !c.closed);
    for (const c of gone) {
      this.close(c);
      c.sctp.resetOutgoing(c.stream.streamId);
    }
    return gone;
  }

  /** A message arrived on an association: the producer of that stream hands it to each of its open consumers. */
  message(now: Micros, sctp: ServerSctp, streamId: number, ppid: number, bytes: Uint8Array): number {
    const p = this.dataProducers.find((x) => x.sctp === sctp && x.stream.streamId === streamId && !x.closed);
    if (!p) {
      sctp.stats.dropped++;
      return 0;
    }
    p.messages++;
    let n = 0;
    for (const c of this.dataConsumers) {
      if (c.producer !== p || c.closed) continue;
      if (c.sctp.send(now, c.stream, ppid, bytes)) {
        c.messages++;
        n++;
      }
    }
    return n;
  }
}
