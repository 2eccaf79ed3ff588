import type { Decoded, Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { hex } from '../struct.ts';
import { Writer } from '../writer.ts';
import { struct, uint } from '../struct.ts';
import { ContentType, contentTypeName, versionName } from '../handshake/names.ts';

/**
 * The DTLS record layer: DTLSPlaintext / DTLSCiphertext headers (RFC 6347 §4.1) and the DTLS 1.3 unified header
 * (RFC 9147 §4), several records per datagram.
 */

/** RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2). */
export const RecordHeader = struct('DTLS record header', [
  uint('contentType', 8, (v) => contentTypeName(v)),
  uint('version', 16, (v) => `${versionName(v)} (${hex(4)(v)})`),
  uint('epoch', 16),
  uint('sequenceNumber', 48),
  uint('length', 16),
]);
export const RECORD_HEADER_SIZE = RecordHeader.size; // 13

/** RFC 6347 §4.1: a record must not exceed 2^14 bytes of plaintext (+ 2048 of expansion when protected). */
export const MAX_RECORD_LENGTH = 16384 + 2048;

/** A DTLS 1.0/1.2 record. Records of epoch > 0 are protected: `fragment` is ciphertext and `encrypted` is set. */
export interface DtlsRecord {
  readonly kind: 'dtls12';
  readonly contentType: number;
  readonly version: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
  readonly length: number;
  /** The record body (may be shorter than `length` when the datagram was truncated). */
  readonly fragment: Uint8Array;
  /** True when epoch > 0: the body is protected by the negotiated cipher. */
  readonly encrypted: boolean;
  /** Offset of the record header in the decoded buffer (absolute, including `base`). */
  readonly offset: number;
}

/** A DTLS 1.3 record with the unified header (RFC 9147 §4): always ciphertext, decoded as opaque. */
export interface Dtls13CiphertextRecord {
  readonly kind: 'dtls13-ciphertext';
  /** The first byte, 0b001CSLEE. */
  readonly headerByte: number;
  /** C: a connection id is present. */
  readonly connectionIdPresent: boolean;
  /** S: the sequence number field is 16 bits (else 8). */
  readonly sequenceNumberLength: 1 | 2;
  /** L: the length field is present (else the record runs to the end of the datagram). */
  readonly lengthPresent: boolean;
  /** EE: the two low bits of the epoch. */
  readonly epochLowBits: number;
  readonly connectionId: Uint8Array;
  /** The low 8 or 16 bits of the (still encrypted, RFC 9147 §4.2.3) record sequence number. */
  readonly sequenceNumberBits: number;
  readonly length: number;
  readonly encryptedRecord: Uint8Array;
  readonly encrypted: true;
  readonly offset: number;
}

export type AnyDtlsRecord = DtlsRecord | Dtls13CiphertextRecord;

export interface RecordDecodeOptions {
  /** Absolute offset of bytes[0] in the outermost buffer (for field spans). */
  readonly base?: number;
  /** Connection id length negotiated for DTLS 1.3 (RFC 9147 §4: the header does not carry it). Default 0. */
  readonly connectionIdLength?: number;
  /** Record field spans (default true); a packet list needs none. */
  readonly spans?: boolean;
}

const KNOWN_TYPES = new Set<number>(Object.values(ContentType));

/** RFC 9147 §4: a first byte of 0b001xxxxx starts a unified-header (DTLS 1.3 ciphertext) record. */
export function isUnifiedHeader(firstByte: number): boolean {
  return (firstByte & 0xe0) === 0x20;
}

/** Decodes every record in a datagram. Never throws: truncation and oddities become problems. */
export function decodeRecords(bytes: Uint8Array, options: RecordDecodeOptions = {}): Decoded<AnyDtlsRecord[]> {
  const base = options.base ?? 0;
  const records: AnyDtlsRecord[] = [];
  const fields: Field[] = [];
  const problems: Problem[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const r = new Reader(bytes, base, pos, bytes.length, options.spans ?? true);
    const first = bytes[pos]!;
    const rec = isUnifiedHeader(first) ? readUnified(r, options.connectionIdLength ?? 0) : readPlaintext(r);
    fields.push(...r.fields);
    problems.push(...r.problems);
    if (rec) records.push(rec);
    if (r.truncated || !rec || r.pos <= pos) break;
    pos = r.pos;
  }
  return { value: records, fields, problems };
}

function readPlaintext(r: Reader): DtlsRecord | undefined {
  const offset = r.base + r.pos;
  let out: DtlsRecord | undefined;
  r.group(
    'DTLS record',
    () => {
      const typeAt = r.pos;
      const h = RecordHeader.decode(r);
      if (r.truncated) return;
      if (!KNOWN_TYPES.has(h.contentType)) r.problem(`unknown content type ${h.contentType}`, typeAt, 1);
      if (h.version >> 8 !== 0xfe) r.problem(`record version ${versionName(h.version)} is not a DTLS version`, typeAt + 1, 2);
      if (h.length > MAX_RECORD_LENGTH) r.problem(`record length ${h.length} exceeds 2^14 + 2048`, r.pos - 2, 2);
      const encrypted = h.epoch > 0;
      const fragment = r.bytes(h.length, encrypted ? 'encrypted fragment' : 'fragment', (b) => `${b.length} bytes${encrypted ? ' (encrypted)' : ''}`);
      // spelled out in the header's key order, not `{ kind, ...h, … }`: a spread among other properties is V8's slow path
      out = { kind: 'dtls12', contentType: h.contentType, version: h.version, epoch: h.epoch, sequenceNumber: h.sequenceNumber, length: h.length, fragment, encrypted, offset };
    },
    () => (out ? `${contentTypeName(out.contentType)}, epoch ${out.epoch}, seq ${out.sequenceNumber}, ${out.length} bytes${out.encrypted ? ' (encrypted)' : ''}` : 'truncated'),
  );
  return out;
}

function readUnified(r: Reader, cidLength: number): Dtls13CiphertextRecord | undefined {
  const offset = r.base + r.pos;
  let out: Dtls13CiphertextRecord | undefined;
  r.group(
    'DTLS 1.3 record',
    () => {
      const at = r.pos;
      const b = r.u8();
      const c = (b & 0x10) !== 0;
      const s = (b & 0x08) !== 0;
      const l = (b & 0x04) !== 0;
      const ee = b & 0x03;
      r.fieldBits('fixed bits', at, 1, 0, 3, '001');
      r.fieldBits('C (connection id present)', at, 1, 3, 1, c ? '1' : '0');
      r.fieldBits('S (16-bit sequence number)', at, 1, 4, 1, s ? '1' : '0');
      r.fieldBits('L (length present)', at, 1, 5, 1, l ? '1' : '0');
      r.fieldBits('epoch low bits', at, 1, 6, 2, String(ee));
      let connectionId: Uint8Array = new Uint8Array(0);
      if (c) {
        if (cidLength > 0) connectionId = r.bytes(cidLength, 'connection id');
        else r.problem('C bit set but the connection id length is unknown (negotiated out of band)', at, 1);
      }
      const seq = s ? r.u16('sequence number (encrypted)') : r.u8('sequence number (encrypted)');
      const length = l ? r.u16('length') : r.remaining;
      if (r.truncated) return;
      const encryptedRecord = r.bytes(length, 'encrypted record', (v) => `${v.length} bytes`);
      out = {
        kind: 'dtls13-ciphertext',
        headerByte: b,
        connectionIdPresent: c,
        sequenceNumberLength: s ? 2 : 1,
        lengthPresent: l,
        epochLowBits: ee,
        connectionId,
        sequenceNumberBits: seq,
        length,
        encryptedRecord,
        encrypted: true,
        offset,
      };
    },
    () => (out ? `encrypted DTLS 1.3 record, epoch bits ${out.epochLowBits}, seq bits ${out.sequenceNumberBits}, ${out.length} bytes` : 'truncated'),
  );
  return out;
}

export interface RecordInput {
  readonly contentType: number;
  readonly version?: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
  readonly fragment: Uint8Array;
}

/** Encodes one DTLSPlaintext/DTLSCiphertext record (RFC 6347 §4.1); version defaults to DTLS 1.2. */
export function encodeRecord(rec: RecordInput): Uint8Array {
  if (rec.fragment.length > 0xffff) throw new RangeError(`record fragment of ${rec.fragment.length} bytes does not fit in 16 bits`);
  const w = new Writer(RECORD_HEADER_SIZE + rec.fragment.length);
  RecordHeader.encode(w, {
    contentType: rec.contentType,
    version: rec.version ?? 0xfefd,
    epoch: rec.epoch,
    sequenceNumber: rec.sequenceNumber,
    length: rec.fragment.length,
  });
  w.bytes(rec.fragment);
  return w.finish();
}
