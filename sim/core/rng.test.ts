import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../cli/node-crypto.ts';
import { cryptoBackend, nobleCrypto, setCryptoBackend } from './crypto-backend.ts';
import { toHex } from './encoding.ts';
import { Rng } from './rng.ts';

/** The documented algorithm, recomputed with node:crypto as an independent implementation. */
function referenceStream(seed: number, path: string[], n: number): Uint8Array {
  let key = createHash('sha256').update(`rtclab-rng-v1:${seed}`).digest();
  for (const name of path) key = createHmac('sha256', key).update(name).digest();
  const iv = Buffer.alloc(16); // 32-bit little-endian block counter 0, then the 96-bit zero nonce
  const c = createCipheriv('chacha20', key, iv);
  return new Uint8Array(c.update(Buffer.alloc(n)));
}

describe('rng', () => {
  it('matches the documented algorithm (SHA-256 root, HMAC forks, ChaCha20 stream) byte for byte', () => {
    const r = Rng.fromSeed(42).fork('alice').fork('ice');
    expect(toHex(r.bytes(3000))).toBe(toHex(referenceStream(42, ['alice', 'ice'], 3000)));
  });

  it('reads the stream in 1 KiB blocks whatever chunk it computes at once: an integer never straddles a block, bytes run on (both backends)', () => {
    // version 1 as first written: one 1 KiB block at a time; u32 drops a block's last 1-3 bytes, bytes() does not
    const stream = referenceStream(5, ['media'], 200_000);
    const reference = (ops: number[]): number[] => {
      const out: number[] = [];
      let block = -1;
      let pos = 1024;
      const next = (): void => {
        block++;
        pos = 0;
      };
      for (const n of ops) {
        if (n === 0) {
          if (pos + 4 > 1024) next();
          const at = block * 1024 + pos;
          out.push(((stream[at]! << 24) | (stream[at + 1]! << 16) | (stream[at + 2]! << 8) | stream[at + 3]!) >>> 0);
          pos += 4;
        } else {
          for (let i = 0; i < n; i++) {
            if (pos >= 1024) next();
            out.push(stream[block * 1024 + pos]!);
            pos++;
          }
        }
      }
      return out;
    };
    // a mix of integer draws and odd-sized byte draws (payloads), long enough to reach the 16 KiB chunks
    const ops: number[] = [];
    let x = 99;
    while (ops.reduce((n, o) => n + (o === 0 ? 4 : o), 0) < 150_000) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      ops.push(x % 3 === 0 ? 0 : x % 5 === 0 ? 1 + (x % 1300) : x % 7 === 0 ? 1 + (x % 3) : 0);
    }
    const before = cryptoBackend();
    try {
      for (const backend of [nobleCrypto, nodeCrypto]) {
        setCryptoBackend(backend);
        const r = Rng.fromSeed(5).fork('media');
        const got: number[] = [];
        for (const n of ops) {
          if (n === 0) got.push(r.u32());
          else got.push(...r.bytes(n));
        }
        expect(got).toEqual(reference(ops));
      }
    } finally {
      setCryptoBackend(before);
    }
  });

  it('pins known answers for seed 1', () => {
    const q = Rng.fromSeed(1);
    const first = [q.u32(), q.u32(), q.u32()];
    expect(first).toEqual(KNOWN_SEED1_U32);
  });

  it('gives the same stream for the same seed and fork name, and a different one otherwise', () => {
    const a = Rng.fromSeed(7).fork('net');
    const b = Rng.fromSeed(7).fork('net');
    const c = Rng.fromSeed(8).fork('net');
    const d = Rng.fromSeed(7).fork('nat');
    const xs = [a, b, c, d].map((r) => toHex(r.bytes(32)));
    expect(xs[0]).toBe(xs[1]);
    expect(xs[0]).not.toBe(xs[2]);
    expect(xs[0]).not.toBe(xs[3]);
  });

  it('does not perturb a stream when a sibling is forked or used', () => {
    const root1 = Rng.fromSeed(3);
    const x1 = root1.fork('x');
    const root2 = Rng.fromSeed(3);
    const y = root2.fork('y');
    y.bytes(5000);
    const x2 = root2.fork('x');
    expect(toHex(x1.bytes(64))).toBe(toHex(x2.bytes(64)));
  });

  it('refuses to fork the same name twice from one parent', () => {
    const r = Rng.fromSeed(1);
    r.fork('a');
    expect(() => r.fork('a')).toThrow(/already forked/);
  });

  it('draws integers in range without bias and floats in [0, 1)', () => {
    const r = Rng.fromSeed(99);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60000; i++) {
      const v = r.int(0, 6);
      counts[v] = counts[v]! + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
  });

  it('draws normal values with the asked mean and spread', () => {
    const r = Rng.fromSeed(5);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = r.normal(10, 2);
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    const sd = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(mean - 10)).toBeLessThan(0.05);
    expect(Math.abs(sd - 2)).toBeLessThan(0.05);
  });
});

// The first three u32 of seed 1: changing the algorithm changes every recorded trace, so this must not move.
const KNOWN_SEED1_U32 = [3004187598, 1434260186, 1900010026];
