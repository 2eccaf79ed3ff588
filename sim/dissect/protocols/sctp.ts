import { toHex } from '../../core/encoding.ts';
import type { Field, Problem } from '../../wire/field.ts';
import type { DecodedSctpPacket } from '../../wire/sctp/chunk.ts';
import { channelTypeName, describeDcep, describeReliability, reliabilityOf, type DcepMessage } from '../../wire/sctp/dcep.ts';
import { decodeSctpPacket } from '../../wire/sctp/decode.ts';
import { describeChunk } from '../../wire/sctp/describe.ts';
import { chunkTypeName, Ppid, ppidName } from '../../wire/sctp/names.ts';
import { SctpFlow, userMessageKind, type DeliveredMessage, type SctpSide, type SeenChannel } from '../sctp-flow.ts';
import { defineProtocol, type DtlsContent, type Json } from '../table.ts';
import type { Layer } from '../types.ts';

/** A DCEP message (RFC 8832) on a stream, with the channel it opens or acknowledges as the capture knows it. */
export interface DcepLayerValue {
  readonly streamId: number;
  readonly message: DcepMessage;
  readonly channel: SeenChannel | undefined;
  /** An OPEN for a stream whose channel is open already (RFC 8832 §6: a protocol error). */
  readonly reopened: boolean;
}

/** A data channel user message (RFC 8831 §6.6, §8): its stream, channel label when known, PPID and bytes. */
export interface DataChannelMessage {
  readonly streamId: number;
  readonly label: string | undefined;
  readonly ppid: number;
  readonly kind: 'string' | 'binary' | 'empty-string' | 'empty-binary';
  readonly bytes: Uint8Array;
  /** The text of a string message (UTF-8). */
  readonly text: string | undefined;
  readonly unordered: boolean;
  /** How many DATA chunks carried it (more than one: reassembled, RFC 9260 §6.9). */
  readonly fragments: number;
  readonly sender: SctpSide;
}

/** An SCTP packet in decrypted DTLS, with the TSNs of its DATA chunks that were seen in an earlier packet. */
export interface SctpLayerValue {
  readonly packet: DecodedSctpPacket;
  readonly retransmitted: readonly number[];
  readonly sender: SctpSide;
}

declare module '../types.ts' {
  interface LayerValues {
    SCTP: SctpLayerValue;
    DCEP: DcepLayerValue;
    DATACHANNEL: DataChannelMessage;
  }
}

/** The SCTP state of each DTLS association (a WeakMap: it goes with the association's object). */
const flows = new WeakMap<object, SctpFlow>();

