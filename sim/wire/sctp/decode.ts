import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import type { ChecksumStatus, DecodedSctpPacket, SctpChunk } from './chunk.ts';
import { readChecksumField, sctpChecksum } from './crc32c.ts';
import { ChunkType, chunkTypeName, ppidName, unknownChunkAction } from './names.ts';
import { readCauses, readParams } from './params.ts';

export interface SctpDecodeOptions {
  /** Absolute offset of the packet's first byte in the outermost buffer (for field spans). */
  readonly base?: number;
  /** Record field spans (default true). */
  readonly spans?: boolean;
  /**
   * RFC 9653: whether a zero checksum is acceptable (both sides sent Zero Checksum Acceptable). When undefined, a
   * zero checksum is reported as `zero` without a problem (a capture's reader may not know what was negotiated).
   */
  readonly zeroChecksumAllowed?: boolean;
}

const hex32 = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

/** The smallest chunk length (header included) each chunk type needs (RFC 9260 §3.3). */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [ChunkType.DATA]: 16,
  [ChunkType.I_DATA]: 20,
  [ChunkType.INIT]: 20,
  [ChunkType.INIT_ACK]: 20,
  [ChunkType.SACK]: 16,
  [ChunkType.SHUTDOWN]: 8,
  [ChunkType.FORWARD_TSN]: 8,
  [ChunkType.I_FORWARD_TSN]: 8,
};

/** RFC 9260 §6.10: chunks that must be alone in their packet. */
const ALONE: ReadonlySet<number> = new Set([ChunkType.INIT, ChunkType.INIT_ACK, ChunkType.SHUTDOWN_COMPLETE]);

