import { chacha20 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Seeded random streams that fork by name.
 *
 * Algorithm (version 1, pinned by known-answer tests in rng.test.ts):
 * - root key   = SHA-256(UTF-8("rtclab-rng-v1:" + seed)), the seed written as a decimal integer;
 * - child key  = HMAC-SHA-256(parent key, UTF-8(name)), so `fork("alice").fork("ice")` equals `fork("alice/ice")`
 *   only by name, never by accident, and forking never consumes the parent's stream;
 * - the stream = the ChaCha20 (RFC 8439) keystream under that key with a zero nonce, read in 1 KiB blocks.
 * Integers are read big-endian from the stream; `float()` takes 53 bits; `int()` rejects to stay unbiased.
 * Because every component forks its own stream by a stable name, adding a component never perturbs another's.
 */
const BLOCK = 1024;
const ZERO_NONCE = new Uint8Array(12);
const ZEROS = new Uint8Array(BLOCK);
const utf8 = new TextEncoder();

export class Rng {
  private buf = new Uint8Array(BLOCK);
  private pos = BLOCK;
  private counter = 0;
  private readonly forked = new Set<string>();

  private constructor(
    private readonly key: Uint8Array,
    /** The fork path from the root, for messages only. */
    readonly path: string,
  ) {}

  static fromSeed(seed: number | bigint): Rng {
    if (typeof seed === 'number' && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new RangeError(`rng seed must be a non-negative integer, got ${seed}`);
    }
    return new Rng(sha256(utf8.encode(`rtclab-rng-v1:${seed.toString()}`)), '');
  }

  /** A child stream named `name`; the same name may be forked from one parent only once. */
  fork(name: string): Rng {
    if (this.forked.has(name)) throw new Error(`rng: stream "${this.path}/${name}" was already forked`);
    this.forked.add(name);
    return new Rng(hmac(sha256, this.key, utf8.encode(name)), `${this.path}/${name}`);
  }

  private refill(): void {
    if (this.counter > 0xffffffff - BLOCK / 64) throw new Error(`rng: stream ${this.path} exhausted`);
    this.buf = chacha20(this.key, ZERO_NONCE, ZEROS, undefined, this.counter);
    this.counter += BLOCK / 64;
    this.pos = 0;
  }

  /** A uniformly random unsigned 32-bit integer. */
  u32(): number {
    if (this.pos + 4 > BLOCK) this.refill();
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A float uniformly in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniformly in [lo, hi) (hi - lo at most 2^32), without modulo bias. */
  int(lo: number, hi: number): number {
    const span = hi - lo;
    if (!(span > 0) || span > 0x100000000 || !Number.isInteger(span)) throw new RangeError(`rng.int(${lo}, ${hi})`);
    const limit = 0x100000000 - (0x100000000 % span);
    for (;;) {
      const x = this.u32();
      if (x < limit) return lo + (x % span);
    }
  }

  /** True with probability p. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  /** `n` random bytes (keys, nonces, transaction ids). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      if (this.pos >= BLOCK) this.refill();
      const take = Math.min(n - o, BLOCK - this.pos);
      out.set(this.buf.subarray(this.pos, this.pos + take), o);
      this.pos += take;
      o += take;
    }
    return out;
  }

  /**
   * An approximately normal value (Irwin–Hall: the sum of 12 uniforms, minus 6), for jitter.
   * Only + and * are used, so the result is bit-identical in every JavaScript engine (Math.log/cos are not
   * guaranteed to be), and it is bounded to mean ± 6 stddev.
   */
  normal(mean = 0, stddev = 1): number {
    let s = 0;
    for (let i = 0; i < 12; i++) s += this.float();
    return mean + stddev * (s - 6);
  }

  /** Picks one element uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('rng.pick of an empty list');
    return items[this.int(0, items.length)]!;
  }
}
