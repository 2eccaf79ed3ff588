import { openRecord13, parseInnerPlaintext, recordNumberMask, sealRecord13, encodeInnerPlaintext, TAG_LENGTH } from '../../crypto/tls13-record.ts';
import type { Tls13Suite, TrafficKeys } from '../../crypto/tls13-schedule.ts';
import { encodeRecord, RECORD_HEADER_SIZE, type AnyDtlsRecord } from '../../wire/dtls/record.ts';
import { DtlsReplayWindow } from '../replay-window.ts';

/**
 * The DTLS 1.3 record layer (RFC 9147 §4): epoch 0 in DTLSPlaintext records (the 13-byte header of DTLS 1.2),
 * epochs 2 (handshake) and 3 (application) in DTLSCiphertext records with the unified header, here always
 * 0b001_0_1_1_EE (no connection id, 16-bit sequence number, length present), sealed with the TLS 1.3 AEAD (nonce
 * from the epoch's 64-bit sequence number, the header as additional data) and then the sequence number hidden with
 * the sn_key mask (§4.2.3). Opening reconstructs the full number (§4.2.2), checks the epoch's replay window before
 * the AEAD and marks it only after. Nothing here throws on input.
 */

export const DTLS13_LEGACY_VERSION = 0xfefd;
/** Unified header (5 bytes), the inner content type (1) and the AEAD tag (16). */
export const CIPHERTEXT_OVERHEAD = 5 + 1 + TAG_LENGTH;

export function recordOverhead13(epoch: number): number {
  return epoch === 0 ? RECORD_HEADER_SIZE : CIPHERTEXT_OVERHEAD;
}

export interface Opened13 {
  readonly ok: true;
  readonly epoch: number;
  readonly seq: number;
  readonly contentType: number;
  readonly content: Uint8Array;
}

export type Open13 = Opened13 | { readonly ok: false; readonly reason: 'replay' | 'too-old' | 'no-keys' | 'bad-mac' | 'connection-id' | 'bad-record'; readonly message: string };

interface Keys {
  readonly suite: Tls13Suite;
  readonly keys: TrafficKeys;
}

/** RFC 9147 §4.2.2: the sequence number with these low bits closest to the one expected next. */
export function reconstructSequence(expected: number, low: number, bits: number): number {
  const window = 2 ** bits;
  const base = expected - (expected % window);
  let best = base + low;
  for (const c of [base - window + low, base + window + low]) if (c >= 0 && Math.abs(c - expected) < Math.abs(best - expected)) best = c;
  return best;
}

export class RecordLayer13 {
  private readonly writeSeq = new Map<number, number>();
  private readonly writeKeys = new Map<number, Keys>();
  private readonly readKeys = new Map<number, Keys>();
  private readonly windows = new Map<number, DtlsReplayWindow>();

  installWrite(epoch: number, suite: Tls13Suite, keys: TrafficKeys): void {
    this.writeKeys.set(epoch, { suite, keys });
  }

  installRead(epoch: number, suite: Tls13Suite, keys: TrafficKeys): void {
    this.readKeys.set(epoch, { suite, keys });
  }

  hasWrite(epoch: number): boolean {
    return epoch === 0 || this.writeKeys.has(epoch);
  }

  /** The next write sequence number of `epoch` will be at least `seq` (a stateless HelloRetryRequest copies the ClientHello's). */
  reserveSequence(epoch: number, seq: number): void {
    this.writeSeq.set(epoch, Math.max(this.writeSeq.get(epoch) ?? 0, seq));
  }

  nextSequence(epoch: number): number {
    return this.writeSeq.get(epoch) ?? 0;
  }