/** One chunk's value after its 4-byte header, `r` at the value and `end` where the chunk ends (RFC 9260 §3.3). */
export function readChunk(type: number, flags: number, r: Reader, end: number): SctpChunk {
  const u = (flags & 0x04) !== 0;
  const b = (flags & 0x02) !== 0;
  const e = (flags & 0x01) !== 0;
  const i = (flags & 0x08) !== 0;
  switch (type) {
    case ChunkType.DATA: {
      const tsn = r.u32('TSN');
      const streamId = r.u16('stream identifier');
      const ssn = r.u16('stream sequence number');
      const ppid = r.u32('payload protocol identifier', (v) => `${v} (${ppidName(v)})`);
      const userData = r.bytes(end - r.pos, 'user data', (v) => `${v.length} bytes`);
      if (!userData.length) r.problem('DATA chunk with no user data (RFC 9260 §3.3.1: the receiver aborts with No User Data)', r.pos - 16, 16);
      return { kind: 'DATA', immediate: i, unordered: u, beginning: b, ending: e, tsn, streamId, ssn, ppid, userData };
    }
    case ChunkType.I_DATA: {
      const tsn = r.u32('TSN');
      const streamId = r.u16('stream identifier');
      r.u16('reserved');
      const mid = r.u32('message identifier');
      const ppidOrFsn = b ? r.u32('payload protocol identifier', (v) => `${v} (${ppidName(v)})`) : r.u32('fragment sequence number');
      const userData = r.bytes(end - r.pos, 'user data', (v) => `${v.length} bytes`);
      return { kind: 'I-DATA', immediate: i, unordered: u, beginning: b, ending: e, tsn, streamId, mid, ppidOrFsn, userData };
    }
    case ChunkType.INIT:
    case ChunkType.INIT_ACK: {
      const initiateTag = r.u32('initiate tag', hex32);
      if (initiateTag === 0) r.problem('initiate tag 0 (RFC 9260 §3.3.2: the receiver aborts)', r.pos - 4, 4);
      const arwnd = r.u32('advertised receiver window credit');
      const outboundStreams = r.u16('number of outbound streams');
      const inboundStreams = r.u16('number of inbound streams');
      if (!outboundStreams || !inboundStreams) r.problem('zero streams in an INIT (RFC 9260 §3.3.2: the receiver aborts)', r.pos - 4, 4);
      const initialTsn = r.u32('initial TSN');
      const params = readParams(r, end);
      return { kind: type === ChunkType.INIT ? 'INIT' : 'INIT-ACK', initiateTag, arwnd, outboundStreams, inboundStreams, initialTsn, params };
    }
    case ChunkType.SACK: {
      const cumulativeTsnAck = r.u32('cumulative TSN ack');
      const arwnd = r.u32('advertised receiver window credit');
      const nGaps = r.u16('number of gap ack blocks');
      const nDups = r.u16('number of duplicate TSNs');
      const room = Math.floor((end - r.pos) / 4);
      if (nGaps + nDups > room) r.problem(`SACK says ${nGaps} gap blocks and ${nDups} duplicate TSNs, room for ${room} (a lying count)`, r.pos - 4, 4);
      const gapBlocks: { start: number; end: number }[] = [];
      for (let k = 0; k < nGaps && r.pos + 4 <= end; k++) {
        const at = r.pos;
        const start = r.u16();
        const stop = r.u16();
        r.field('gap ack block', at, 4, `${start}–${stop} (TSN ${(cumulativeTsnAck + start) >>> 0}–${(cumulativeTsnAck + stop) >>> 0})`);
        if (start > stop || start === 0) r.problem(`gap ack block ${start}–${stop} is not a valid range (RFC 9260 §3.3.4)`, at, 4);
        gapBlocks.push({ start, end: stop });
      }
      const duplicateTsns: number[] = [];
      for (let k = 0; k < nDups && r.pos + 4 <= end; k++) duplicateTsns.push(r.u32('duplicate TSN'));
      if (r.pos < end) r.skip(end - r.pos, 'trailing bytes');
      return { kind: 'SACK', cumulativeTsnAck, arwnd, gapBlocks, duplicateTsns };
    }
    case ChunkType.HEARTBEAT:
    case ChunkType.HEARTBEAT_ACK: {
      const params = readParams(r, end);
      const hb = params.find((p) => p.kind === 'heartbeat-info');
      if (!hb) r.problem(`${chunkTypeName(type)} without a Heartbeat Info parameter (RFC 9260 §3.3.5)`, r.pos, 0);
      return { kind: type === ChunkType.HEARTBEAT ? 'HEARTBEAT' : 'HEARTBEAT-ACK', info: hb?.kind === 'heartbeat-info' ? hb.info : new Uint8Array(0) };
    }
    case ChunkType.ABORT:
      return { kind: 'ABORT', reflected: (flags & 1) !== 0, causes: readCauses(r, end) };
    case ChunkType.ERROR:
      return { kind: 'ERROR', causes: readCauses(r, end) };
    case ChunkType.SHUTDOWN:
      return { kind: 'SHUTDOWN', cumulativeTsnAck: r.u32('cumulative TSN ack') };
    case ChunkType.SHUTDOWN_ACK:
      return { kind: 'SHUTDOWN-ACK' };
    case ChunkType.SHUTDOWN_COMPLETE:
      return { kind: 'SHUTDOWN-COMPLETE', reflected: (flags & 1) !== 0 };
    case ChunkType.COOKIE_ECHO:
      return { kind: 'COOKIE-ECHO', cookie: r.bytes(end - r.pos, 'cookie', (v) => `${v.length} bytes`) };
    case ChunkType.COOKIE_ACK:
      return { kind: 'COOKIE-ACK' };
    case ChunkType.FORWARD_TSN: {
      const newCumulativeTsn = r.u32('new cumulative TSN');
      const streams: { streamId: number; ssn: number }[] = [];
      while (r.pos + 4 <= end) {
        const at = r.pos;
        const streamId = r.u16();
        const ssn = r.u16();
        r.field('stream', at, 4, `stream ${streamId} SSN ${ssn}`);
        streams.push({ streamId, ssn });
      }
      if (r.pos < end) r.problem('FORWARD-TSN ends inside a stream/SSN pair (RFC 3758 §3.2)', r.pos, end - r.pos);
      return { kind: 'FORWARD-TSN', newCumulativeTsn, streams };
    }
    case ChunkType.I_FORWARD_TSN: {
      const newCumulativeTsn = r.u32('new cumulative TSN');
      const streams: { streamId: number; unordered: boolean; mid: number }[] = [];
      while (r.pos + 8 <= end) {
        const at = r.pos;
        const streamId = r.u16();
        const fl = r.u16();
        const mid = r.u32();
        r.field('stream', at, 8, `stream ${streamId}${fl & 1 ? ' unordered' : ''} MID ${mid}`);
        streams.push({ streamId, unordered: (fl & 1) !== 0, mid });
      }
      return { kind: 'I-FORWARD-TSN', newCumulativeTsn, streams };
    }
    case ChunkType.RE_CONFIG:
      return { kind: 'RE-CONFIG', params: readParams(r, end) };
    default:
      return { kind: 'other', type, flags, body: r.bytes(end - r.pos, 'value', (v) => `${v.length} bytes`) };
  }
}

