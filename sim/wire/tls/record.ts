import type { Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { hex, struct, uint } from '../struct.ts';
import { Writer } from '../writer.ts';
import { ContentType, contentTypeName, versionName } from '../handshake/names.ts';

/**
 * The TLS record layer over a byte stream (RFC 5246 §6.2.1, RFC 8446 §5.1): type(1) legacy_record_version(2)
 * length(2), then the fragment. Records follow one another in the TCP stream and may straddle segments, so the
 * decoder reads one record at the start of a buffer and says how many bytes it needs when the buffer is short.
 */

export const TlsRecordHeader = struct('TLS record header', [
  uint('contentType', 8, (v) => contentTypeName(v)),
  uint('version', 16, (v) => `${versionName(v)} (${hex(4)(v)})`),
  uint('length', 16),
]);
export const TLS_RECORD_HEADER_SIZE = TlsRecordHeader.size; // 5

/** RFC 5246 §6.2.3: TLSCiphertext.length ≤ 2^14 + 2048 (RFC 8446 §5.2 lowers it to 2^14 + 256 for TLS 1.3). */
export const MAX_TLS_RECORD_LENGTH = 16384 + 2048;

export interface TlsRecord {
  readonly contentType: number;
  /** legacy_record_version: 0x0301 on a first ClientHello, 0x0303 after (RFC 8446 §5.1). */
  readonly version: number;
  readonly length: number;
  readonly fragment: Uint8Array;
  /** Absolute offset of the header (including `base`). */
  readonly offset: number;
}

export type TlsRecordDecoded =
  | { readonly status: 'incomplete'; readonly need: number }
  | { readonly status: 'ok'; readonly length: number; readonly value: TlsRecord; readonly fields: Field[]; readonly problems: Problem[] }
  | { readonly status: 'invalid'; readonly problems: Problem[] };

const KNOWN_TYPES = new Set<number>([ContentType.change_cipher_spec, ContentType.alert, ContentType.handshake, ContentType.application_data, ContentType.heartbeat]);

/**
 * A TLS stream starts with a handshake record of a TLS version: 0x16 0x03 0x00–0x04 (RFC 8446 §5.1: a ClientHello's
 * record version may be 0x0301 for compatibility). Content that starts this way is TLS, not HTTP or STUN.
 */
export function looksLikeTls(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === ContentType.handshake && b[1] === 0x03 && b[2]! <= 0x04;
}

/** Reads the record at the start of `bytes` (which sits at `base` in the packet or stream). Never throws. */
export function decodeTlsRecord(bytes: Uint8Array, base = 0, spans = true): TlsRecordDecoded {
  if (bytes.length < TLS_RECORD_HEADER_SIZE) return { status: 'incomplete', need: TLS_RECORD_HEADER_SIZE };
  const type = bytes[0]!;
  const length = (bytes[3]! << 8) | bytes[4]!;
  if (!KNOWN_TYPES.has(type) || bytes[1] !== 0x03) {
    return { status: 'invalid', problems: [{ offset: base, length: Math.min(3, bytes.length), message: `not a TLS record: content type ${type}, version 0x${((bytes[1]! << 8) | bytes[2]!).toString(16).padStart(4, '0')} (RFC 8446 §5.1)` }] };
  }
  if (length > MAX_TLS_RECORD_LENGTH) {
    return { status: 'invalid', problems: [{ offset: base + 3, length: 2, message: `record length ${length} exceeds 2^14 + 2048 (RFC 5246 §6.2.3): not a TLS record` }] };
  }
  if (bytes.length < TLS_RECORD_HEADER_SIZE + length) return { status: 'incomplete', need: TLS_RECORD_HEADER_SIZE + length };
  const r = new Reader(bytes, base, 0, TLS_RECORD_HEADER_SIZE + length, spans);
  let value: TlsRecord | undefined;
  r.group(
    'TLS record',
    () => {
      const h = TlsRecordHeader.decode(r);
      const fragment = r.bytes(h.length, 'fragment', (b) => `${b.length} bytes`);
      value = { ...h, fragment, offset: base };
    },
    () => `${contentTypeName(type)}, ${length} bytes`,
  );
  if (!value) return { status: 'invalid', problems: r.problems };
  return { status: 'ok', length: TLS_RECORD_HEADER_SIZE + length, value, fields: r.fields, problems: r.problems };
}

export interface TlsRecordInput {
  readonly contentType: number;
  /** Default 0x0303 (RFC 8446 §5.1: legacy_record_version). */
  readonly version?: number;
  readonly fragment: Uint8Array;
}

export function encodeTlsRecord(rec: TlsRecordInput): Uint8Array {
  if (rec.fragment.length > 0xffff) throw new RangeError(`TLS record fragment of ${rec.fragment.length} bytes does not fit in 16 bits`);
  const w = new Writer(TLS_RECORD_HEADER_SIZE + rec.fragment.length);
  TlsRecordHeader.encode(w, { contentType: rec.contentType, version: rec.version ?? 0x0303, length: rec.fragment.length });
  w.bytes(rec.fragment);
  return w.finish();
}
