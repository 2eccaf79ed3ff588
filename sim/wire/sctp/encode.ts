import { Writer } from '../writer.ts';
import type { SctpChunk, SctpPacket } from './chunk.ts';
import { sctpChecksum, writeChecksumField } from './crc32c.ts';
import { ChunkType } from './names.ts';
import { writeCauses, writeParams } from './params.ts';

function chunkType(c: SctpChunk): number {
  switch (c.kind) {
    case 'DATA':
      return ChunkType.DATA;
    case 'I-DATA':
      return ChunkType.I_DATA;
    case 'INIT':
      return ChunkType.INIT;
    case 'INIT-ACK':
      return ChunkType.INIT_ACK;
    case 'SACK':
      return ChunkType.SACK;
    case 'HEARTBEAT':
      return ChunkType.HEARTBEAT;
    case 'HEARTBEAT-ACK':
      return ChunkType.HEARTBEAT_ACK;
    case 'ABORT':
      return ChunkType.ABORT;
    case 'ERROR':
      return ChunkType.ERROR;
    case 'SHUTDOWN':
      return ChunkType.SHUTDOWN;
    case 'SHUTDOWN-ACK':
      return ChunkType.SHUTDOWN_ACK;
    case 'SHUTDOWN-COMPLETE':
      return ChunkType.SHUTDOWN_COMPLETE;
    case 'COOKIE-ECHO':
      return ChunkType.COOKIE_ECHO;
    case 'COOKIE-ACK':
      return ChunkType.COOKIE_ACK;
    case 'FORWARD-TSN':
      return ChunkType.FORWARD_TSN;
    case 'I-FORWARD-TSN':
      return ChunkType.I_FORWARD_TSN;
    case 'RE-CONFIG':
      return ChunkType.RE_CONFIG;
    case 'other':
      return c.type;
  }
}

function chunkFlags(c: SctpChunk): number {
  switch (c.kind) {
    case 'DATA':
    case 'I-DATA':
      return (c.immediate ? 8 : 0) | (c.unordered ? 4 : 0) | (c.beginning ? 2 : 0) | (c.ending ? 1 : 0);
    case 'ABORT':
    case 'SHUTDOWN-COMPLETE':
      return c.reflected ? 1 : 0;
    case 'other':
      return c.flags;
    default:
      return 0;
  }
}

function chunkValue(c: SctpChunk, w: Writer): void {
  switch (c.kind) {
    case 'DATA':
      w.u32(c.tsn).u16(c.streamId).u16(c.ssn).u32(c.ppid).bytes(c.userData);
      return;
    case 'I-DATA':
      w.u32(c.tsn).u16(c.streamId).u16(0).u32(c.mid).u32(c.ppidOrFsn).bytes(c.userData);
      return;
    case 'INIT':
    case 'INIT-ACK':
      w.u32(c.initiateTag).u32(c.arwnd).u16(c.outboundStreams).u16(c.inboundStreams).u32(c.initialTsn);
      writeParams(c.params, w);
      return;
    case 'SACK':
      w.u32(c.cumulativeTsnAck).u32(c.arwnd).u16(c.gapBlocks.length).u16(c.duplicateTsns.length);
      for (const g of c.gapBlocks) w.u16(g.start).u16(g.end);
      for (const d of c.duplicateTsns) w.u32(d);
      return;
    case 'HEARTBEAT':
    case 'HEARTBEAT-ACK':
      writeParams([{ kind: 'heartbeat-info', info: c.info }], w);
      return;
    case 'ABORT':
    case 'ERROR':
      writeCauses(c.causes, w);
      return;
    case 'SHUTDOWN':
      w.u32(c.cumulativeTsnAck);
      return;
    case 'COOKIE-ECHO':
      w.bytes(c.cookie);
      return;
    case 'FORWARD-TSN':
      w.u32(c.newCumulativeTsn);
      for (const s of c.streams) w.u16(s.streamId).u16(s.ssn);
      return;
    case 'I-FORWARD-TSN':
      w.u32(c.newCumulativeTsn);
      for (const s of c.streams) w.u16(s.streamId).u16(s.unordered ? 1 : 0).u32(s.mid);
      return;
    case 'RE-CONFIG':
      writeParams(c.params, w);
      return;
    case 'other':
      w.bytes(c.body);
      return;
    case 'SHUTDOWN-ACK':
    case 'COOKIE-ACK':
    case 'SHUTDOWN-COMPLETE':
      return;
  }
}

/**
 * Writes one chunk: type, flags, length (without the final padding, RFC 9260 §3.2), value, padding to 4 bytes.
 * The chunk starts 4-aligned in its packet, so parameters padded relative to the writer are padded within it.
 */
export function writeChunk(c: SctpChunk, w: Writer): void {
  const at = w.pos;
  w.u8(chunkType(c)).u8(chunkFlags(c)).u16(0);
  chunkValue(c, w);
  w.setU16(at + 2, w.pos - at);
  while ((w.pos - at) % 4) w.u8(0);
}

/** A chunk's length on the wire, padding included (for packing chunks into a packet under the path MTU). */
export function chunkWireLength(c: SctpChunk): number {
  const w = new Writer(64);
  writeChunk(c, w);
  return w.pos;
}

export interface SctpEncodeOptions {
  /** RFC 9653: leave the checksum zero (only when both sides sent Zero Checksum Acceptable). */
  readonly zeroChecksum?: boolean;
}

/** Encodes a packet: the common header, the chunks, the CRC32c (RFC 9260 §6.8) unless a zero checksum was agreed. */
export function encodeSctpPacket(p: SctpPacket, opts: SctpEncodeOptions = {}): Uint8Array {
  const w = new Writer(256);
  w.u16(p.srcPort).u16(p.dstPort).u32(p.verificationTag).u32(0);
  for (const c of p.chunks) writeChunk(c, w);
  const out = w.finish();
  if (!opts.zeroChecksum) writeChecksumField(out, sctpChecksum(out));
  return out;
}