/** The SCTP association of a DTLS association seen so far, if any (for inference and tests). */
export function sctpFlowOf(session: object): SctpFlow | undefined {
  return flows.get(session);
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

function preview(m: DataChannelMessage): string {
  if (m.kind === 'empty-string') return 'empty string';
  if (m.kind === 'empty-binary') return 'empty binary';
  if (m.text !== undefined) {
    const t = m.text.length > 80 ? `${m.text.slice(0, 80)}…` : m.text;
    return `string ${m.bytes.length} bytes: ${JSON.stringify(t)}`;
  }
  const hex = toHex(m.bytes.subarray(0, 24), ' ');
  return `binary ${m.bytes.length} bytes: ${hex}${m.bytes.length > 24 ? ' …' : ''}`;
}

function channelName(streamId: number, ch: SeenChannel | undefined): string {
  return ch ? `data channel ${JSON.stringify(ch.label)} (stream ${streamId})` : `stream ${streamId}`;
}

/**
 * RFC 8261 §3: SCTP packets are the DTLS application data of a WebRTC association. Declines bytes that are not SCTP
 * (shorter than the common header, no chunk, a bad checksum on an association that has shown no SCTP yet), so other
 * DTLS applications stay plain decrypted data.
 */
function dissectSctp(c: DtlsContent): { layers: Layer[]; label: string } | undefined {
  const pt = c.plaintext;
  let flow = flows.get(c.session);
  if (pt.length < 12) return undefined;
  const d = decodeSctpPacket(pt, { spans: c.spans, ...(flow && flow.zeroChecksum.size === 2 ? { zeroChecksumAllowed: true } : {}) });
  const p = d.value;
  if (!p || !p.chunks.length) return undefined;
  if (!flow && p.checksumStatus === 'bad') return undefined;
  if (!flow) {
    flow = new SctpFlow();
    flows.set(c.session, flow);
  }
  flow.handshake(p, c.sender);
  const span = c.span;
  const layers: Layer[] = [];
  const extra: Layer[] = [];
  const retransmitted: number[] = [];
  const problems: Problem[] = [...d.problems];
  if (p.checksumStatus === 'zero' && flow.zeroChecksum.size < 2) {
    problems.push({ offset: 8, length: 4, message: 'zero checksum, but this capture did not show both sides sending Zero Checksum Acceptable (RFC 9653 §5)', severity: 'warning' });
  }
  for (const [i, ch] of p.chunks.entries()) {
    const chunkAt = p.chunkSpans[i]!.offset;
    if (ch.kind === 'RE-CONFIG') {
      for (const param of ch.params) if (param.kind === 'outgoing-ssn-reset') flow.reset(param.streams);
      continue;
    }
    if (ch.kind !== 'DATA') continue;
    const m = flow.data(ch, chunkAt + 16, c.sender, c.packet);
    if (m === 'retransmission') {
      retransmitted.push(ch.tsn);
      continue;
    }
    if (!m) continue;
    const l = messageLayer(flow, m, c, span);
    if (l) extra.push(l);
  }
  const names = p.chunks.map((ch) => {
    const text = describeChunk(ch);
    return ch.kind === 'DATA' && retransmitted.includes(ch.tsn) ? `${text} [retransmission]` : text;
  });
  const summary = `SCTP ${p.srcPort} → ${p.dstPort}: ${names.join('; ')}`;
  layers.push({ protocol: 'SCTP', offset: span.offset, length: span.length, plaintext: pt, summary, fields: d.fields, problems, value: { packet: p, retransmitted, sender: c.sender } });
  layers.push(...extra);
  // the DTLS layer's label: the control chunks by name, then each whole message (or the DATA chunks when none completed)
  const control = [...new Set(p.chunks.filter((ch) => ch.kind !== 'DATA').map((ch) => (ch.kind === 'other' ? chunkTypeName(ch.type) : ch.kind)))];
  const data = extra.length ? extra.map((l) => l.summary) : p.chunks.some((ch) => ch.kind === 'DATA') ? [`DATA${retransmitted.length ? ' (retransmission)' : ''}`] : [];
  return { layers, label: `SCTP ${[...control, ...data].join(', ')}` };
}

/** The layer of a whole message: DCEP (PPID 50) or a user message (51, 53, 56, 57), else none. */
function messageLayer(flow: SctpFlow, m: DeliveredMessage, c: DtlsContent, span: DtlsContent['span']): Layer | undefined {
  const single = m.at !== undefined;
  const bytesOf = single ? c.plaintext : m.bytes;
  const base = single ? m.at : 0;
  if (m.ppid === Ppid.DCEP) {
    const d = flow.dcep(m, c.sender, base, c.spans);
    if (!d.value) {
      return { protocol: 'DCEP', offset: span.offset, length: span.length, plaintext: bytesOf, summary: `DCEP on stream ${m.streamId} (unreadable)`, fields: d.fields, problems: d.problems, value: undefined };
    }
    const problems: Problem[] = [...d.problems];
    if (d.reopened) problems.push({ offset: base, length: m.bytes.length, message: `DATA_CHANNEL_OPEN for stream ${m.streamId}, whose channel is open already (RFC 8832 §6)` });
    // RFC 8832 §6: the DTLS client opens channels on even stream ids, the server on odd ones
    if (d.value.kind === 'DATA_CHANNEL_OPEN' && m.streamId % 2 !== (c.sender === 'client' ? 0 : 1)) {
      problems.push({ offset: base, length: m.bytes.length, message: `DATA_CHANNEL_OPEN from the DTLS ${c.sender} on ${m.streamId % 2 ? 'odd' : 'even'} stream ${m.streamId} (RFC 8832 §6: the ${c.sender} uses ${c.sender === 'client' ? 'even' : 'odd'} ones)` });
    }
    const what = d.value.kind === 'DATA_CHANNEL_ACK' ? `DATA_CHANNEL_ACK for ${channelName(m.streamId, d.channel)}` : `${describeDcep(d.value)} on stream ${m.streamId}`;
    return { protocol: 'DCEP', offset: span.offset, length: span.length, plaintext: bytesOf, summary: `DCEP ${what}`, fields: d.fields, problems, value: { streamId: m.streamId, message: d.value, channel: d.channel, reopened: d.reopened } };
  }
  const kind = userMessageKind(m.ppid);
  if (!kind) return undefined;
  const ch = flow.channels.get(m.streamId);
  const text = kind === 'string' ? UTF8.decode(m.bytes) : undefined;
  const fragments = single ? 1 : Math.max(1, ((m.lastTsn - m.firstTsn) >>> 0) + 1);
  const v: DataChannelMessage = { streamId: m.streamId, label: ch?.label, ppid: m.ppid, kind, bytes: m.bytes, text, unordered: m.unordered, fragments, sender: c.sender };
  const fields: Field[] = c.spans ? [{ name: `user message (${ppidName(m.ppid)})`, offset: base, length: m.bytes.length, display: preview(v) }] : [];
  const problems: Problem[] = [];
  // RFC 8831 §6.6: an empty message is sent as one zero byte with an Empty PPID
  if ((kind === 'empty-string' || kind === 'empty-binary') && m.bytes.length !== 1) problems.push({ offset: base, length: m.bytes.length, message: `${ppidName(m.ppid)} carries ${m.bytes.length} bytes, RFC 8831 §6.6 sends one zero byte` });
  if (!ch) problems.push({ offset: base, length: m.bytes.length, message: `user message on stream ${m.streamId}, for which no DATA_CHANNEL_OPEN was seen (a negotiated channel, or opened before the capture)`, severity: 'warning' });
  const reassembled = fragments > 1 ? `, reassembled from ${fragments} DATA chunks` : '';
  return { protocol: 'DATACHANNEL', offset: span.offset, length: span.length, plaintext: bytesOf, summary: `${channelName(m.streamId, ch)}: ${preview(v)}${reassembled}`, fields, problems, value: v };
}

function sctpJson(v: SctpLayerValue, _l: unknown, base: Json): Json {
  const p = v.packet;
  base.srcPort = p.srcPort;
  base.dstPort = p.dstPort;
  base.verificationTag = p.verificationTag;
  base.checksum = p.checksumStatus;
  base.chunks = p.chunks.map((c) => {
    const out: Json = { type: c.kind === 'other' ? chunkTypeName(c.type) : c.kind, summary: describeChunk(c) };
    if (c.kind === 'DATA') Object.assign(out, { tsn: c.tsn, streamId: c.streamId, ssn: c.ssn, ppid: c.ppid, unordered: c.unordered, beginning: c.beginning, ending: c.ending, length: c.userData.length, retransmission: v.retransmitted.includes(c.tsn) });
    if (c.kind === 'SACK') Object.assign(out, { cumulativeTsnAck: c.cumulativeTsnAck, arwnd: c.arwnd, gapBlocks: c.gapBlocks.map((g) => [g.start, g.end]), duplicateTsns: [...c.duplicateTsns] });
    if (c.kind === 'FORWARD-TSN') out.newCumulativeTsn = c.newCumulativeTsn;
    return out;
  });
  return base;
}

function dcepJson(v: DcepLayerValue, _l: unknown, base: Json): Json {
  base.streamId = v.streamId;
  base.messageType = v.message.kind;
  if (v.message.kind === 'DATA_CHANNEL_OPEN') {
    base.channelType = channelTypeName(v.message.channelType);
    base.reliability = describeReliability(reliabilityOf(v.message.channelType, v.message.reliabilityParameter));
    base.priority = v.message.priority;
    base.label = v.message.label;
    base.subprotocol = v.message.protocol;
  } else if (v.channel) base.label = v.channel.label;
  return base;
}

function messageJson(v: DataChannelMessage, _l: unknown, base: Json): Json {
  base.streamId = v.streamId;
  if (v.label !== undefined) base.label = v.label;
  base.ppid = v.ppid;
  base.messageKind = v.kind;
  base.byteLength = v.bytes.length;
  if (v.text !== undefined) base.text = v.text;
  else if (v.kind === 'binary') base.hex = toHex(v.bytes.subarray(0, 256));
  if (v.fragments > 1) base.fragments = v.fragments;
  return base;
}

export const SCTP = defineProtocol({
  name: 'SCTP',
  description: 'SCTP (RFC 9260) over DTLS (RFC 8261) for WebRTC data channels: chunks, CRC32c, TSN retransmissions, reassembly',
  viz: { class: 'DTLS' },
  json: sctpJson,
  on: [{ table: 'dtls.content', key: 'application-data', dissect: dissectSctp }],
});

export const DCEP = defineProtocol({
  name: 'DCEP',
  description: 'Data Channel Establishment Protocol (RFC 8832): DATA_CHANNEL_OPEN/ACK, PPID 50',
  viz: { class: 'DTLS' },
  json: dcepJson,
});

export const DATACHANNEL = defineProtocol({
  name: 'DATACHANNEL',
  description: 'A WebRTC data channel user message (RFC 8831 §6.6, §8): string, binary or empty, by PPID',
  viz: { class: 'DTLS' },
  json: messageJson,
});
