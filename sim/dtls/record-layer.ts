import { protectRecord, unprotectRecord, type RecordKey } from '../crypto/aead.ts';
import { AES_128_GCM } from '../crypto/prf.ts';
import { encodeRecord, RECORD_HEADER_SIZE, type DtlsRecord } from '../wire/dtls/record.ts';
import { DtlsReplayWindow } from './replay-window.ts';

/**
 * The record layer of one DTLS 1.2 association (RFC 6347 §4.1): per-epoch write sequence numbers, the keys of
 * each epoch, and per-epoch anti-replay windows on the read side. Epoch 0 is plaintext; epoch 1 is protected with
 * AES-128-GCM (RFC 5288). Nothing here throws on input: a record that fails is a result with a reason.
 */

export const DTLS_1_2 = 0xfefd;
export const DTLS_1_0 = 0xfeff;

/** Bytes a record of this epoch adds around its plaintext: header, and for epoch > 0 explicit nonce and tag. */
export function recordOverhead(epoch: number): number {
  return RECORD_HEADER_SIZE + (epoch > 0 ? AES_128_GCM.recordIvLength + AES_128_GCM.tagLength : 0);
}

export type OpenResult =
  | { readonly ok: true; readonly plaintext: Uint8Array }
  | { readonly ok: false; readonly reason: 'replay' | 'too-old' | 'no-keys' | 'bad-mac'; readonly message: string };

export class RecordLayer {
  writeEpoch = 0;
  private readonly writeSeq = new Map<number, number>();
  private readonly writeKeys = new Map<number, RecordKey>();
  private readonly readKeys = new Map<number, RecordKey>();
  private readonly windows = new Map<number, DtlsReplayWindow>();
  /** The highest epoch the peer may now send in (raised by its ChangeCipherSpec). */
  readEpoch = 0;

  installKeys(epoch: number, write: RecordKey, read: RecordKey): void {
    this.writeKeys.set(epoch, write);
    this.readKeys.set(epoch, read);
  }

  /** The next write sequence number of `epoch` will be at least `seq` (RFC 6347 §4.2.1, HelloVerifyRequest). */
  reserveSequence(epoch: number, seq: number): void {
    this.writeSeq.set(epoch, Math.max(this.writeSeq.get(epoch) ?? 0, seq));
  }

  /** One record, sealed with the keys of `epoch` and the next sequence number of that epoch (RFC 6347 §4.1). */
  seal(contentType: number, epoch: number, plaintext: Uint8Array, version = DTLS_1_2): Uint8Array {
    const sequenceNumber = this.writeSeq.get(epoch) ?? 0;
    if (sequenceNumber >= 2 ** 48) throw new RangeError(`DTLS epoch ${epoch} has used up its 48-bit sequence numbers`);
    this.writeSeq.set(epoch, sequenceNumber + 1);
    let fragment = plaintext;
    if (epoch > 0) {
      const key = this.writeKeys.get(epoch);
      if (!key) throw new Error(`no write keys for epoch ${epoch}`);
      fragment = protectRecord(key, { contentType, version, epoch, sequenceNumber }, plaintext);
    }
    return encodeRecord({ contentType, version, epoch, sequenceNumber, fragment });
  }

  /** Checks the replay window, then authenticates and decrypts; marks the window only for records that pass. */
  open(rec: DtlsRecord): OpenResult {
    if (rec.epoch > this.readEpoch || (rec.epoch > 0 && !this.readKeys.has(rec.epoch))) {
      return { ok: false, reason: 'no-keys', message: `record of epoch ${rec.epoch} arrived before the peer's ChangeCipherSpec` };
    }
    let window = this.windows.get(rec.epoch);
    if (!window) {
      window = new DtlsReplayWindow();
      this.windows.set(rec.epoch, window);
    }
    // RFC 6347 §4.1.2.6: duplicates and records left of the window are discarded before decryption.
    const verdict = window.check(rec.sequenceNumber);
    if (verdict !== 'ok') {
      return {
        ok: false,
        reason: verdict === 'duplicate' ? 'replay' : 'too-old',
        message: `epoch ${rec.epoch} record ${rec.sequenceNumber} ${verdict === 'duplicate' ? 'was already received (replay)' : 'is older than the replay window'}`,
      };
    }
    let plaintext = rec.fragment;
    if (rec.epoch > 0) {
      const key = this.readKeys.get(rec.epoch)!;
      const r = unprotectRecord(key, rec, rec.fragment);
      // RFC 6347 §4.1.2.7: a record that fails authentication is silently discarded.
      if (!r.ok) return { ok: false, reason: 'bad-mac', message: r.error };
      plaintext = r.plaintext;
    }
    window.mark(rec.sequenceNumber);
    return { ok: true, plaintext };
  }

  /** The next sequence number `seal` would use in an epoch (for tests and panels). */
  nextSequence(epoch: number): number {
    return this.writeSeq.get(epoch) ?? 0;
  }
}

/** Packs whole records into datagrams of at most `mtu` bytes, in order (RFC 6347 §4.1.1: records never span datagrams). */
export function packDatagrams(records: readonly Uint8Array[], mtu: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cur: Uint8Array[] = [];
  let size = 0;
  const flush = (): void => {
    if (cur.length === 0) return;
    const d = new Uint8Array(size);
    let o = 0;
    for (const r of cur) {
      d.set(r, o);
      o += r.length;
    }
    out.push(d);
    cur = [];
    size = 0;
  };
  for (const r of records) {
    if (size + r.length > mtu) flush();
    cur.push(r);
    size += r.length;
  }
  flush();
  return out;
}
