import type { TransportAddress } from '../../core/endpoint.ts';
import { parseIp } from '../../wire/ip/address.ts';
import { rtcpPacketType, type RtcpPacket } from '../../wire/rtcp/rtcp.ts';
import { ChunkType } from '../../wire/sctp/names.ts';
import type { SctpChunk } from '../../wire/sctp/chunk.ts';
import { AttrType } from '../../wire/stun/constants.ts';
import type { StunMessage } from '../../wire/stun/message.ts';
import { messageType } from '../../wire/stun/message.ts';
import type { LayerOf } from '../types.ts';
import { layerFields, protocolField, type FieldDef, type FieldValue } from './field-def.ts';

/**
 * The WebRTC transport fields: STUN/TURN (tshark's stun.*, ChannelData included as tshark shows it), DTLS, RTP and
 * RTCP (tshark names SRTP's clear header rtp.* too), and what a decrypted DTLS association carries: SCTP, DCEP and
 * data channel messages (tshark does not decrypt these; the names follow its sctp.* where it has the field).
 */

const attrs = (m: StunMessage, type: number): unknown[] => m.attributes.filter((a) => a.type === type && !a.opaque).map((a) => a.value);
const strings = (m: StunMessage, type: number): string[] => attrs(m, type).filter((v): v is string => typeof v === 'string');
const numbers = (m: StunMessage, type: number): number[] => attrs(m, type).filter((v): v is number => typeof v === 'number');

/** Attributes whose value is a transport address (XOR-decoded): tshark shows them all as stun.att.ipv4/ipv6/port. */
const ADDRESS_TYPES = new Set<number>([
  AttrType.MappedAddress,
  AttrType.XorMappedAddress,
  AttrType.XorPeerAddress,
  AttrType.XorRelayedAddress,
  AttrType.AlternateServer,
  AttrType.ResponseOrigin,
  AttrType.OtherAddress,
  AttrType.SourceAddress,
  AttrType.ChangedAddress,
  AttrType.ResponseAddress,
  AttrType.ReflectedFrom,
]);

function addresses(m: StunMessage): TransportAddress[] {
  return m.attributes.flatMap((a) => {
    const v = a.value as Partial<TransportAddress> | undefined;
    return ADDRESS_TYPES.has(a.type) && !a.opaque && typeof v?.ip === 'string' && typeof v.port === 'number' ? [v as TransportAddress] : [];
  });
}

const ips = (m: StunMessage, len: 4 | 16): Uint8Array[] => addresses(m).flatMap((a) => {
  const b = parseIp(a.ip);
  return b && b.length === len ? [b] : [];
});

/** The 8-byte ICE tie-breaker (RFC 8445 §7.1.3) as bytes, as tshark shows it. */
function tieBreakers(m: StunMessage): Uint8Array[] {
  return m.attributes.flatMap((a) => {
    if ((a.type !== AttrType.IceControlled && a.type !== AttrType.IceControlling) || typeof a.value !== 'bigint') return [];
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, a.value);
    return [out];
  });
}

function errorCodes(m: StunMessage): { code: number; reason: string }[] {
  return attrs(m, AttrType.ErrorCode).filter((v): v is { code: number; reason: string } => typeof (v as { code?: unknown })?.code === 'number');
}

/** tshark's stun.type.class: C1 shown as 0x10, C0 as 0x01 (request 0x00, indication 0x01, success 0x10, error 0x11). */
const stunClass = (type: number): number => (((type >> 8) & 1) << 4) | ((type >> 4) & 1);

/** Handshake message types of a DTLS layer, wire or decrypted, in order (tshark's dtls.handshake.type). */
function dtlsHandshakeTypes(l: LayerOf<'DTLS'>): number[] {
  const v = l.value;
  if (!v) return [];
  if ('decrypted' in v) return v.decrypted === 'handshake' ? v.messages.map((m) => m.fragment.msgType) : [];
  return v.flatMap((r) => (r.content.kind === 'handshake' ? r.content.messages.map((m) => m.fragment.msgType) : []));
}

