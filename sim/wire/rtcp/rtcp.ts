import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';
import {
  FMT_AFB,
  FMT_FIR,
  FMT_GENERIC_NACK,
  FMT_PLI,
  FMT_TRANSPORT_CC,
  isRembFci,
  readFeedbackSsrcs,
  readFir,
  readNack,
  readRemb,
  writeFir,
  writeNack,
  writeOtherFeedback,
  writePli,
  writeRemb,
  type FullIntraRequest,
  type GenericNack,
  type OtherFeedback,
  type PictureLossIndication,
  type Remb,
} from './feedback.ts';
import { RTCP_APP, RTCP_BYE, RTCP_PSFB, RTCP_RR, RTCP_RTPFB, RTCP_SDES, RTCP_SR, RtcpCommonHeader, rtcpTypeName } from './header.ts';
import { readReceiverReport, readSenderReport, writeReceiverReport, writeSenderReport, type ReceiverReport, type SenderReport } from './reports.ts';
import { readApp, readBye, readSdes, writeApp, writeBye, writeSdes, type ApplicationDefined, type Goodbye, type SourceDescription } from './sdes-bye-app.ts';
import { readTransportCc, writeTransportCc, type TransportCcFeedback } from './twcc.ts';

/** Any other packet type (XR, …): the header decoded, the body kept as bytes. */
export interface UnknownRtcp {
  readonly type: 'unknown';
  readonly packetType: number;
  readonly count: number;
  readonly body: Uint8Array;
  readonly padding?: number;
}

export type RtcpPacket =
  | SenderReport
  | ReceiverReport
  | SourceDescription
  | Goodbye
  | ApplicationDefined
  | GenericNack
  | TransportCcFeedback
  | PictureLossIndication
  | FullIntraRequest
  | Remb
  | OtherFeedback
  | UnknownRtcp;

/**
 * Decodes a compound RTCP packet (RFC 3550 §6.1): the packets one after another, each with its own length.
 * WebRTC negotiates reduced-size RTCP (RFC 5506), so a compound need not start with SR/RR.
 * Never throws; a packet whose length runs past the buffer is decoded as far as the bytes go.
 */
export function decodeRtcp(bytes: Uint8Array, base = 0, spans = true): Decoded<RtcpPacket[]> {
  const r = new Reader(bytes, base, 0, bytes.length, spans);
  const packets: RtcpPacket[] = [];
  while (r.pos < bytes.length) {
    const start = r.pos;
    if (bytes.length - start < 4) {
      r.problem(`${bytes.length - start} byte(s) left: too few for an RTCP header`, start, bytes.length - start);
      break;
    }
    const pt = bytes[start + 1]!;
    const p = r.group(`RTCP ${rtcpTypeName(pt)}`, () => readPacket(r, start), describe);
    if (p) packets.push(p);
    if (r.pos <= start) break;
  }
  return { value: packets, fields: r.fields, problems: r.problems };
}

function readPacket(r: Reader, start: number): RtcpPacket | undefined {
  const h = RtcpCommonHeader.decode(r);
  if (h.version !== 2) r.problem(`RTCP version ${h.version}, expected 2`, start, 1);
  const declared = start + (h.length + 1) * 4;
  let end = declared;
  if (declared > r.end) {
    r.problem(`RTCP length field says ${(h.length + 1) * 4} bytes, only ${r.end - start} present`, start + 2, 2);
    end = r.end;
  }
  let padding = 0;
  if (h.padding === 1) {
    // RFC 3550 §6.4.1: the last octet counts the padding octets, itself included.
    const count = r.buf[end - 1] ?? 0;
    if (count === 0 || count > end - r.pos) r.problem(`RTCP padding count ${count} is impossible`, end - 1, 1);
    else padding = count;
  }
  const bodyEnd = end - padding;
  let p: RtcpPacket;
  switch (h.packetType) {
    case RTCP_SR:
      p = readSenderReport(r, h.count, bodyEnd);
      break;
    case RTCP_RR:
      p = readReceiverReport(r, h.count, bodyEnd);
      break;
    case RTCP_SDES:
      p = readSdes(r, h.count, bodyEnd, start);
      break;
    case RTCP_BYE:
      p = readBye(r, h.count, bodyEnd);
      break;
    case RTCP_APP:
      p = readApp(r, h.count, bodyEnd);
      break;
    case RTCP_RTPFB:
      if (h.count === FMT_GENERIC_NACK) p = readNack(r, bodyEnd);
      else if (h.count === FMT_TRANSPORT_CC) p = readTransportCc(r, bodyEnd);
      else p = readOtherFeedback(r, h.packetType, h.count, bodyEnd);
      break;
    case RTCP_PSFB:
      if (h.count === FMT_PLI) {
        p = { type: 'pli', ...readFeedbackSsrcs(r) };
        if (r.pos < bodyEnd) r.problem(`PLI carries ${bodyEnd - r.pos} byte(s) of FCI, expected none`, r.pos, bodyEnd - r.pos);
      } else if (h.count === FMT_FIR) p = readFir(r, bodyEnd);
      else if (h.count === FMT_AFB && isRembFci(r.buf.subarray(r.pos + 8, bodyEnd))) p = readRemb(r, readFeedbackSsrcs(r), bodyEnd);
      else p = readOtherFeedback(r, h.packetType, h.count, bodyEnd);
      break;
    default:
      p = { type: 'unknown', packetType: h.packetType, count: h.count, body: r.bytes(Math.max(0, bodyEnd - r.pos), 'body') };
  }
  if (r.pos < bodyEnd) r.skip(bodyEnd - r.pos, 'unparsed');
  if (r.pos > bodyEnd && !r.truncated) r.problem(`${rtcpTypeName(h.packetType)} body runs ${r.pos - bodyEnd} byte(s) past its length`, bodyEnd, r.pos - bodyEnd);
  if (padding > 0) {
    r.pos = bodyEnd;
    r.skip(padding, 'padding');
  }
  r.pos = Math.max(r.pos, end);
  return padding > 0 ? { ...p, padding } : p;
}

