import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax } from './seq.ts';

export interface SackBlock {
  readonly left: number;
  readonly right: number;
}

/**
 * The sender's SACK scoreboard (RFC 6675 §3): which bytes above SND.UNA the receiver says it holds. It finds the
 * next hole worth retransmitting during recovery: one with at least DupThresh segments SACKed above it (IsLost,
 * RFC 6675 §4), above what this recovery already retransmitted (HighRxt).
 */
export class SackScoreboard {
  /** SACKed ranges, sorted and merged. */
  private blocks: SackBlock[] = [];
  /** RFC 6675 HighRxt: the end of the last hole retransmitted in this recovery (unset: SND.UNA). */
  highRxt: number | undefined;

  /** Takes the SACK blocks of an ACK; only those inside (SND.UNA, SND.MAX] count (RFC 2018 §4 allows stale ones). */
  update(blocks: readonly SackBlock[], sndUna: number, sndMax: number): void {
    for (const b of blocks) {
      if (!seqLt(b.left, b.right) || seqLe(b.right, sndUna) || seqGt(b.right, sndMax)) continue;
      this.add({ left: seqMax(b.left, sndUna), right: b.right });
    }
  }

  private add(b: SackBlock): void {
    let { left, right } = b;
    const keep: SackBlock[] = [];
    for (const x of this.blocks) {
      if (seqLt(x.right, left) || seqGt(x.left, right)) keep.push(x);
      else {
        if (seqLt(x.left, left)) left = x.left;
        if (seqGt(x.right, right)) right = x.right;
      }
    }
    keep.push({ left, right });
    keep.sort((p, q) => seqDiff(p.left, q.left));
    this.blocks = keep;
  }

  /** Forgets what the cumulative ACK now covers. */
  prune(sndUna: number): void {
    this.blocks = this.blocks.filter((b) => seqGt(b.right, sndUna)).map((b) => (seqLt(b.left, sndUna) ? { left: sndUna, right: b.right } : b));
  }

  clear(): void {
    this.blocks = [];
    this.highRxt = undefined;
  }

  get empty(): boolean {
    return this.blocks.length === 0;
  }

  /** Bytes SACKed at or above `seq`. */
  sackedAbove(seq: number): number {
    let n = 0;
    for (const b of this.blocks) if (seqGt(b.right, seq)) n += seqDiff(b.right, seqMax(b.left, seq));
    return n;
  }

  /**
   * The next lost hole from max(SND.UNA, HighRxt): [seq, seq + len) with len ≤ mss, or undefined when there is
   * none that IsLost says is lost (RFC 6675 §4, NextSeg rule 1).
   */
  nextHole(sndUna: number, mss: number, dupThresh = 3): { seq: number; len: number } | undefined {
    let seq = this.highRxt !== undefined && seqGt(this.highRxt, sndUna) ? this.highRxt : sndUna;
    for (const b of this.blocks) {
      if (seqLe(b.right, seq)) continue;
      if (seqLt(seq, b.left)) {
        if (this.sackedAbove(b.left) < dupThresh * mss) return undefined;
        return { seq, len: Math.min(mss, seqDiff(b.left, seq)) };
      }
      seq = b.right;
    }
    return undefined;
  }

  /** Records a retransmission of [seq, seq + len). */
  retransmitted(seq: number, len: number): void {
    const end = seqAdd(seq, len);
    this.highRxt = this.highRxt === undefined ? end : seqMax(this.highRxt, end);
  }

  /** For tests and panels. */
  ranges(): readonly SackBlock[] {
    return this.blocks;
  }

  /** Whether `seq` is inside a SACKed range. */
  covers(seq: number): boolean {
    return this.blocks.some((b) => seqGe(seq, b.left) && seqLt(seq, b.right));
  }
}
