// size: DCEP (RFC 8832) and the data channel API (RFC 8831) over one association, with the scenario schedule; the
// association itself is association.ts
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { channelTypeOf, decodeDcep, encodeDcep, reliabilityOf } from '../wire/sctp/dcep.ts';
import { Ppid } from '../wire/sctp/names.ts';
import type { InitChunk } from '../wire/sctp/chunk.ts';
import { SctpAssociation, type SctpAssociationOptions } from './association.ts';
import { sctpNote, type ChannelFacts, type DataChannelStateName, type SctpNote } from './notes.ts';

/** What a channel is asked to be (W3C RTCDataChannelInit, RFC 8831 §6.4). */
export interface DataChannelInit {
  readonly label: string;
  readonly protocol?: string;
  readonly ordered?: boolean;
  readonly maxRetransmits?: number;
  /** ms. */
  readonly maxPacketLifeTime?: number;
  /** Negotiated out of band (RFC 8831 §6.5): both sides create it with this stream id and no DCEP is sent. */
  readonly id?: number;
  readonly negotiated?: boolean;
  /** RFC 8832 §5.1 priority (256 below normal … 2048 extra high); 256 as browsers send by default. */
  readonly priority?: number;
}

/** One action of a scenario's schedule (`at`: µs from the start of the run; a send waits for its channel to open). */
export type DataChannelAction =
  | ({ readonly at: Micros; readonly do: 'open' } & DataChannelInit)
  /** `text` ("{n}" becomes the message's number from 1) or `bytes` (a binary message of that size); `count` of them, `every` apart. */
  | { readonly at: Micros; readonly do: 'send'; readonly label: string; readonly text?: string; readonly bytes?: number; readonly count?: number; readonly every?: Micros }
  | { readonly at: Micros; readonly do: 'close'; readonly label: string };

export interface DataChannel {
  readonly streamId: number;
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | undefined;
  readonly maxPacketLifeTime: number | undefined;
  readonly negotiated: boolean;
  readonly by: 'local' | 'remote';
  state: DataChannelStateName;
  /** RFC 8832 §6: until the ACK arrives, the opener sends ordered (so the OPEN is read first). */
  acked: boolean;
  readonly stats: { messagesSent: number; bytesSent: number; messagesReceived: number; bytesReceived: number; dropped: number };
  /** Text of the messages received (bounded), for tests and summaries. */
  readonly received: string[];
  /** Messages queued before the channel could send (its association not up yet). */
  readonly pending: { ppid: number; bytes: Uint8Array }[];
  closedBy?: 'local' | 'remote';
}

export type DataChannelsOutput =
  | { readonly type: 'transmit'; readonly bytes: Uint8Array; readonly mayFragment?: true }
  | { readonly type: 'note'; readonly kind: string; readonly text: string; readonly data?: SctpNote['data'] }
  | { readonly type: 'timeout'; readonly at: Micros; readonly reason: string }
  | { readonly type: 'idle' };

/** The a=max-message-size Chromium declares (256 kB), this side's default both ways when SDP says nothing else. */
export const DEFAULT_MAX_MESSAGE_SIZE = 262144;

/** RFC 8841 §6.1 a=max-message-size, both ways (0: any size). */
export interface MessageSizeLimits {
  /** What this side declared it takes: a bigger message received closes its channel. */
  readonly localMaxMessageSize?: number;
  /** What the peer declared: a bigger message is refused by `send`. */
  readonly remoteMaxMessageSize?: number;
}

/** SNAP (draft-hancke-tsvwg-snap): the association made before the SDP (its INIT went out as a=sctp-init) and the peer's INIT. */
export interface SnapStart {
  /** Made early, its INIT in this side's description; else one is made here. */
  readonly association?: SctpAssociation;
  /** The peer's INIT from a=sctp-init when both descriptions carried one: no handshake (§6). */
  readonly peerInit?: InitChunk;
}

const MAX_CHANNELS = 1024;
const MAX_RECEIVED_KEPT = 256;
const UTF8 = new TextDecoder('utf-8', { fatal: false });
const ENC = new TextEncoder();

/**
 * Data channels (RFC 8831) on one SCTP association carried in DTLS: DCEP opens them in band (RFC 8832), stream ids
 * by DTLS role (§6: the client even, the server odd), or both sides create a negotiated one; user messages go with
 * the PPID of their kind (§8: string, binary, and the empty variants as one zero byte); closing resets the
 * stream both ways (RFC 8831 §6.7). Both sides start the association once DTLS is up.
 */
