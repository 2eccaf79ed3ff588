import { protectRecord, unprotectRecord, type RecordKey } from '../crypto/aead.ts';
import { TAG_LENGTH, encodeInnerPlaintext, openRecord13, parseInnerPlaintext, sealRecord13 } from '../crypto/tls13-record.ts';
import type { Tls13Suite, TrafficKeys } from '../crypto/tls13-schedule.ts';
import type { AlertDescriptionName } from '../wire/handshake/names.ts';
import { ContentType } from '../wire/handshake/names.ts';
import { TLS_RECORD_HEADER_SIZE, encodeTlsRecord } from '../wire/tls/record.ts';

/**
 * The TLS record layer of one connection (RFC 8446 §5, RFC 5246 §6.2): cutting the incoming byte stream into
 * records (a record may straddle reads, a read may hold many records), and protecting and opening them with the
 * keys of each direction. Sequence numbers restart at 0 with each new key (RFC 8446 §5.3).
 */

export type Protection =
  | { readonly kind: 'none' }
  /** RFC 8446 §5.2: AEAD over TLSInnerPlaintext, the outer type always application_data. */
  | { readonly kind: 'tls13'; readonly suite: Tls13Suite; readonly keys: TrafficKeys }
  /** RFC 5288 §3 AES-GCM with an 8-byte explicit nonce (the sequence number). */
  | { readonly kind: 'tls12'; readonly key: RecordKey };

export const NO_PROTECTION: Protection = { kind: 'none' };

/** RFC 8446 §5.1: TLSPlaintext.length ≤ 2^14; RFC 8446 §5.2: TLSCiphertext.length ≤ 2^14 + 256. */
export const MAX_PLAINTEXT = 16384;
const MAX_CIPHERTEXT_13 = 16384 + 256;
const MAX_CIPHERTEXT_12 = 16384 + 2048;

/** A record read from the stream, not yet opened. */
export interface RawRecord {
  readonly type: number;
  readonly version: number;
  readonly header: Uint8Array;
  readonly fragment: Uint8Array;
}

export type ReadResult =
  | { readonly status: 'record'; readonly record: RawRecord }
  | { readonly status: 'need-more' }
  | { readonly status: 'error'; readonly alert: AlertDescriptionName; readonly error: string };

export type OpenResult =
  | { readonly ok: true; readonly type: number; readonly content: Uint8Array }
  | { readonly ok: false; readonly alert: AlertDescriptionName; readonly error: string };

const KNOWN_TYPES = new Set<number>([ContentType.change_cipher_spec, ContentType.alert, ContentType.handshake, ContentType.application_data]);

/** Joins reads and gives back whole records; holds at most one partial record plus the last read (amortized copying). */
export class RecordReader {
  private buf = new Uint8Array(1024);
  private start = 0;
  private end = 0;