function dtlsAlerts(l: LayerOf<'DTLS'>): { level: number; description: number }[] {
  const v = l.value;
  if (!v) return [];
  if ('decrypted' in v) return v.decrypted === 'alert' ? [v.alert] : [];
  return v.flatMap((r) => (r.content.kind === 'alert' ? [r.content.alert] : []));
}

function rtcpSender(p: RtcpPacket): number | undefined {
  if ('ssrc' in p && typeof p.ssrc === 'number') return p.ssrc;
  if ('senderSsrc' in p && typeof p.senderSsrc === 'number') return p.senderSsrc;
  return undefined;
}

const chunkType = (c: SctpChunk): number => (c.kind === 'other' ? c.type : ChunkType[c.kind.replace(/-/g, '_') as keyof typeof ChunkType]);
const dataChunks = (chunks: readonly SctpChunk[]): Extract<SctpChunk, { kind: 'DATA' }>[] => chunks.filter((c): c is Extract<SctpChunk, { kind: 'DATA' }> => c.kind === 'DATA');

const defined = <T>(xs: readonly (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

export const WEBRTC_FIELDS: readonly FieldDef[] = [
  protocolField('stun', 'Session Traversal Utilities for NAT (TURN ChannelData included, as tshark shows it)', ['STUN', 'TURN-CHANNELDATA']),
  ...layerFields(['STUN'], {
    'stun.type': ['uint', 'Message type', (m) => messageType(m.method, m.class)],
    'stun.type.class': ['uint', 'Message class (0x00 request, 0x01 indication, 0x10 success, 0x11 error)', (m) => stunClass(messageType(m.method, m.class))],
    'stun.type.method': ['uint', 'Message method (the type without its class bits)', (m) => messageType(m.method, m.class) & 0x3eef],
    'stun.length': ['uint', 'Message length (after the 20-byte header)', (_m, l) => Math.max(0, l.length - 20)],
    'stun.id': ['bytes', 'Transaction ID', (m) => m.transactionId],
    'stun.att.type': ['uint', 'Attribute type', (m) => m.attributes.map((a) => a.type)],
    'stun.att.username': ['string', 'USERNAME', (m) => strings(m, AttrType.Username)],
    'stun.att.realm': ['string', 'REALM', (m) => strings(m, AttrType.Realm)],
    'stun.att.nonce': ['string', 'NONCE', (m) => strings(m, AttrType.Nonce)],
    'stun.att.software': ['string', 'SOFTWARE', (m) => strings(m, AttrType.Software)],
    'stun.att.priority': ['uint', 'PRIORITY', (m) => numbers(m, AttrType.Priority)],
    'stun.att.lifetime': ['uint', 'LIFETIME (s)', (m) => numbers(m, AttrType.Lifetime)],
    'stun.att.channelnum': ['uint', 'CHANNEL-NUMBER', (m) => numbers(m, AttrType.ChannelNumber)],
    'stun.att.transp': ['uint', 'REQUESTED-TRANSPORT protocol', (m) => numbers(m, AttrType.RequestedTransport)],
    'stun.att.crc32': ['uint', 'FINGERPRINT', (m) => numbers(m, AttrType.Fingerprint)],
    'stun.att.tie-breaker': ['bytes', 'ICE-CONTROLLING / ICE-CONTROLLED tie-breaker', tieBreakers],
    'stun.att.error.class': ['uint', 'ERROR-CODE class (the hundreds)', (m) => errorCodes(m).map((e) => Math.floor(e.code / 100))],
    'stun.att.error': ['uint', 'ERROR-CODE number (code modulo 100)', (m) => errorCodes(m).map((e) => e.code % 100)],
    'stun.att.error.reason': ['string', 'ERROR-CODE reason phrase', (m) => errorCodes(m).map((e) => e.reason.replace(/\0+$/, ''))],
    'stun.att.ipv4': ['ipv4', 'IPv4 address of an address attribute (XOR removed)', (m) => ips(m, 4)],
    'stun.att.ipv6': ['ipv6', 'IPv6 address of an address attribute (XOR removed)', (m) => ips(m, 16)],
    'stun.att.port': ['uint', 'Port of an address attribute (XOR removed)', (m) => addresses(m).map((a) => a.port)],
  }),
  ...layerFields(['TURN-CHANNELDATA'], {
    'stun.channel': ['uint', 'ChannelData channel number', (c) => c.channel],
  }),
  protocolField('dtls', 'Datagram Transport Layer Security', ['DTLS']),
  ...layerFields(['DTLS'], {
    'dtls.record.content_type': ['uint', 'Record content type', (v) => ('decrypted' in v ? undefined : v.flatMap((r) => (r.record.kind === 'dtls12' ? [r.record.contentType] : [])))],
    'dtls.record.version': ['uint', 'Record version', (v) => ('decrypted' in v ? undefined : v.flatMap((r) => (r.record.kind === 'dtls12' ? [r.record.version] : [])))],
    'dtls.record.epoch': ['uint', 'Record epoch', (v) => ('decrypted' in v ? undefined : v.flatMap((r) => (r.record.kind === 'dtls12' ? [r.record.epoch] : [])))],
    'dtls.record.sequence_number': ['uint', 'Record sequence number', (v) => ('decrypted' in v ? undefined : v.flatMap((r) => (r.record.kind === 'dtls12' ? [r.record.sequenceNumber] : [])))],
    'dtls.record.length': ['uint', 'Record length', (v) => ('decrypted' in v ? undefined : v.map((r) => r.record.length))],
    'dtls.handshake.type': ['uint', 'Handshake message type (decrypted ones too, with keys)', (_v, l) => dtlsHandshakeTypes(l)],
    'dtls.alert_message.level': ['uint', 'Alert level', (_v, l) => dtlsAlerts(l).map((a) => a.level)],
    'dtls.alert_message.desc': ['uint', 'Alert description', (_v, l) => dtlsAlerts(l).map((a) => a.description)],
  }),
  protocolField('rtp', 'Real-time Transport Protocol (SRTP headers included, as tshark shows them)', ['RTP', 'SRTP']),
  protocolField('srtp', 'Secure RTP', ['SRTP']),
  ...layerFields(['RTP', 'SRTP'], {
    'rtp.version': ['uint', 'Version', (p) => p.header.version],
    'rtp.padding': ['bool', 'Padding', (p) => p.header.padding],
    'rtp.ext': ['bool', 'Extension', (p) => p.header.extension !== undefined],
    'rtp.cc': ['uint', 'Contributing source identifiers count', (p) => p.header.csrcs.length],
    'rtp.marker': ['bool', 'Marker', (p) => p.header.marker],
    'rtp.p_type': ['uint', 'Payload type', (p) => p.header.payloadType],
    'rtp.seq': ['uint', 'Sequence number', (p) => p.header.sequenceNumber],
    'rtp.timestamp': ['uint', 'Timestamp', (p) => p.header.timestamp >>> 0],
    'rtp.ssrc': ['uint', 'Synchronization Source identifier', (p) => p.header.ssrc >>> 0],
    'rtp.csrc.item': ['uint', 'CSRC item', (p) => p.header.csrcs.map((c) => c >>> 0)],
  }),
  protocolField('rtcp', 'RTP Control Protocol (SRTCP included)', ['RTCP', 'SRTCP']),
  protocolField('srtcp', 'Secure RTCP', ['SRTCP']),
  ...layerFields(['RTCP'], {
    'rtcp.pt': ['uint', 'Packet type', (v) => v.map(rtcpPacketType)],
    'rtcp.senderssrc': ['uint', 'Sender SSRC', (v) => defined(v.map(rtcpSender)).map((s) => s >>> 0)],
    'rtcp.media_ssrc': ['uint', 'Media source SSRC (feedback)', (v) => v.flatMap((p) => ('mediaSsrc' in p && typeof p.mediaSsrc === 'number' ? [p.mediaSsrc >>> 0] : []))],
  }),
  ...layerFields(['SRTCP'], {
    'rtcp.pt': ['uint', 'Packet type', (s) => s.packetType],
    'rtcp.senderssrc': ['uint', 'Sender SSRC', (s) => s.ssrc >>> 0],
    'srtcp.index': ['uint', 'SRTCP index', (s) => s.index],
    'srtcp.e': ['bool', 'Encrypted (E flag)', (s) => s.encrypted],
  }),
  protocolField('sctp', 'Stream Control Transmission Protocol (in a decrypted DTLS association, RFC 8261)', ['SCTP']),
  ...layerFields(['SCTP'], {
    'sctp.srcport': ['uint', 'Source port', (v) => v.packet.srcPort],
    'sctp.dstport': ['uint', 'Destination port', (v) => v.packet.dstPort],
    'sctp.port': ['uint', 'Source or destination port', (v) => [v.packet.srcPort, v.packet.dstPort]],
    'sctp.verification_tag': ['uint', 'Verification tag', (v) => v.packet.verificationTag >>> 0],
    'sctp.chunk_type': ['uint', 'Chunk type', (v) => v.packet.chunks.map(chunkType)],
    'sctp.data_tsn': ['uint', 'DATA chunk TSN', (v) => dataChunks(v.packet.chunks).map((c) => c.tsn >>> 0)],
    'sctp.data_sid': ['uint', 'DATA chunk stream identifier', (v) => dataChunks(v.packet.chunks).map((c) => c.streamId)],
    'sctp.data_payload_proto_id': ['uint', 'DATA chunk payload protocol identifier', (v) => dataChunks(v.packet.chunks).map((c) => c.ppid)],
    'sctp.retransmission': ['bool', 'A DATA chunk whose TSN was seen before', (v) => v.retransmitted.length > 0],
  }),
  protocolField('dcep', 'Data Channel Establishment Protocol (RFC 8832)', ['DCEP']),
  ...layerFields(['DCEP'], {
    'dcep.message_type': ['uint', 'Message type (3 OPEN, 2 ACK)', (v) => (v.message.kind === 'DATA_CHANNEL_OPEN' ? 3 : 2)],
    'dcep.stream': ['uint', 'SCTP stream', (v) => v.streamId],
    'dcep.label': ['string', 'Label', (v) => (v.message.kind === 'DATA_CHANNEL_OPEN' ? v.message.label : v.channel?.label)],
    'dcep.protocol': ['string', 'Sub-protocol', (v) => (v.message.kind === 'DATA_CHANNEL_OPEN' ? v.message.protocol : undefined)],
    'dcep.channel_type': ['uint', 'Channel type', (v) => (v.message.kind === 'DATA_CHANNEL_OPEN' ? v.message.channelType : undefined)],
  }),
  protocolField('datachannel', 'A data channel user message (RFC 8831)', ['DATACHANNEL']),
  ...layerFields(['DATACHANNEL'], {
    'datachannel.stream': ['uint', 'SCTP stream', (m) => m.streamId],
    'datachannel.label': ['string', 'Channel label (when its OPEN was seen)', (m) => m.label],
    'datachannel.ppid': ['uint', 'Payload protocol identifier', (m) => m.ppid],
    'datachannel.length': ['uint', 'Message length (bytes)', (m) => m.bytes.length],
    'datachannel.text': ['string', 'A string message', (m) => m.text],
    'datachannel.data': ['bytes', 'The message bytes', (m): FieldValue => m.bytes],
  }),
];