export class DataChannels {
  readonly association: SctpAssociation;
  readonly channels = new Map<number, DataChannel>();
  private readonly out: DataChannelsOutput[] = [];
  private started = false;
  private readonly peerInit: InitChunk | undefined;
  private nextId: number;
  private readonly schedule: { at: Micros; action: DataChannelAction; repeat: number; blocked: boolean }[];
  /** Channels asked for before the association was up: opened once it is. */
  private readonly waiting: DataChannel[] = [];
  /** W3C RTCTransportStats-like counters. */
  readonly stats = { dataChannelsOpened: 0, dataChannelsClosed: 0, rejected: 0, tooBigSent: 0, tooBigReceived: 0 };
  /** RFC 8841 §6.1 (0: any size). */
  readonly localMaxMessageSize: number;
  readonly remoteMaxMessageSize: number;

  constructor(
    readonly name: string,
    rng: Rng,
    readonly role: 'client' | 'server',
    schedule: readonly DataChannelAction[] = [],
    options: Omit<SctpAssociationOptions, 'rng'> & MessageSizeLimits & SnapStart = {},
  ) {
    const { localMaxMessageSize, remoteMaxMessageSize, association, peerInit, ...sctp } = options;
    this.localMaxMessageSize = localMaxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.remoteMaxMessageSize = remoteMaxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.association = association ?? new SctpAssociation({ rng, ...sctp });
    this.peerInit = peerInit;
    this.nextId = role === 'client' ? 0 : 1;
    this.schedule = schedule.map((action) => ({ at: action.at, action, repeat: 0, blocked: false }));
  }

  private note(n: SctpNote): void {
    this.out.push({ type: 'note', kind: n.kind, text: `${this.name}: ${n.text}`, ...(n.data ? { data: n.data } : {}) });
  }

  /** Creates a channel (W3C createDataChannel): DCEP OPEN now or once the association is up. */
  open(now: Micros, init: DataChannelInit): DataChannel | undefined {
    const negotiated = init.negotiated ?? false;
    let streamId = init.id;
    if (streamId === undefined) {
      while (this.channels.has(this.nextId)) this.nextId += 2;
      streamId = this.nextId;
      this.nextId += 2;
    }
    if (this.channels.size >= MAX_CHANNELS || streamId > 65534) {
      this.note(sctpNote('sctp.limit', `no stream left for data channel ${JSON.stringify(init.label)}`, { what: 'data channels', limit: MAX_CHANNELS }));
      return undefined;
    }
    if (this.channels.has(streamId)) {
      this.note(sctpNote('datachannel.rejected', `data channel ${JSON.stringify(init.label)}: stream ${streamId} is in use`, { streamId, reason: 'stream in use' }));
      return undefined;
    }
    const ch = this.make(streamId, init, negotiated, 'local');
    if (this.association.state === 'established') this.announce(now, ch);
    else this.waiting.push(ch);
    return ch;
  }

  private make(streamId: number, init: DataChannelInit, negotiated: boolean, by: 'local' | 'remote'): DataChannel {
    const ch: DataChannel = {
      streamId, label: init.label, protocol: init.protocol ?? '', ordered: init.ordered ?? true, maxRetransmits: init.maxRetransmits, maxPacketLifeTime: init.maxPacketLifeTime,
      negotiated, by, state: 'connecting', acked: negotiated || by === 'remote', stats: { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0, dropped: 0 }, received: [], pending: [],
    };
    this.channels.set(streamId, ch);
    return ch;
  }

  private facts(ch: DataChannel): ChannelFacts {
    return { streamId: ch.streamId, label: ch.label, protocol: ch.protocol, ordered: ch.ordered, maxRetransmits: ch.maxRetransmits ?? null, maxPacketLifeTime: ch.maxPacketLifeTime ?? null, negotiated: ch.negotiated };
  }

