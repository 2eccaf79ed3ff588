import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import { hex, struct, uint } from '../struct.ts';
import { Writer } from '../writer.ts';
import { readHeaderExtension, writeHeaderExtension, type ExtensionElementSpec, type ExtensionMap, type HeaderExtension } from './extensions.ts';

/**
 * RFC 3550 §5.1: the first 16 bits of the RTP fixed header, defined once (decode, encode and spans come from
 * this); sequence number, timestamp and SSRC follow as whole words. (A struct run of bit fields is capped at 32 bits.)
 */
export const RtpFirstWord = struct('RTP flags', [
  uint('version', 2),
  uint('padding', 1),
  uint('extension', 1),
  uint('csrcCount', 4),
  uint('marker', 1),
  uint('payloadType', 7),
]);

export interface RtpHeader {
  readonly version: number;
  readonly padding: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extension?: HeaderExtension;
  /** Bytes from the start of the packet to the payload (fixed header, CSRCs, extension). */
  readonly headerLength: number;
}

export interface RtpPacket {
  readonly header: RtpHeader;
  /** The payload without padding (or, for SRTP, the encrypted payload without the auth tag). */
  readonly payload: Uint8Array;
  /** Padding bytes at the end, the count byte included (RFC 3550 §5.1, P bit). */
  readonly paddingLength: number;
}

export interface RtpDecodeOptions {
  /** Record field spans (default true); a packet list needs none. */
  readonly spans?: boolean;
  /** Names the elements of the header extension (`a=extmap`). */
  readonly extensions?: ExtensionMap;
  /**
   * The packet is SRTP (RFC 3711 §3.1): the payload is ciphertext followed by an auth tag of this many bytes,
   * and padding, being encrypted, is not interpreted.
   */
  readonly srtpTagLength?: number;
}

const reader = new Reader(new Uint8Array(0));

/** Decodes an RTP (or SRTP) packet; never throws. */
export function decodeRtp(bytes: Uint8Array, options: RtpDecodeOptions = {}, base = 0): Decoded<RtpPacket> {
  // one Reader for every call (nothing here decodes RTP again before it returns)
  const r = reader.reset(bytes, base, options.spans ?? true);
  const header = readRtpHeader(r, options.extensions);
  const tag = options.srtpTagLength ?? 0;
  let payloadEnd = Math.max(header.headerLength, bytes.length - tag);
  let paddingLength = 0;
  if (r.truncated) {
    return { value: { header, payload: new Uint8Array(0), paddingLength: 0 }, fields: r.fieldList(), problems: r.problemList() };
  }
  if (tag > 0) {
    if (bytes.length - header.headerLength < tag) r.problem(`SRTP packet too short for a ${tag}-byte auth tag`, header.headerLength, bytes.length - header.headerLength);
  } else if (header.padding) {
    // RFC 3550 §5.1: the last octet of the padding counts how many padding octets to ignore, itself included.
    const count = bytes[bytes.length - 1] ?? 0;
    if (count === 0 || count > bytes.length - header.headerLength) {
      r.problem(`padding count ${count} is impossible for a ${bytes.length - header.headerLength}-byte payload`, bytes.length - 1, 1);
    } else {
      paddingLength = count;
      payloadEnd = bytes.length - count;
    }
  }
  const payload = bytes.subarray(header.headerLength, payloadEnd);
  if (r.spans) {
    r.field(tag > 0 ? 'encrypted payload' : 'payload', header.headerLength, payload.length, `${payload.length} bytes`);
    if (paddingLength > 0) r.field('padding bytes', payloadEnd, paddingLength, `${paddingLength} bytes`);
    if (tag > 0 && bytes.length - header.headerLength >= tag) r.field('SRTP auth tag', bytes.length - tag, tag);
  }
  return { value: { header, payload, paddingLength }, fields: r.fieldList(), problems: r.problemList() };
}

