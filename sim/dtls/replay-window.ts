/**
 * The DTLS anti-replay window (RFC 6347 §4.1.2.6, after RFC 4303 §3.4.3): a sliding bitmap of the most recently
 * received record sequence numbers of one epoch. A record is checked before it is decrypted and marked only
 * after it authenticates, so a forged record cannot move the window.
 */
export type ReplayCheck = 'ok' | 'duplicate' | 'too-old';

export class DtlsReplayWindow {
  /** Highest sequence number marked so far (-1: none). */
  private highest = -1;
  /** Bit i set: sequence number highest - i was received. */
  private bits = 0n;
  private readonly mask: bigint;

  constructor(readonly size = 64) {
    this.mask = (1n << BigInt(size)) - 1n;
  }

  check(seq: number): ReplayCheck {
    if (seq > this.highest) return 'ok';
    const back = this.highest - seq;
    if (back >= this.size) return 'too-old';
    return (this.bits >> BigInt(back)) & 1n ? 'duplicate' : 'ok';
  }

  mark(seq: number): void {
    if (seq > this.highest) {
      const shift = this.highest < 0 ? this.size : seq - this.highest;
      this.bits = shift >= this.size ? 1n : ((this.bits << BigInt(shift)) | 1n) & this.mask;
      this.highest = seq;
      return;
    }
    const back = this.highest - seq;
    if (back < this.size) this.bits |= 1n << BigInt(back);
  }

  get highestSeq(): number {
    return this.highest;
  }
}
