import { concatBytes } from '../core/encoding.ts';
import type { Decoded } from '../wire/field.ts';
import { Reader } from '../wire/reader.ts';
import { HandshakeHeader, fragmentOf, type HandshakeFragment } from '../wire/dtls/handshake.ts';
import { handshakeTypeName } from '../wire/handshake/names.ts';
import type { Dtls13CiphertextRecord } from '../wire/dtls/record.ts';
import { decodeTlsHandshakeBody, type TlsHandshakeBody } from '../wire/tls/handshake.ts';
import { openRecord13, parseInnerPlaintext, recordNumberMask } from '../crypto/tls13-record.ts';
import type { Tls13Suite } from '../crypto/tls13-schedule.ts';
import type { KeyStore } from './key-store.ts';
import { cipher13, type Cipher13, type Role } from './tls-keys.ts';

/**
 * DTLS 1.3 record decryption (RFC 9147) from the TLS 1.3 secrets of a key log: record number encryption removed
 * (§4.2.3), the full sequence number reconstructed (§4.2.2), the epoch taken from its two low bits (2 = handshake,
 * 3 = application traffic, §6.1), then the AEAD opened with the TLS 1.3 nonce (§4: the 64-bit sequence number,
 * epoch not included) and the unified header as additional data.
 */

export type Open13 =
  | { readonly ok: true; readonly epoch: number; readonly seq: number; readonly contentType: number; readonly content: Uint8Array }
  | { readonly ok: false; readonly epoch: number; readonly error: string; readonly noKey?: boolean };

interface EpochState {
  readonly cipher: Cipher13;
  /** Highest sequence number opened in this epoch (−1 before the first). */
  highest: number;
}

export class Dtls13Keys {
  private readonly epochs = new Map<string, EpochState | null>();

  constructor(
    private readonly keys: KeyStore,
    readonly suite: Tls13Suite,
    private readonly clientRandom: Uint8Array,
  ) {}

  /** Whether the key log has this connection's handshake secrets at all. */
  get available(): boolean {
    return this.state('client', 2) !== undefined || this.state('server', 2) !== undefined;
  }

  /** The sender's handshake traffic secret: the base key of its Finished (RFC 8446 §4.4.4). */
  handshakeSecret(role: Role): Uint8Array | undefined {
    return this.state(role, 2)?.cipher.secret;
  }

  private state(role: Role, epoch: number): EpochState | undefined {
    const key = `${role} ${epoch}`;
    let s = this.epochs.get(key);
    if (s === undefined) {
      const phase = epoch === 2 ? 'handshake' : epoch === 3 ? 'application' : undefined;
      const c = phase ? cipher13(this.keys, this.suite, this.clientRandom, role, phase, 'dtls13') : undefined;
      s = c ? { cipher: c, highest: -1 } : null;
      this.epochs.set(key, s);
    }
    return s ?? undefined;
  }

  /** Opens one unified-header record sent by `role`. Never throws. */
  open(role: Role, rec: Dtls13CiphertextRecord): Open13 {
    // RFC 9147 §6.1: epochs 0–3 are plaintext, early data, handshake and the first application keys
    const epoch = rec.epochLowBits;
    const s = this.state(role, epoch);
    if (!s) return { ok: false, epoch, error: epoch < 2 ? `epoch ${epoch} (early data) is not decrypted here` : `no ${role} secret for epoch ${epoch} in the key log`, noKey: epoch >= 2 };
    const { cipher } = s;
    const mask = recordNumberMask(cipher.suite, cipher.keys.snKey!, rec.encryptedRecord);
    if (!mask) return { ok: false, epoch, error: `encrypted record of ${rec.encryptedRecord.length} bytes is shorter than the 16-byte sample (RFC 9147 §4.2.3)` };
    const bits = rec.sequenceNumberLength * 8;
    const maskBits = rec.sequenceNumberLength === 2 ? (mask[0]! << 8) | mask[1]! : mask[0]!;
    const low = rec.sequenceNumberBits ^ maskBits;
    const seq = reconstruct(s.highest + 1, low, bits);
    const r = openRecord13(cipher.suite, cipher.keys, BigInt(seq), unifiedHeader(rec, low), rec.encryptedRecord);
    if (!r.ok) return { ok: false, epoch, error: r.error };
    if (seq > s.highest) s.highest = seq;
    const inner = parseInnerPlaintext(r.inner);
    if (inner.contentType === 0) return { ok: false, epoch, error: 'inner plaintext has no non-zero content type (RFC 8446 §5.4)' };
    return { ok: true, epoch, seq, contentType: inner.contentType, content: inner.content };
  }
}

