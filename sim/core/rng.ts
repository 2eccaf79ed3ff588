import { cryptoBackend } from './crypto-backend.ts';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Seeded random streams that fork by name.
 *
 * Algorithm (version 1, pinned by known-answer tests in rng.test.ts):
 * - root key   = SHA-256(UTF-8("rtclab-rng-v1:" + seed)), the seed written as a decimal integer;
 * - child key  = HMAC-SHA-256(parent key, UTF-8(name)), so `fork("alice").fork("ice")` equals `fork("alice/ice")`
 *   only by name, never by accident, and forking never consumes the parent's stream;
 * - the stream = the ChaCha20 (RFC 8439) keystream under that key with a zero nonce, read in order.
 * The stream is read ahead in chunks of 1 KiB that double up to 16 KiB while a stream keeps drawing (media payloads
 * draw a kilobyte a packet): the chunk size changes how often the keystream is computed, never what it is, and the
 * ChaCha20 comes from the injected crypto backend (sim/core/crypto-backend.ts), OpenSSL's in Node.
 * Integers are read big-endian from the stream; `float()` takes 53 bits; `int()` rejects to stay unbiased.
 * Because every component forks its own stream by a stable name, adding a component never perturbs another's.
 */
const BLOCK = 1024;
const FIRST_CHUNK = BLOCK;
const MAX_CHUNK = 16384;
const ZERO_NONCE = new Uint8Array(12);
const utf8 = new TextEncoder();

export class Rng {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
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

  /**
   * Reads the next chunk of the keystream. Chunks start and end on the stream's 1 KiB blocks, so the one rule of
   * version 1 that depends on blocks holds: an integer is never split across two of them (`u32` skips a block's last
   * 1 to 3 bytes).
   */
  private refill(): void {
    const size = this.buf.length === 0 ? FIRST_CHUNK : Math.min(MAX_CHUNK, this.buf.length * 2);
    if (this.counter + size / 64 > 0x100000000) throw new Error(`rng: stream ${this.path} exhausted`);
    this.buf = cryptoBackend().chacha20(this.key, ZERO_NONCE, this.counter, size);
    this.counter += size / 64;
    this.pos = 0;
  }

  /** A uniformly random unsigned 32-bit integer. */
  u32(): number {
    let p = this.pos;
    if ((p & (BLOCK - 1)) > BLOCK - 4) p = (p | (BLOCK - 1)) + 1; // the rest of a block is too short: the next block
    if (p + 4 > this.buf.length) {
      this.refill();
      p = 0;
    }
    const b = this.buf;
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
      if (this.pos >= this.buf.length) this.refill();
      const take = Math.min(n - o, this.buf.length - this.pos);
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
