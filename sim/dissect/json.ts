import { toHex } from '../core/encoding.ts';
import type { JsonValue } from '../core/trace.ts';
import type { IpDatagram } from '../wire/ip/datagram.ts';
import type { UdpHeader } from '../wire/ip/udp.ts';
import type { TcpHeader } from '../wire/tcp/tcp.ts';
import { className, methodName } from '../wire/stun/constants.ts';
import { attributeName } from '../wire/stun/constants.ts';
import { codecFor, type StunMessage } from '../wire/stun/index.ts';
import type { ChannelData } from '../wire/stun/channel-data.ts';
import type { DissectedRecord } from '../wire/dtls/datagram.ts';
import type { HandshakeFragment } from '../wire/dtls/handshake.ts';
import { contentTypeName, handshakeTypeName } from '../wire/dtls/names.ts';
import type { Alert } from '../wire/dtls/alert.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import type { RtcpPacket } from '../wire/rtcp/rtcp.ts';
import { rtcpTypeName } from '../wire/rtcp/header.ts';
import type { SrtcpView } from '../wire/srtp/protected.ts';
import type { HttpMessage } from '../wire/http/http.ts';
import { opcodeName, type WebSocketFrame } from '../wire/websocket/frame.ts';
import type { SdpCandidate, SdpMedia, SessionDescription } from '../wire/sdp/types.ts';
import type { SignalingMessage } from './signaling.ts';
import { tlsJson } from './tls-json.ts';
import type { TlsRecordInfo } from './tls-session.ts';
import type { DissectedPacket, Layer } from './types.ts';

/**
 * The `--json` form of a dissected packet (documented in docs/dissect-json.md): plain JSON, stable key names,
 * numbers as numbers, bytes as hex. One object per packet.
 */
export interface PacketJsonMeta {
  /** 1-based packet number. */
  readonly no: number;
  /** Seconds since the Unix epoch (capture) or since the run began (simulation), µs precision. */
  readonly ts: number;
}

type Obj = { [key: string]: JsonValue };