/** RFC 9147 §4.2.2: the sequence number with these low bits closest to the one expected next. */
export function reconstruct(expected: number, low: number, bits: number): number {
  const window = 2 ** bits;
  const base = expected - (expected % window);
  let best = base + low;
  for (const c of [base - window + low, base + window + low]) if (c >= 0 && Math.abs(c - expected) < Math.abs(best - expected)) best = c;
  return best;
}

/** The unified header as the AAD (RFC 9147 §4): the wire header with the sequence number before its encryption. */
function unifiedHeader(rec: Dtls13CiphertextRecord, seqBits: number): Uint8Array {
  const seq = rec.sequenceNumberLength === 2 ? [seqBits >> 8, seqBits & 0xff] : [seqBits];
  const len = rec.lengthPresent ? [rec.length >> 8, rec.length & 0xff] : [];
  return concatBytes(new Uint8Array([rec.headerByte]), rec.connectionId, new Uint8Array([...seq, ...len]));
}

/** TLS-style header + body: what the DTLS 1.3 transcript covers (RFC 9147 §5.2). */
export function tlsStyleMessage(msgType: number, body: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([msgType, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]), body);
}

/**
 * Handshake fragments of a decrypted DTLS 1.3 record (the 12-byte DTLS header, RFC 9147 §5.2) with the bodies in
 * their TLS 1.3 forms (EncryptedExtensions, Certificate with a request context …).
 */
export function decodeHandshakeFragments13(bytes: Uint8Array, spans = true): Decoded<{ fragment: HandshakeFragment; body?: TlsHandshakeBody }[]> {
  const r = new Reader(bytes, 0, 0, bytes.length, spans);
  const out: { fragment: HandshakeFragment; body?: TlsHandshakeBody }[] = [];
  while (r.remaining > 0 && !r.truncated) {
    const offset = r.pos;
    const item = r.group(
      'handshake',
      () => {
        const h = HandshakeHeader.decode(r);
        if (r.truncated) return undefined;
        const at = r.pos;
        const fragment = r.bytes(h.fragmentLength);
        const f = fragmentOf(h, fragment, offset);
        if (h.fragmentOffset !== 0 || h.fragmentLength !== h.length || fragment.length !== h.length) return { fragment: f };
        const b = decodeTlsHandshakeBody(h.msgType, fragment, at, { variant: 'dtls', tls13: true, spans });
        r.adopt(b.fields, b.problems);
        return { fragment: f, body: b.value };
      },
      (v) => (v ? `${handshakeTypeName(v.fragment.msgType)}, seq ${v.fragment.messageSeq}` : 'truncated'),
    );
    if (!item) break;
    out.push(item);
  }
  return { value: out, fields: r.fields, problems: r.problems };
}

/** RFC 9147 §7: ACK { RecordNumber record_numbers<2..2^16-2> }, RecordNumber { uint64 epoch; uint64 sequence_number }. */
export function decodeAck(bytes: Uint8Array, spans = true): Decoded<{ epoch: bigint; seq: bigint }[]> {
  const r = new Reader(bytes, 0, 0, bytes.length, spans);
  const out: { epoch: bigint; seq: bigint }[] = [];
  const len = r.u16('record_numbers length');
  const end = Math.min(r.pos + len, r.end);
  while (r.pos + 16 <= end && !r.truncated) {
    out.push(r.group('RecordNumber', () => ({ epoch: r.u64('epoch'), seq: r.u64('sequence_number') }), (v) => `epoch ${v.epoch}, seq ${v.seq}`));
  }
  if (len % 16 !== 0) r.problem(`record_numbers length ${len} is not a multiple of 16 (RFC 9147 §7)`, 0, 2);
  return { value: out, fields: r.fields, problems: r.problems };
}
