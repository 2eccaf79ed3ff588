/**
 * RFC 3711 §3.3.2: the replay list as a sliding window over packet indices. `check` says whether an index may
 * be accepted; `accept` records it once the packet has authenticated (never before, §3.3).
 */
export type ReplayVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: 'replay' | 'too-old'; readonly message: string };

export class ReplayWindow {
  /** Bit i set: index `highest - i` was received. */
  private readonly bits: Uint8Array;
  private highest = -1;

  /** @param size window size in packets; RFC 3711 §3.3.2 asks for at least 64. */
  constructor(readonly size = 64) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`replay window size ${size}`);
    this.bits = new Uint8Array(Math.ceil(size / 8));
  }

  /** The highest index accepted so far, or -1. */
  get highestIndex(): number {
    return this.highest;
  }

  check(index: number): ReplayVerdict {
    if (this.highest < 0 || index > this.highest) return { ok: true };
    const age = this.highest - index;
    if (age >= this.size) return { ok: false, reason: 'too-old', message: `index ${index} is ${age} behind the highest (${this.highest}), outside the ${this.size}-packet replay window` };
    if (this.get(age)) return { ok: false, reason: 'replay', message: `index ${index} was already received (replay)` };
    return { ok: true };
  }

  accept(index: number): void {
    if (index > this.highest) {
      const shift = this.highest < 0 ? this.size : index - this.highest;
      this.shift(shift);
      this.highest = index;
      this.set(0);
    } else if (this.highest - index < this.size) {
      this.set(this.highest - index);
    }
  }

  private get(age: number): boolean {
    return (this.bits[age >> 3]! & (1 << (age & 7))) !== 0;
  }

  private set(age: number): void {
    this.bits[age >> 3] = this.bits[age >> 3]! | (1 << (age & 7));
  }

  /** Ages every entry by n (older entries fall out of the window). */
  private shift(n: number): void {
    if (n >= this.size) {
      this.bits.fill(0);
      return;
    }
    for (let age = this.size - 1; age >= 0; age--) {
      const from = age - n;
      const v = from >= 0 && this.get(from);
      if (v) this.set(age);
      else this.bits[age >> 3] = this.bits[age >> 3]! & ~(1 << (age & 7));
    }
  }
}
