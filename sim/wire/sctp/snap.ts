import { fromBase64, toBase64 } from '../../core/encoding.ts';
import type { Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import type { InitChunk } from './chunk.ts';
import { readChunk } from './decode.ts';
import { writeChunk } from './encode.ts';
import { Writer } from '../writer.ts';
import { describeChunk } from './describe.ts';
import { ChunkType, chunkTypeName } from './names.ts';

/**
 * SNAP, "SCTP Negotiation Acceleration Protocol" (draft-hancke-tsvwg-snap-00 §4): the SDP media attribute
 * `a=sctp-init:<base64>` of an m=application UDP/DTLS/SCTP section carries the SCTP INIT chunk (RFC 9260 §3.3.2)
 * its SCTP stack would have sent, so both sides can skip INIT, INIT ACK, COOKIE ECHO and COOKIE ACK.
 */
export interface SctpInitAttribute {
  /** The base64 value decoded; absent when it is not base64. */
  readonly bytes?: Uint8Array;
  /** The INIT chunk; absent when the bytes are not one (§5.2, §5.4: the peer then ignores the line). */
  readonly init?: InitChunk;
  /** Field tree over `bytes` (offsets into them). */
  readonly fields: readonly Field[];
  /** What is wrong, offsets into `bytes`. */
  readonly problems: readonly Problem[];
  /** One line: "INIT (tag 0x…, a_rwnd …, streams …, TSN …, …)", or why it is not one. */
  readonly text: string;
}

const IGNORED = 'the peer ignores the line (draft-hancke-tsvwg-snap §5.2)';

/** Reads an `a=sctp-init` value; never throws: what cannot be read is a problem and the INIT is absent. */
export function decodeSctpInitAttribute(value: string): SctpInitAttribute {
  const text = value.trim();
  let bytes: Uint8Array;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('a character outside the base64 alphabet');
    bytes = fromBase64(text);
  } catch (e) {
    const message = `a=sctp-init is not base64 (${(e as Error).message}): ${IGNORED}`;
    return { fields: [], problems: [{ offset: 0, length: 0, message }], text: message };
  }
  const r = new Reader(bytes, 0, 0, bytes.length, true);
  const fail = (message: string, at = 0, length = bytes.length): SctpInitAttribute => {
    r.problem(message, at, length);
    return { bytes, fields: r.fieldList(), problems: r.problemList(), text: message };
  };
  if (bytes.length < 4) return fail(`a=sctp-init holds ${bytes.length} byte(s), too few for a chunk header (RFC 9260 §3.2): ${IGNORED}`);
  const type = bytes[0]!;
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (type !== ChunkType.INIT) return fail(`a=sctp-init holds a ${chunkTypeName(type)} chunk (type ${type}), not an INIT (RFC 9260 §3.3.2): ${IGNORED}`, 0, 1);
  if (length < 20) return fail(`a=sctp-init INIT chunk length ${length} is under 20 (RFC 9260 §3.3.2): ${IGNORED}`, 2, 2);
  if (length > bytes.length) return fail(`a=sctp-init INIT chunk length ${length} runs past the ${bytes.length} bytes given (RFC 9260 §3.2): ${IGNORED}`, 2, 2);
  const init = r.group(
    'INIT chunk',
    () => {
      r.u8('type', (v) => `${v} (INIT)`);
      const flags = r.u8('flags', (v) => `0x${v.toString(16).padStart(2, '0')}`);
      if (flags !== 0) r.problem(`INIT chunk flags 0x${flags.toString(16)}: RFC 9260 §3.3.2 sends 0 (the receiver ignores them)`, 1, 1);
      r.u16('length');
      const sub = new Reader(bytes, 0, 4, length, true);
      const c = readChunk(ChunkType.INIT, flags, sub, length);
      r.adopt(sub.fieldList(), sub.problemList());
      r.pos = length;
      return c;
    },
    () => `${length} bytes`,
  );
  // RFC 9260 §3.2: a chunk is padded to 4 bytes with zeros; the draft's own example leaves the padding out
  const tail = bytes.subarray(length);
  if (tail.length > 3 || tail.some((b) => b !== 0)) r.problem(`${tail.length} byte(s) after the INIT chunk that are not its padding`, length, tail.length);
  if (tail.length) r.skip(tail.length, 'chunk padding');
  if (init.kind !== 'INIT') return fail('a=sctp-init did not read as an INIT chunk');
  return { bytes, init, fields: r.fieldList(), problems: r.problemList(), text: describeChunk(init) };
}

/**
 * The `a=sctp-init` value of an INIT chunk (draft-hancke-tsvwg-snap §5.1): the chunk as its SCTP stack would send it,
 * in base64, cut to its chunk length (the final padding left out, as the draft's example and dcsctp write it).
 */
export function encodeSctpInitAttribute(init: InitChunk): string {
  const w = new Writer(64);
  writeChunk(init, w);
  const bytes = w.finish();
  const length = (bytes[2]! << 8) | bytes[3]!;
  return toBase64(bytes.subarray(0, length));
}