  /** One record of `epoch` with the epoch's next sequence number; returns the bytes and that number (for ACKs). */
  seal(contentType: number, epoch: number, content: Uint8Array, seqOverride?: number): { bytes: Uint8Array; seq: number } {
    const seq = seqOverride ?? this.writeSeq.get(epoch) ?? 0;
    if (seqOverride === undefined) this.writeSeq.set(epoch, seq + 1);
    if (epoch === 0) return { bytes: encodeRecord({ contentType, version: DTLS13_LEGACY_VERSION, epoch: 0, sequenceNumber: seq, fragment: content }), seq };
    const k = this.writeKeys.get(epoch);
    if (!k) throw new Error(`DTLS 1.3: no write keys for epoch ${epoch}`);
    const inner = encodeInnerPlaintext(content, contentType);
    const length = inner.length + TAG_LENGTH;
    // RFC 9147 §4: 0b001 C=0 S=1 L=1 and the epoch's two low bits
    const header = new Uint8Array([0x2c | (epoch & 3), (seq >> 8) & 0xff, seq & 0xff, length >> 8, length & 0xff]);
    const ct = sealRecord13(k.suite, k.keys, BigInt(seq), header, inner);
    const mask = recordNumberMask(k.suite, k.keys.snKey!, ct)!;
    header[1]! ^= mask[0]!;
    header[2]! ^= mask[1]!;
    const out = new Uint8Array(header.length + ct.length);
    out.set(header, 0);
    out.set(ct, header.length);
    return { bytes: out, seq };
  }

  private window(epoch: number): DtlsReplayWindow {
    let w = this.windows.get(epoch);
    if (!w) this.windows.set(epoch, (w = new DtlsReplayWindow()));
    return w;
  }

  /** Opens a record decoded by sim/wire/dtls/record.ts. */
  open(rec: AnyDtlsRecord): Open13 {
    if (rec.kind === 'dtls12') {
      if (rec.epoch !== 0) return { ok: false, reason: 'bad-record', message: `a DTLSPlaintext-format record of epoch ${rec.epoch} (DTLS 1.3 protects every epoch > 0 with the unified header, RFC 9147 §4)` };
      const w = this.window(0);
      const v = w.check(rec.sequenceNumber);
      if (v !== 'ok') return { ok: false, reason: v === 'duplicate' ? 'replay' : 'too-old', message: `epoch 0 record ${rec.sequenceNumber} ${v}` };
      w.mark(rec.sequenceNumber);
      return { ok: true, epoch: 0, seq: rec.sequenceNumber, contentType: rec.contentType, content: rec.fragment };
    }
    if (rec.connectionIdPresent) return { ok: false, reason: 'connection-id', message: 'a record with a connection id, none was negotiated (RFC 9146)' };
    // RFC 9147 §6.1: without KeyUpdate the low bits 2 and 3 are epochs 2 and 3; 0 and 1 would be 4 and 5 (or early data)
    const epoch = rec.epochLowBits;
    const k = this.readKeys.get(epoch);
    if (!k) return { ok: false, reason: 'no-keys', message: `a record of epoch ${epoch} before its keys` };
    const mask = recordNumberMask(k.suite, k.keys.snKey!, rec.encryptedRecord);
    if (!mask) return { ok: false, reason: 'bad-record', message: `encrypted record of ${rec.encryptedRecord.length} bytes is shorter than the 16-byte sample (RFC 9147 §4.2.3)` };
    const bits = rec.sequenceNumberLength * 8;
    const low = rec.sequenceNumberBits ^ (rec.sequenceNumberLength === 2 ? (mask[0]! << 8) | mask[1]! : mask[0]!);
    const w = this.window(epoch);
    const seq = reconstructSequence(w.highestSeq + 1, low, bits);
    const v = w.check(seq);
    if (v !== 'ok') return { ok: false, reason: v === 'duplicate' ? 'replay' : 'too-old', message: `epoch ${epoch} record ${seq} ${v}` };
    const seqBytes = rec.sequenceNumberLength === 2 ? [low >> 8, low & 0xff] : [low];
    const lenBytes = rec.lengthPresent ? [rec.length >> 8, rec.length & 0xff] : [];
    const aad = new Uint8Array([rec.headerByte, ...seqBytes, ...lenBytes]);
    const r = openRecord13(k.suite, k.keys, BigInt(seq), aad, rec.encryptedRecord);
    // RFC 9147 §4.5.2: a record that fails to deprotect is silently discarded
    if (!r.ok) return { ok: false, reason: 'bad-mac', message: r.error };
    const inner = parseInnerPlaintext(r.inner);
    if (inner.contentType === 0) return { ok: false, reason: 'bad-record', message: 'inner plaintext without a content type (RFC 8446 §5.4)' };
    w.mark(seq);
    return { ok: true, epoch, seq, contentType: inner.contentType, content: inner.content };
  }
}
