// Base64 (RFC 4648 §4) both ways, against Node's own encoder: every length's padding, every byte value, a large array.
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from './encoding.ts';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (Math.imul(i + seed, 2654435761) >>> 24) & 0xff);

describe('toBase64', () => {
  it('writes what Node writes, for every length from 0 to 64 and every byte value', () => {
    for (let n = 0; n <= 64; n++) {
      const b = bytes(n, n);
      expect(toBase64(b), `${n} bytes`).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(toBase64(b)), `${n} bytes back`).toEqual(b);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64(all)).toBe(Buffer.from(all).toString('base64'));
  });

  it('writes a trace-sized array whole (a few MB, not a power of 3)', () => {
    const b = bytes(3_000_001, 7);
    expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
  });
});

describe('fromBase64', () => {
  it('reads what Node writes, with and without padding, for every length from 0 to 64 and a large array', () => {
    for (let n = 0; n <= 64; n++) {
      const b = bytes(n, n + 3);
      const text = Buffer.from(b).toString('base64');
      expect(fromBase64(text), `${n} bytes`).toEqual(b);
      expect(fromBase64(text.replace(/=+$/, '')), `${n} bytes unpadded`).toEqual(b);
    }
    const big = bytes(3_000_002, 11);
    // compared as Buffers: a deep equality over 3 MB element by element takes tens of seconds
    expect(Buffer.from(fromBase64(Buffer.from(big).toString('base64'))).equals(Buffer.from(big))).toBe(true);
  });

  it('names the position of a character that is not base64, and an impossible length', () => {
    expect(() => fromBase64('QUJD*EVG')).toThrow('not a base64 character at position 4: "*"');
    expect(() => fromBase64('QUJDRE')).not.toThrow();
    expect(() => fromBase64('QUJDR\u00e9')).toThrow('not a base64 character at position 5: "é"');
    expect(() => fromBase64('QUJDR')).toThrow('base64 text has an impossible length (5)');
    expect(() => fromBase64('QU-=')).toThrow('not a base64 character at position 2: "-"');
  });
});