function readOtherFeedback(r: Reader, packetType: number, fmt: number, end: number): OtherFeedback {
  const s = readFeedbackSsrcs(r);
  const fci = r.bytes(Math.max(0, end - r.pos), 'FCI');
  return { type: 'feedback', packetType, fmt, ...s, fci };
}

/** A one-line summary of a packet, for the packet list. */
export function describe(p: RtcpPacket | undefined): string {
  if (!p) return '';
  const x = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
  switch (p.type) {
    case 'sr':
      return `SR from ${x(p.ssrc)}, ${p.packetCount} packets, ${p.reports.length} report(s)`;
    case 'rr':
      return `RR from ${x(p.ssrc)}, ${p.reports.length} report(s)`;
    case 'sdes':
      return `SDES ${p.chunks.map((c) => c.items.map((i) => i.value).join(' ')).join('; ')}`;
    case 'bye':
      return `BYE ${p.ssrcs.map(x).join(', ')}${p.reason ? ` (${p.reason})` : ''}`;
    case 'app':
      return `APP "${p.name}" subtype ${p.subtype}`;
    case 'nack':
      return `NACK for ${x(p.mediaSsrc)}`;
    case 'twcc':
      return `transport-cc: ${p.packets.length} packets from ${p.baseSequenceNumber}`;
    case 'pli':
      return `PLI for ${x(p.mediaSsrc)}`;
    case 'fir':
      return `FIR for ${p.entries.map((e) => x(e.ssrc)).join(', ')}`;
    case 'remb':
      return `REMB ${p.bitrate} bit/s`;
    case 'feedback':
      return `${rtcpTypeName(p.packetType)} FMT ${p.fmt}`;
    case 'unknown':
      return `packet type ${p.packetType}`;
  }
}

/** An RTCP packet's type by its decoded kind (RFC 3550 §12.1, RFC 4585 §6.1): what its common header carries. */
export function rtcpPacketType(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return RTCP_SR;
    case 'rr':
      return RTCP_RR;
    case 'sdes':
      return RTCP_SDES;
    case 'bye':
      return RTCP_BYE;
    case 'app':
      return RTCP_APP;
    case 'nack':
    case 'twcc':
      return RTCP_RTPFB;
    case 'pli':
    case 'fir':
    case 'remb':
      return RTCP_PSFB;
    case 'feedback':
    case 'unknown':
      return p.packetType;
  }
}

function writeBody(w: Writer, p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return writeSenderReport(w, p);
    case 'rr':
      return writeReceiverReport(w, p);
    case 'sdes':
      return writeSdes(w, p);
    case 'bye':
      return writeBye(w, p);
    case 'app':
      return writeApp(w, p);
    case 'nack':
      return writeNack(w, p);
    case 'twcc':
      return writeTransportCc(w, p);
    case 'pli':
      return writePli(w, p);
    case 'fir':
      return writeFir(w, p);
    case 'remb':
      return writeRemb(w, p);
    case 'feedback':
      return writeOtherFeedback(w, p);
    case 'unknown':
      w.bytes(p.body);
      return p.count;
  }
}

/** Writes one RTCP packet: header, body, padding (`p.padding` bytes, P bit set), length filled in. */
export function writeRtcpPacket(w: Writer, p: RtcpPacket): void {
  const start = w.pos;
  w.u32(0);
  const count = writeBody(w, p);
  const bodyLength = w.pos - start;
  if (bodyLength % 4 !== 0) throw new RangeError(`${describe(p)}: body of ${bodyLength - 4} bytes is not a multiple of 4`);
  const padding = p.padding ?? 0;
  if (padding !== 0 && (padding % 4 !== 0 || padding > 255)) throw new RangeError(`RTCP padding of ${padding} bytes: a multiple of 4 up to 252`);
  if (padding > 0) w.zeros(padding - 1).u8(padding);
  const length = (w.pos - start) / 4 - 1;
  const end = w.pos;
  w.pos = start;
  RtcpCommonHeader.encode(w, { version: 2, padding: padding > 0 ? 1 : 0, count, packetType: rtcpPacketType(p), length });
  w.pos = end;
}

/** Encodes a compound RTCP packet (RFC 3550 §6.1). */
export function encodeRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  const w = new Writer(256);
  for (const p of packets) writeRtcpPacket(w, p);
  return w.finish();
}
