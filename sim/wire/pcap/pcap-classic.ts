import type { CaptureInterface, CapturePacket, TimestampResolution } from './capture.ts';
import { decodeLinkLayer } from './link-layer.ts';
import { Endian } from './pcapng-options.ts';
import { MICROSECONDS, NANOSECONDS, captureTime } from './timestamp.ts';

/**
 * Classic pcap (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header and the frame.
 * The magic, read in the writer's byte order, says µs or ns timestamps; read in the other order it says swap.
 */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Alexey Kuznetsov's patched libpcap: µs timestamps and 8 more bytes per record header (ifindex, protocol, type). */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
export const PCAP_FILE_HEADER = 24;

const swap32 = (v: number): number => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

export interface PcapFileHeader {
  readonly littleEndian: boolean;
  readonly magic: number;
  readonly major: number;
  readonly minor: number;
  readonly snaplen: number;
  readonly linkType: number;
  /** FCS length in bytes when the header's P bit says it is known. */
  readonly fcsLength: number | undefined;
  readonly resolution: TimestampResolution;
  readonly recordHeaderLength: number;
}

/** Recognises a classic pcap magic in either byte order (the first 4 bytes read big-endian). */
export function pcapMagic(beMagic: number): { magic: number; littleEndian: boolean } | undefined {
  for (const magic of [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_MODIFIED]) {
    if (beMagic === magic) return { magic, littleEndian: false };
    if (beMagic === swap32(magic)) return { magic, littleEndian: true };
  }
  return undefined;
}

/** Parses the 24-byte file header at the start of `buf` (the caller checked the magic). */
export function pcapFileHeader(buf: Uint8Array): PcapFileHeader {
  const be = new Endian(buf, false).u32(0);
  const { magic, littleEndian } = pcapMagic(be)!;
  const e = new Endian(buf, littleEndian);
  // LinkType and additional information: low 16 bits are the link type; bit 26 says the top 4 bits hold
  // the FCS length in 16-bit words (draft-ietf-opsawg-pcap §4, libpcap LT_FCS_LENGTH).
  const info = e.u32(20);
  const fcsKnown = (info & 0x04000000) !== 0;
  return {
    littleEndian,
    magic,
    major: e.u16(4),
    minor: e.u16(6),
    snaplen: e.u32(16),
    linkType: info & 0xffff,
    fcsLength: fcsKnown ? ((info >>> 28) & 0xf) * 2 : undefined,
    resolution: magic === PCAP_MAGIC_NS ? NANOSECONDS : MICROSECONDS,
    recordHeaderLength: magic === PCAP_MAGIC_MODIFIED ? 24 : 16,
  };
}

export function pcapInterface(h: PcapFileHeader): CaptureInterface {
  return {
    id: 0,
    section: 0,
    localId: 0,
    offset: 0,
    linkType: h.linkType,
    snaplen: h.snaplen,
    resolution: h.resolution,
    tsoffset: 0n,
    ...(h.fcsLength !== undefined ? { fcsLength: h.fcsLength } : {}),
    comments: [],
    options: [],
  };
}

export interface PcapRecordHeader {
  readonly seconds: number;
  readonly fraction: number;
  readonly capturedLength: number;
  readonly originalLength: number;
}

export function pcapRecordHeader(buf: Uint8Array, at: number, littleEndian: boolean): PcapRecordHeader {
  const e = new Endian(buf, littleEndian);
  return { seconds: e.u32(at), fraction: e.u32(at + 4), capturedLength: e.u32(at + 8), originalLength: e.u32(at + 12) };
}

/** The packet of one whole record starting at `at` in `buf` (file offset `offset`). */
export function pcapPacket(
  buf: Uint8Array,
  at: number,
  offset: number,
  index: number,
  h: PcapFileHeader,
  r: PcapRecordHeader,
): CapturePacket {
  const dataAt = at + h.recordHeaderLength;
  const data = buf.subarray(dataAt, dataAt + r.capturedLength);
  const ticks = BigInt(r.seconds) * h.resolution.ticksPerSecond + BigInt(r.fraction);
  return {
    index,
    offset,
    dataOffset: offset + h.recordHeaderLength,
    block: 'pcap-record',
    interfaceId: 0,
    linkType: h.linkType,
    time: captureTime(ticks, h.resolution),
    capturedLength: r.capturedLength,
    originalLength: r.originalLength,
    data,
    link: decodeLinkLayer(data, h.linkType),
    comments: [],
    options: [],
  };
}