/** Reads the fixed header, CSRC list and header extension at the reader's position. */
export function readRtpHeader(r: Reader, extensions?: ExtensionMap): RtpHeader {
  const start = r.pos;
  let version: number;
  let p: number;
  let x: number;
  let cc: number;
  let m: number;
  let payloadType: number;
  let sequenceNumber: number;
  let timestamp: number;
  let ssrc: number;
  if (!r.spans && r.end - start >= 12) {
    // a packet list's header, all there: read off the bytes (no struct object, no span to record)
    const b = r.buf;
    const b0 = b[start]!;
    const b1 = b[start + 1]!;
    version = b0 >> 6;
    p = (b0 >> 5) & 1;
    x = (b0 >> 4) & 1;
    cc = b0 & 0x0f;
    m = b1 >> 7;
    payloadType = b1 & 0x7f;
    sequenceNumber = (b[start + 2]! << 8) | b[start + 3]!;
    timestamp = ((b[start + 4]! << 24) | (b[start + 5]! << 16) | (b[start + 6]! << 8) | b[start + 7]!) >>> 0;
    ssrc = ((b[start + 8]! << 24) | (b[start + 9]! << 16) | (b[start + 10]! << 8) | b[start + 11]!) >>> 0;
    r.pos = start + 12;
  } else {
    let first: ReturnType<typeof RtpFirstWord.decode>;
    if (r.spans) ({ first, sequenceNumber, timestamp, ssrc } = r.group('RTP fixed header', () => readFixedHeader(r)));
    else {
      // the same reads without the group's wrapper object
      first = RtpFirstWord.decode(r);
      // the same names: a truncation problem names the field
      sequenceNumber = r.u16('sequence number');
      timestamp = r.u32('timestamp');
      ssrc = r.u32('SSRC', hex8);
    }
    ({ version, padding: p, extension: x, csrcCount: cc, marker: m, payloadType } = first);
  }
  if (version !== 2 && !r.truncated) r.problem(`RTP version ${version}, expected 2`, start, 1);
  // most packets list no CSRC: they share one frozen empty list
  let csrcs: readonly number[] = NO_CSRCS;
  if (cc > 0) {
    const list: number[] = [];
    r.group('CSRC list', () => {
      for (let i = 0; i < cc && !r.truncated; i++) list.push(r.u32(`CSRC ${i + 1}`, hex8));
    });
    csrcs = list;
  }
  const extension = x && !r.truncated ? readHeaderExtension(r, extensions) : undefined;
  const headerLength = r.pos - start;
  const padding = p === 1;
  const marker = m === 1;
  return extension
    ? { version, padding, marker, payloadType, sequenceNumber, timestamp, ssrc, csrcs, extension, headerLength }
    : { version, padding, marker, payloadType, sequenceNumber, timestamp, ssrc, csrcs, headerLength };
}

const hex8 = hex(8);
const NO_CSRCS: readonly number[] = Object.freeze([]);

/** RFC 3550 §5.1: the first word, then sequence number, timestamp and SSRC. */
function readFixedHeader(r: Reader): { first: ReturnType<typeof RtpFirstWord.decode>; sequenceNumber: number; timestamp: number; ssrc: number } {
  const first = RtpFirstWord.decode(r);
  const sequenceNumber = r.u16('sequence number');
  const timestamp = r.u32('timestamp');
  const ssrc = r.u32('SSRC', hex8);
  return { first, sequenceNumber, timestamp, ssrc };
}

/**
 * The header length of an RTP packet without decoding it (for SRTP): fixed header + 4·CC + extension,
 * or undefined if the packet is shorter than its header claims.
 */
export function rtpHeaderLength(p: Uint8Array): number | undefined {
  if (p.length < 12) return undefined;
  let n = 12 + 4 * (p[0]! & 0x0f);
  if (p[0]! & 0x10) {
    if (p.length < n + 4) return undefined;
    n += 4 + 4 * ((p[n + 2]! << 8) | p[n + 3]!);
  }
  return n <= p.length ? n : undefined;
}

export interface RtpPacketSpec {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  /** Elements (form chosen per RFC 8285 unless given) or an opaque extension. */
  readonly extension?:
    | { readonly elements: readonly ExtensionElementSpec[]; readonly form?: 'one-byte' | 'two-byte'; readonly appBits?: number }
    | { readonly profile: number; readonly raw: Uint8Array };
  readonly payload: Uint8Array;
  /** Total padding bytes to append, the count byte included (1–255); sets the P bit. */
  readonly padding?: number;
}

/** Encodes an RTP packet (RFC 3550 §5.1). Throws only on values that cannot be encoded. */
export function encodeRtp(p: RtpPacketSpec): Uint8Array {
  const csrcs = p.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError(`${csrcs.length} CSRCs: at most 15`);
  const padding = p.padding ?? 0;
  if (padding < 0 || padding > 255) throw new RangeError(`padding of ${padding} bytes: 0–255`);
  const w = new Writer(12 + 4 * csrcs.length + p.payload.length + 64);
  RtpFirstWord.encode(w, { version: 2, padding: padding > 0 ? 1 : 0, extension: p.extension ? 1 : 0, csrcCount: csrcs.length, marker: p.marker ? 1 : 0, payloadType: p.payloadType });
  if (!Number.isInteger(p.sequenceNumber) || p.sequenceNumber < 0 || p.sequenceNumber > 0xffff) throw new RangeError(`RTP sequence number ${p.sequenceNumber}`);
  w.u16(p.sequenceNumber).u32(p.timestamp >>> 0).u32(p.ssrc >>> 0);
  for (const c of csrcs) w.u32(c);
  if (p.extension) writeHeaderExtension(w, p.extension);
  w.bytes(p.payload);
  if (padding > 0) w.zeros(padding - 1).u8(padding);
  return w.finish();
}

/** Re-encodes a decoded packet (its extension kept byte for byte). */
export function rtpPacketToSpec(p: RtpPacket): RtpPacketSpec {
  const h = p.header;
  return {
    marker: h.marker,
    payloadType: h.payloadType,
    sequenceNumber: h.sequenceNumber,
    timestamp: h.timestamp,
    ssrc: h.ssrc,
    csrcs: h.csrcs,
    ...(h.extension ? { extension: { profile: h.extension.profile, raw: h.extension.data } } : {}),
    payload: p.payload,
    ...(p.paddingLength > 0 ? { padding: p.paddingLength } : {}),
  };
}