  push(bytes: Uint8Array): void {
    if (this.end + bytes.length > this.buf.length) {
      const live = this.end - this.start;
      const next = live + bytes.length > this.buf.length / 2 ? new Uint8Array(Math.max(this.buf.length * 2, live + bytes.length)) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  get buffered(): number {
    return this.end - this.start;
  }

  next(): ReadResult {
    if (this.buffered < TLS_RECORD_HEADER_SIZE) return { status: 'need-more' };
    const b = this.buf;
    const at = this.start;
    const type = b[at]!;
    const version = (b[at + 1]! << 8) | b[at + 2]!;
    const length = (b[at + 3]! << 8) | b[at + 4]!;
    // RFC 8446 §5: an unknown record type is unexpected_message; the version is otherwise ignored (§5.1), but a
    // major version other than 3 is not TLS at all.
    if (!KNOWN_TYPES.has(type)) return { status: 'error', alert: 'unexpected_message', error: `record content type ${type} is not a TLS content type (RFC 8446 §5)` };
    if (b[at + 1] !== 0x03) return { status: 'error', alert: 'decode_error', error: `record version 0x${version.toString(16).padStart(4, '0')} is not TLS (RFC 8446 §5.1)` };
    if (length > MAX_CIPHERTEXT_12) return { status: 'error', alert: 'record_overflow', error: `record length ${length} exceeds 2^14 + 2048 (RFC 5246 §6.2.3)` };
    if (this.buffered < TLS_RECORD_HEADER_SIZE + length) return { status: 'need-more' };
    const header = b.slice(at, at + TLS_RECORD_HEADER_SIZE);
    const fragment = b.slice(at + TLS_RECORD_HEADER_SIZE, at + TLS_RECORD_HEADER_SIZE + length);
    this.start += TLS_RECORD_HEADER_SIZE + length;
    if (this.start === this.end) this.start = this.end = 0;
    return { status: 'record', record: { type, version, header, fragment } };
  }
}

/** One direction's protection and sequence number. */
export class RecordDirection {
  private protection: Protection = NO_PROTECTION;
  private seq = 0n;

  get kind(): Protection['kind'] {
    return this.protection.kind;
  }

  set(p: Protection): void {
    this.protection = p;
    this.seq = 0n;
  }

  /**
   * Protects `content` of `type`, cut into records of at most `maxFragment` bytes (RFC 8446 §5.1: handshake
   * messages may be fragmented across records and coalesced into one). `version` is the legacy_record_version.
   */
  seal(type: number, content: Uint8Array, maxFragment: number, version = 0x0303): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    do {
      const piece = content.subarray(at, Math.min(content.length, at + maxFragment));
      at += piece.length;
      out.push(this.sealOne(type, piece, version));
    } while (at < content.length);
    return out;
  }

  private sealOne(type: number, content: Uint8Array, version: number): Uint8Array {
    const p = this.protection;
    const seq = this.seq;
    if (p.kind === 'none') return encodeTlsRecord({ contentType: type, version, fragment: content });
    this.seq += 1n;
    if (p.kind === 'tls13') {
      const inner = encodeInnerPlaintext(content, type);
      const length = inner.length + TAG_LENGTH;
      const aad = new Uint8Array([ContentType.application_data, 0x03, 0x03, length >> 8, length & 0xff]);
      return encodeTlsRecord({ contentType: ContentType.application_data, fragment: sealRecord13(p.suite, p.keys, seq, aad, inner) });
    }
    const fragment = protectRecord(p.key, { contentType: type, version: 0x0303, epoch: 0, sequenceNumber: Number(seq) }, content);
    return encodeTlsRecord({ contentType: type, fragment });
  }

  /**
   * Opens a record under this direction's protection. Under TLS 1.3 keys only application_data records are
   * protected; the caller deals with the plaintext ChangeCipherSpec allowed during the handshake.
   */
  open(r: RawRecord): OpenResult {
    const p = this.protection;
    if (p.kind === 'none') {
      if (r.fragment.length > MAX_PLAINTEXT) return { ok: false, alert: 'record_overflow', error: `plaintext record of ${r.fragment.length} bytes exceeds 2^14 (RFC 8446 §5.1)` };
      return { ok: true, type: r.type, content: r.fragment };
    }
    if (p.kind === 'tls13') {
      if (r.fragment.length > MAX_CIPHERTEXT_13) return { ok: false, alert: 'record_overflow', error: `protected record of ${r.fragment.length} bytes exceeds 2^14 + 256 (RFC 8446 §5.2)` };
      const opened = openRecord13(p.suite, p.keys, this.seq, r.header, r.fragment);
      if (!opened.ok) return { ok: false, alert: 'bad_record_mac', error: opened.error };
      this.seq += 1n;
      const inner = parseInnerPlaintext(opened.inner);
      if (inner.contentType === 0) return { ok: false, alert: 'unexpected_message', error: 'TLSInnerPlaintext without a content type (all zeros, RFC 8446 §5.4)' };
      if (inner.content.length > MAX_PLAINTEXT) return { ok: false, alert: 'record_overflow', error: `inner plaintext of ${inner.content.length} bytes exceeds 2^14 (RFC 8446 §5.2)` };
      return { ok: true, type: inner.contentType, content: inner.content };
    }
    const opened = unprotectRecord(p.key, { contentType: r.type, version: r.version, epoch: 0, sequenceNumber: Number(this.seq) }, r.fragment);
    if (!opened.ok) return { ok: false, alert: 'bad_record_mac', error: opened.error };
    this.seq += 1n;
    if (opened.plaintext.length > MAX_PLAINTEXT) return { ok: false, alert: 'record_overflow', error: `plaintext of ${opened.plaintext.length} bytes exceeds 2^14 (RFC 5246 §6.2.1)` };
    return { ok: true, type: r.type, content: opened.plaintext };
  }
}