  /** RFC 8832 §6: the OPEN goes ordered and reliable on the channel's stream; a negotiated channel opens at once. */
  private announce(now: Micros, ch: DataChannel): void {
    if (!ch.negotiated) {
      const t = channelTypeOf({ ordered: ch.ordered, ...(ch.maxRetransmits !== undefined ? { maxRetransmits: ch.maxRetransmits } : {}), ...(ch.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: ch.maxPacketLifeTime } : {}) });
      const open = encodeDcep({ kind: 'DATA_CHANNEL_OPEN', channelType: t.channelType, priority: 256, reliabilityParameter: t.reliabilityParameter, label: ch.label, protocol: ch.protocol });
      this.association.send(now, ch.streamId, Ppid.DCEP, open);
    }
    this.setState(ch, 'open');
    this.stats.dataChannelsOpened++;
    this.note(sctpNote('datachannel.open', `data channel ${JSON.stringify(ch.label)} on stream ${ch.streamId} opened${ch.negotiated ? ' (negotiated)' : ', DATA_CHANNEL_OPEN sent'}`, { ...this.facts(ch), by: 'local' }));
    for (const m of ch.pending.splice(0)) this.deliver(now, ch, m.ppid, m.bytes);
  }

  private setState(ch: DataChannel, to: DataChannelStateName): void {
    if (ch.state === to) return;
    const from = ch.state;
    ch.state = to;
    this.note(sctpNote('datachannel.state', `data channel ${JSON.stringify(ch.label)} ${from} → ${to}`, { streamId: ch.streamId, label: ch.label, from, to }));
  }

  /**
   * Sends a message (RFC 8831 §6.6): a string as PPID 51, bytes as 53, empty ones as 56/57 with one zero byte. One
   * larger than the peer's a=max-message-size is refused, with a note (RFC 8841 §6.1 MUST NOT; W3C send() throws).
   */
  send(now: Micros, label: string, data: string | Uint8Array, streamId?: number): boolean {
    // by label, or (several channels may share one, as an SFU's consumers do) by the channel's stream
    const ch = [...this.channels.values()].find((c) => c.label === label && (streamId === undefined || c.streamId === streamId) && c.state !== 'closed' && c.state !== 'closing');
    if (!ch) return false;
    const text = typeof data === 'string';
    const bytes = text ? ENC.encode(data) : data;
    const limit = this.remoteMaxMessageSize;
    if (limit > 0 && bytes.length > limit) {
      this.stats.tooBigSent++;
      this.note(sctpNote('datachannel.too-big', `message of ${bytes.length} bytes on data channel ${JSON.stringify(ch.label)} not sent: the peer takes at most ${limit} (a=max-message-size, RFC 8841 §6.1)`, { direction: 'sent', streamId: ch.streamId, label: ch.label, bytes: bytes.length, limit }));
      return false;
    }
    const ppid = bytes.length ? (text ? Ppid.STRING : Ppid.BINARY) : text ? Ppid.STRING_EMPTY : Ppid.BINARY_EMPTY;
    const wire = bytes.length ? bytes : Uint8Array.of(0);
    if (ch.state !== 'open') {
      if (ch.pending.length < 1024) ch.pending.push({ ppid, bytes: wire });
      return true;
    }
    return this.deliver(now, ch, ppid, wire);
  }

  private deliver(now: Micros, ch: DataChannel, ppid: number, bytes: Uint8Array): boolean {
    const ordered = ch.ordered || !ch.acked;
    const policy = { unordered: !ordered, ...(ch.maxRetransmits !== undefined ? { maxRetransmits: ch.maxRetransmits } : {}), ...(ch.maxPacketLifeTime !== undefined ? { maxLifetime: ch.maxPacketLifeTime } : {}) };
    if (!this.association.send(now, ch.streamId, ppid, bytes, policy)) return false;
    ch.stats.messagesSent++;
    ch.stats.bytesSent += ppid === Ppid.STRING_EMPTY || ppid === Ppid.BINARY_EMPTY ? 0 : bytes.length;
    return true;
  }

  /** Closes a channel (RFC 8831 §6.7): its outgoing stream is reset; the peer resets its own in answer. */
  close(_now: Micros, label: string, streamId?: number): void {
    const ch = [...this.channels.values()].find((c) => c.label === label && (streamId === undefined || c.streamId === streamId) && c.state === 'open');
    if (!ch) return;
    ch.closedBy = 'local';
    this.setState(ch, 'closing');
    this.association.resetStreams([ch.streamId]);
  }

  /** A decrypted DTLS record: one SCTP packet (RFC 8261). */
  handlePacket(now: Micros, bytes: Uint8Array): void {
    this.association.handlePacket(now, bytes);
  }

  /** A Packet Too Big about the DTLS transport's datagrams, as PL_PTB_SIZE (association-core.ts `packetTooBig`). */
  packetTooBig(now: Micros, size: number, from: string): void {
    this.association.packetTooBig(now, size, from);
  }

  handleTimeout(now: Micros): void {
    this.association.handleTimeout(now);
  }

  private onMessage(now: Micros, streamId: number, ppid: number, bytes: Uint8Array): void {
    if (ppid === Ppid.DCEP) return this.onDcep(now, streamId, bytes);
    const ch = this.channels.get(streamId);
    if (!ch || ch.state === 'closed') {
      this.note(sctpNote('sctp.malformed', `message on stream ${streamId}, which has no open data channel; dropped`, { what: 'message', detail: `stream ${streamId}` }));
      return;
    }
    // RFC 8832 §6: a message after the OPEN tells the opener its channel is open even if the ACK was lost
    ch.acked = true;
    const limit = this.localMaxMessageSize;
    if (limit > 0 && bytes.length > limit) {
      // RFC 8841 §6.1: the peer broke the limit this side declared; RFC 8831 §6.6: an error in a received message closes its channel
      this.stats.tooBigReceived++;
      ch.stats.dropped++;
      this.note(sctpNote('datachannel.too-big', `message of ${bytes.length} bytes on data channel ${JSON.stringify(ch.label)} is over the ${limit} this side declared (a=max-message-size, RFC 8841 §6.1): discarded, channel closed (RFC 8831 §6.6)`, { direction: 'received', streamId, label: ch.label, bytes: bytes.length, limit }));
      if (ch.state === 'open') {
        ch.closedBy = 'local';
        this.setState(ch, 'closing');
        this.association.resetStreams([streamId]);
      }
      return;
    }
    const empty = ppid === Ppid.STRING_EMPTY || ppid === Ppid.BINARY_EMPTY;
    ch.stats.messagesReceived++;
    ch.stats.bytesReceived += empty ? 0 : bytes.length;
    if (ch.received.length < MAX_RECEIVED_KEPT) ch.received.push(empty ? '' : ppid === Ppid.STRING || ppid === Ppid.STRING_PARTIAL ? UTF8.decode(bytes) : `<${bytes.length} bytes>`);
  }

  private onDcep(now: Micros, streamId: number, bytes: Uint8Array): void {
    const d = decodeDcep(bytes, { spans: false });
    const m = d.value;
    if (!m) {
      this.note(sctpNote('sctp.malformed', `DCEP on stream ${streamId}: ${d.problems[0]?.message ?? 'unreadable'}`, { what: 'DCEP', detail: d.problems[0]?.message ?? 'unreadable' }));
      return;
    }
    if (m.kind === 'DATA_CHANNEL_ACK') {
      const ch = this.channels.get(streamId);
      if (ch) ch.acked = true;
      return;
    }
    // RFC 8832 §6: the peer opens on its parity (the DTLS client even, the server odd)
    const peerParity = this.role === 'client' ? 1 : 0;
    if (streamId % 2 !== peerParity) return this.reject(streamId, `DATA_CHANNEL_OPEN on ${streamId % 2 ? 'odd' : 'even'} stream ${streamId} from the DTLS ${this.role === 'client' ? 'server' : 'client'} (RFC 8832 §6)`);
    const existing = this.channels.get(streamId);
    if (existing && existing.state !== 'closed') return this.reject(streamId, `DATA_CHANNEL_OPEN for stream ${streamId}, already open as ${JSON.stringify(existing.label)}`, false);
    if (d.problems.length) return this.reject(streamId, `DATA_CHANNEL_OPEN unreadable: ${d.problems[0]!.message}`);
    if (this.channels.size >= MAX_CHANNELS) return this.reject(streamId, `more than ${MAX_CHANNELS} channels`);
    const r = reliabilityOf(m.channelType, m.reliabilityParameter);
    const ch = this.make(streamId, { label: m.label, protocol: m.protocol, ordered: r.ordered, ...(r.maxRetransmits !== undefined ? { maxRetransmits: r.maxRetransmits } : {}), ...(r.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: r.maxPacketLifeTime } : {}) }, false, 'remote');
    this.association.send(now, streamId, Ppid.DCEP, encodeDcep({ kind: 'DATA_CHANNEL_ACK' }));
    this.setState(ch, 'open');
    this.stats.dataChannelsOpened++;
    this.note(sctpNote('datachannel.open', `data channel ${JSON.stringify(ch.label)} on stream ${streamId} opened by the peer, DATA_CHANNEL_ACK sent`, { ...this.facts(ch), by: 'remote' }));
  }

  /** A refused OPEN: noted, and (unless the stream carries a live channel) its stream reset (RFC 8832 §6). */
  private reject(streamId: number, reason: string, reset = true): void {
    this.stats.rejected++;
    this.note(sctpNote('datachannel.rejected', reason, { streamId, reason }));
    if (reset) this.association.resetStreams([streamId]);
  }

  private onReset(now: Micros, direction: 'incoming' | 'outgoing', streams: readonly number[]): void {
    for (const s of streams) {
      const ch = this.channels.get(s);
      if (!ch || ch.state === 'closed') continue;
      if (direction === 'incoming' && ch.closedBy === undefined) {
        // the peer closed: reset ours too (RFC 8831 §6.7)
        ch.closedBy = 'remote';
        this.setState(ch, 'closing');
        this.association.resetStreams([s]);
        continue;
      }
      if (direction === 'outgoing' && ch.closedBy === 'local') continue; // waiting for the peer's reset
      this.setState(ch, 'closed');
      this.stats.dataChannelsClosed++;
    }
    void now;
  }

  private runSchedule(now: Micros): void {
    for (const s of this.schedule) {
      s.blocked = false;
      if (s.at > now || s.repeat < 0) continue;
      const a = s.action;
      // a send waits until a channel of its label is open (ours once opened, or the peer's once its OPEN arrives)
      if (a.do === 'send' && ![...this.channels.values()].some((c) => c.label === a.label && c.state === 'open')) {
        s.blocked = true;
        continue;
      }
      if (a.do === 'open') {
        const { at: _at, do: _do, ...init } = a;
        this.open(now, init);
        s.repeat = -1;
      } else if (a.do === 'close') {
        this.close(now, a.label);
        s.repeat = -1;
      } else {
        const count = a.count ?? 1;
        const body = a.bytes !== undefined ? patterned(a.bytes, s.repeat) : (a.text ?? '').replaceAll('{n}', String(s.repeat + 1));
        this.send(now, a.label, body);
        s.repeat++;
        if (s.repeat >= count) s.repeat = -1;
        else s.at += a.every ?? 100 * MS;
      }
    }
  }

  private nextScheduled(): Micros | undefined {
    let at: Micros | undefined;
    for (const s of this.schedule) if (s.repeat >= 0 && !s.blocked && (at === undefined || s.at < at)) at = s.at;
    return at;
  }

  poll(now: Micros): DataChannelsOutput {
    if (!this.started) {
      this.started = true;
      if (this.peerInit) this.association.establishFromInits(now, this.peerInit);
      else this.association.connect(now);
    }
    for (let guard = 0; guard < 100_000; guard++) {
      const q = this.out.shift();
      if (q) return q;
      if (this.association.state === 'established') {
        for (const ch of this.waiting.splice(0)) this.announce(now, ch);
        this.runSchedule(now);
        if (this.out.length) continue;
      }
      const o = this.association.poll(now);
      switch (o.type) {
        case 'transmit':
          return o;
        case 'note':
          return { type: 'note', kind: o.note.kind, text: `${this.name}: ${o.note.text}`, ...(o.note.data ? { data: o.note.data } : {}) };
        case 'message':
          this.onMessage(now, o.streamId, o.ppid, o.bytes);
          continue;
        case 'streams-reset':
          this.onReset(now, o.direction, o.streams);
          continue;
        case 'state':
          if (o.state === 'closed') for (const ch of this.channels.values()) if (ch.state !== 'closed') this.setState(ch, 'closed');
          continue;
        case 'timeout':
        case 'idle': {
          const s = this.association.state === 'established' ? this.nextScheduled() : undefined;
          if (s !== undefined && (o.type === 'idle' || s < o.at)) return { type: 'timeout', at: s, reason: 'data channel schedule' };
          return o;
        }
      }
    }
    throw new Error(`${this.name}: data channel poll loop did not settle at ${now}`);
  }

  /** A summary for the run's JSON and printed lines. */
  summary(): { [key: string]: import('../core/trace.ts').JsonValue } {
    const a = this.association;
    const { tooBigSent, tooBigReceived, ...stats } = this.stats;
    return {
      state: a.state,
      ...stats,
      // only when a message broke an a=max-message-size limit
      ...(tooBigSent || tooBigReceived ? { tooBigSent, tooBigReceived } : {}),
      packetsSent: a.stats.packetsSent,
      packetsReceived: a.stats.packetsReceived,
      retransmissions: a.sender?.retransmissions ?? 0,
      abandoned: a.sender?.abandonedMessages ?? 0,
      duplicates: a.receiver?.duplicateCount ?? 0,
      malformed: a.stats.malformed,
      channels: [...this.channels.values()].map((c) => ({ streamId: c.streamId, label: c.label, by: c.by, state: c.state, ordered: c.ordered, maxRetransmits: c.maxRetransmits ?? null, maxPacketLifeTime: c.maxPacketLifeTime ?? null, negotiated: c.negotiated, ...c.stats })),
    };
  }
}

/** `n` bytes of a recognisable pattern (message `k`), for binary messages in scenarios. */
function patterned(n: number, k: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i + k) & 0xff;
  return b;
}