function showFlags(type: number, flags: number): string {
  if (type === ChunkType.DATA || type === ChunkType.I_DATA) {
    const names = [flags & 0x08 ? 'I' : '', flags & 0x04 ? 'U' : '', flags & 0x02 ? 'B' : '', flags & 0x01 ? 'E' : ''].filter(Boolean);
    return `0x${flags.toString(16).padStart(2, '0')}${names.length ? ` (${names.join(' ')})` : ''}`;
  }
  if ((type === ChunkType.ABORT || type === ChunkType.SHUTDOWN_COMPLETE) && flags & 1) return `0x${flags.toString(16).padStart(2, '0')} (T: tag reflected)`;
  return `0x${flags.toString(16).padStart(2, '0')}`;
}

/**
 * Decodes an SCTP packet (RFC 9260 §3): the common header, the checksum (CRC32c, §6.8 and Appendix A; zero allowed
 * by RFC 9653), and every chunk. Never throws: a lying chunk length ends the chunk list with a problem; what was read
 * before it stays. The value is undefined only when the 12-byte common header is not there.
 */
export function decodeSctpPacket(buf: Uint8Array, opts: SctpDecodeOptions = {}): Decoded<DecodedSctpPacket | undefined> {
  const base = opts.base ?? 0;
  const r = new Reader(buf, base, 0, buf.length, opts.spans ?? true);
  if (buf.length < 12) {
    r.problem(`SCTP common header needs 12 bytes, only ${buf.length}`, 0, buf.length);
    return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  }
  const srcPort = r.u16('source port');
  const dstPort = r.u16('destination port');
  const verificationTag = r.u32('verification tag', hex32);
  const checksum = readChecksumField(buf);
  const computed = sctpChecksum(buf);
  let checksumStatus: ChecksumStatus = checksum === computed ? 'ok' : checksum === 0 ? 'zero' : 'bad';
  r.skip(4);
  r.field('checksum', 8, 4, `${hex32(checksum)} ${checksumStatus === 'ok' ? '[correct]' : checksumStatus === 'zero' ? '[zero: RFC 9653 zero checksum]' : `[incorrect, should be ${hex32(computed)}]`}`);
  if (checksumStatus === 'bad') r.problem(`bad CRC32c checksum ${hex32(checksum)}, should be ${hex32(computed)} (RFC 9260 §6.8)`, 8, 4);
  if (checksumStatus === 'zero' && opts.zeroChecksumAllowed === false) {
    checksumStatus = 'bad';
    r.problem('zero checksum, but Zero Checksum Acceptable was not negotiated (RFC 9653 §5)', 8, 4);
  }
  const chunks: SctpChunk[] = [];
  const chunkSpans: { offset: number; length: number }[] = [];
  while (r.pos < buf.length) {
    const at = r.pos;
    if (at + 4 > buf.length) {
      r.problem(`${buf.length - at} byte(s) after the last chunk, too few for a chunk header (RFC 9260 §3.2)`, at, buf.length - at);
      break;
    }
    const type = buf[at]!;
    const flags = buf[at + 1]!;
    const length = (buf[at + 2]! << 8) | buf[at + 3]!;
    const name = chunkTypeName(type);
    const min = MIN_LENGTH[type] ?? 4;
    if (length < min || at + length > buf.length) {
      const why = length < min ? `is under ${min}` : `runs past the packet (${buf.length - at} bytes left)`;
      r.problem(`${name} chunk length ${length} ${why} (RFC 9260 §3.2): the rest of the packet is not read`, at, buf.length - at);
      r.skip(buf.length - at, `${name} chunk (bad length)`);
      break;
    }
    if (ALONE.has(type) && (chunks.length > 0 || at + ((length + 3) & ~3) < buf.length)) {
      r.problem(`${name} bundled with other chunks (RFC 9260 §6.10: it must be alone in its packet)`, at, length);
    }
    const end = at + length;
    const c = r.group(
      `${name} chunk`,
      () => {
        r.u8('type', (v) => `${v} (${name})`);
        r.u8('flags', (v) => showFlags(type, v));
        r.u16('length');
        const sub = new Reader(buf, base, r.pos, end, r.spans);
        const v = readChunk(type, flags, sub, end);
        r.adopt(sub.fieldList(), sub.problemList());
        r.pos = end;
        return v;
      },
      (v) => (v.kind === 'other' ? `${name} (${unknownChunkAction(type)})` : `${length} bytes`),
    );
    const padded = Math.min(buf.length, at + ((length + 3) & ~3));
    if (padded > r.pos) r.skip(padded - r.pos, 'chunk padding');
    chunks.push(c);
    chunkSpans.push({ offset: base + at, length: r.pos - at });
  }
  if (!chunks.length && !r.problems.length) r.problem('SCTP packet with no chunk (RFC 9260 §3)', 12, 0);
  return { value: { srcPort, dstPort, verificationTag, checksum, checksumStatus, chunks, chunkSpans }, fields: r.fieldList(), problems: r.problemList() };
}