export function packetToJson(p: DissectedPacket, meta: PacketJsonMeta): Obj {
  const out: Obj = {
    no: meta.no,
    ts: Math.round(meta.ts * 1e6) / 1e6,
    src: p.src,
    dst: p.dst,
    proto: p.protocol,
    summary: p.summary,
    layers: p.layers.map(layerToJson),
  };
  if (p.problems.length) out.problems = p.problems.map((x) => ({ offset: x.offset, length: x.length, message: x.message }));
  if (p.notes?.length) out.notes = [...p.notes];
  return out;
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export function layerToJson(l: Layer): Obj {
  const base: Obj = { protocol: l.protocol, offset: l.offset, length: l.length, summary: l.summary };
  if (l.plaintext) base.decrypted = true;
  if (l.bytesFrom) base.bytesFrom = l.bytesFrom;
  if (l.classification) base.classification = l.classification;
  if (l.problems.length) base.problems = l.problems.map((x) => x.message);
  const v = l.value;
  if (v === undefined) return base;
  switch (l.protocol) {
    // properties are added to `base` in the order a spread would give them (the output is byte-identical), without
    // copying it: a spread of differently shaped objects was most of this function's time
    case 'IPv4':
    case 'IPv6': {
      const ip = v as IpDatagram;
      base.src = ip.src;
      base.dst = ip.dst;
      base.ttl = ip.ttl;
      if (ip.protocol !== undefined) base.ipProtocol = ip.protocol;
      if (ip.fragment) base.fragment = { offset: ip.fragment.offset, more: ip.fragment.moreFragments, id: ip.fragment.identification };
      return base;
    }
    case 'UDP': {
      const u = v as UdpHeader;
      base.srcPort = u.srcPort;
      base.dstPort = u.dstPort;
      base.udpLength = u.length;
      base.checksum = u.checksumStatus;
      return base;
    }
    case 'TCP': {
      const t = v as TcpHeader;
      return Object.assign(base, { srcPort: t.srcPort, dstPort: t.dstPort, seq: t.sequenceNumber >>> 0, ack: t.acknowledgmentNumber >>> 0, flags: t.flagsText, window: t.window });
    }
    case 'STUN':
      return Object.assign(base, stunJson(v as StunMessage));
    case 'TURN-CHANNELDATA': {
      const c = v as ChannelData;
      base.channel = `0x${c.channel.toString(16).padStart(4, '0')}`;
      base.dataLength = c.data.length;
      return base;
    }
    case 'DTLS':
      if (l.plaintext) return Object.assign(base, decryptedDtlsJson(v));
      base.records = (v as DissectedRecord[]).map(recordJson);
      return base;
    case 'RTP':
    case 'SRTP': {
      const h = (v as RtpPacket).header;
      base.ssrc = hex8(h.ssrc);
      base.seq = h.sequenceNumber;
      base.timestamp = h.timestamp >>> 0;
      base.payloadType = h.payloadType;
      base.marker = h.marker;
      if (h.csrcs.length) base.csrcs = h.csrcs.map(hex8);
      base.payloadLength = (v as RtpPacket).payload.length;
      return base;
    }
    case 'RTCP':
      base.packets = (v as RtcpPacket[]).map(rtcpJson);
      return base;
    case 'SRTCP': {
      const s = v as SrtcpView;
      return Object.assign(base, { packetType: s.packetType, packetTypeName: rtcpTypeName(s.packetType), ssrc: hex8(s.ssrc), index: s.index, encrypted: s.encrypted });
    }
    case 'TLS':
      return Object.assign(base, tlsJson(v as TlsRecordInfo));
    case 'HTTP':
      return Object.assign(base, httpJson(v as HttpMessage));
    case 'WEBSOCKET':
      return Object.assign(base, websocketJson(v as WebSocketFrame));
    case 'SIGNALING':
      return Object.assign(base, signalingJson(v as SignalingMessage));
    case 'SDP':
      return Object.assign(base, sdpJson(v as SessionDescription));
    default:
      return base;
  }
}

function httpJson(m: HttpMessage): Obj {
  const s = m.start;
  const start: Obj = s.kind === 'request' ? { method: s.method, target: s.target, version: s.version } : { version: s.version, status: s.status, reason: s.reason };
  return { ...start, headers: m.headers.map((h) => ({ name: h.name, value: h.value })), bodyLength: m.body.length, framing: m.framing };
}

function websocketJson(f: WebSocketFrame): Obj {
  return {
    fin: f.fin,
    opcode: f.opcode,
    opcodeName: opcodeName(f.opcode),
    masked: f.masked,
    ...(f.maskingKey ? { maskingKey: toHex(f.maskingKey) } : {}),
    payloadLength: f.payloadLength,
    ...(f.rsv ? { rsv: f.rsv } : {}),
    ...(f.closeCode !== undefined ? { closeCode: f.closeCode, closeReason: f.closeReason ?? '' } : {}),
  };
}

function signalingJson(m: SignalingMessage): Obj {
  return {
    dialect: m.dialect,
    kind: m.kind,
    ...(m.id !== undefined ? { id: m.id } : {}),
    descriptions: m.descriptions.map((d) => d.type),
    candidates: m.candidates.map((c) => ({ candidate: c.candidate, ...(c.sdpMid !== undefined ? { sdpMid: c.sdpMid } : {}), ...(c.sdpMLineIndex !== undefined ? { sdpMLineIndex: c.sdpMLineIndex } : {}) })),
    endOfCandidates: m.endOfCandidates,
    ...(m.fingerprints.length ? { fingerprints: m.fingerprints.map((f) => ({ algorithm: f.algorithm, value: f.value })) } : {}),
  };
}

const colonHex = (b: Uint8Array): string => toHex(b, ':').toUpperCase();

function candidateJson(c: SdpCandidate): Obj {
  return { foundation: c.foundation, component: c.component, transport: c.transport, priority: c.priority, address: c.address, port: c.port, type: c.type, ...(c.relatedAddress !== undefined ? { relatedAddress: c.relatedAddress, relatedPort: c.relatedPort ?? null } : {}) };
}

function sdpJson(d: SessionDescription): Obj {
  const level = (x: SessionDescription | SdpMedia): Obj => ({
    ...(x.iceUfrag !== undefined ? { iceUfrag: x.iceUfrag } : {}),
    ...(x.fingerprints.length ? { fingerprints: x.fingerprints.map((f) => ({ hashFunction: f.hashFunction, fingerprint: colonHex(f.fingerprint) })) } : {}),
    ...(x.setup ? { setup: x.setup } : {}),
    ...(x.candidates.length ? { candidates: x.candidates.map(candidateJson) } : {}),
  });
  return {
    ...(d.origin ? { origin: { sessionId: d.origin.sessionId, sessionVersion: d.origin.sessionVersion, address: d.origin.address } } : {}),
    groups: d.groups.map((g) => ({ semantics: g.semantics, mids: [...g.mids] })),
    ...level(d),
    media: d.media.map((m) => ({
      media: m.media,
      port: m.port,
      proto: m.proto,
      formats: [...m.formats],
      ...(m.mid !== undefined ? { mid: m.mid } : {}),
      ...(m.direction ? { direction: m.direction } : {}),
      ...level(m),
      rtpmap: m.rtpmaps.map((r) => `${r.payloadType} ${r.encodingName}/${r.clockRate}${r.encodingParameters ? `/${r.encodingParameters}` : ''}`),
      ...(m.extmaps.length ? { extmap: m.extmaps.map((e) => ({ id: e.id, uri: e.uri })) } : {}),
      ...(m.ssrcs.length ? { ssrcs: [...new Set(m.ssrcs.map((x) => x.ssrc))] } : {}),
    })),
  };
}

function stunJson(m: StunMessage): Obj {
  return {
    method: methodName(m.method),
    class: m.class,
    className: className(m.class),
    transactionId: toHex(m.transactionId),
    attributes: m.attributes.map((a) => {
      const codec = codecFor(a.type);
      const value = a.opaque || !codec ? (a.value instanceof Uint8Array ? toHex(a.value) : String(a.value)) : codec.show(a.value);
      return { type: attributeName(a.type), code: `0x${a.type.toString(16).padStart(4, '0')}`, value };
    }),
  };
}

function recordJson(d: DissectedRecord): Obj {
  const r = d.record;
  if (r.kind === 'dtls13-ciphertext') {
    return { contentType: 'encrypted (DTLS 1.3 unified header)', epoch: r.epochLowBits, sequence: r.sequenceNumberBits, length: r.length, encrypted: true };
  }
  const out: Obj = { contentType: contentTypeName(r.contentType), epoch: r.epoch, sequence: r.sequenceNumber, length: r.length };
  if (d.content.kind === 'handshake') {
    const types = d.content.messages.map((m) => handshakeTypeName(m.fragment.msgType));
    out.handshakeType = types.length === 1 ? types[0]! : types;
    const frag = d.content.messages.find((m) => m.fragment.fragmentLength !== m.fragment.length);
    if (frag) out.fragment = { offset: frag.fragment.fragmentOffset, length: frag.fragment.fragmentLength, of: frag.fragment.length };
  } else if (d.content.kind === 'alert') {
    out.alert = { level: d.content.alert.level, description: d.content.alert.description };
  } else if (d.content.kind === 'encrypted') {
    out.encrypted = true;
  }
  return out;
}

function decryptedDtlsJson(v: unknown): Obj {
  if (Array.isArray(v)) {
    const types = (v as { fragment: HandshakeFragment }[]).map((m) => handshakeTypeName(m.fragment.msgType));
    return { handshakeType: types.length === 1 ? types[0]! : types };
  }
  // a decrypted DTLS 1.3 ACK (RFC 9147 §7) lists the record numbers it acknowledges
  if (v && typeof v === 'object' && 'ack' in v) return { ack: (v as { ack: { epoch: number; seq: number }[] }).ack.map((n) => ({ epoch: n.epoch, sequence: n.seq })) };
  const a = v as Alert;
  return { alert: { level: a.level, description: a.description } };
}

function rtcpJson(p: RtcpPacket): Obj {
  const out: Obj = { type: p.type };
  if ('ssrc' in p && typeof p.ssrc === 'number') out.ssrc = hex8(p.ssrc);
  if ('senderSsrc' in p && typeof p.senderSsrc === 'number') out.senderSsrc = hex8(p.senderSsrc);
  if ('mediaSsrc' in p && typeof p.mediaSsrc === 'number') out.mediaSsrc = hex8(p.mediaSsrc);
  if (p.type === 'unknown' || p.type === 'feedback') out.packetType = p.packetType;
  return out;
}
