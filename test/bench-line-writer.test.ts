// The dissect benchmark prints through LineWriter (bench/line-writer.ts): its bytes must be what the same line
// written as a string would be, across buffer flushes, for numbers, hex, ASCII and non-ASCII text alike.
import { describe, expect, it } from 'vitest';
import { LineWriter, putAscii, putDec, putHex, putHexBytes, written } from '../bench/line-writer.ts';

/** Writes with the put… functions the way the bench does: reserve, put, set the position. */
function put(w: LineWriter, most: number, fill: (b: Uint8Array, p: number) => number): void {
  const at = w.reserve(most);
  w.pos = fill(w.buf, at);
}

describe('bench LineWriter', () => {
  it('writes decimals and padded hex as String() and toString(16).padStart() do', () => {
    const numbers = [0, 7, 9, 10, 99, 100, 65535, 123456789, 2147483648, 4294967295, 2 ** 40 + 3];
    expect(written((w) => numbers.forEach((n) => put(w, 17, (b, p) => putDec(b, p, n) + (b[putDec(b, p, n)] = 32, 1))))).toBe(numbers.map((n) => `${n} `).join(''));
    const u32 = numbers.filter((n) => n < 2 ** 32);
    expect(written((w) => u32.forEach((n) => put(w, 11, (b, p) => putHex(b, p, n, 4) + (b[putHex(b, p, n, 4)] = 32, 1))))).toBe(u32.map((n) => `0x${n.toString(16).padStart(4, '0')} `).join(''));
    expect(written((w) => put(w, 10, (b, p) => putHex(b, p, -1, 8)))).toBe('0xffffffff');
    expect(written((w) => put(w, 10, (b, p) => putHex(b, p, 0x2bca518f, 8)))).toBe('0x2bca518f');
  });

  it('writes bytes as hex and ASCII text, also when lines straddle a flush', () => {
    const chunks: string[] = [];
    const w = new LineWriter((b) => chunks.push(Buffer.from(b).toString('latin1')), 40);
    for (let i = 0; i < 3; i++) {
      put(w, 17, (b, p) => {
        let q = putAscii(b, p, '127.0.0.1');
        b[q++] = 9;
        q = putHexBytes(b, q, new Uint8Array([0, 0xab, 0x10]));
        b[q++] = 10;
        return q;
      });
    }
    w.flush();
    expect(chunks.join('')).toBe('127.0.0.1\t00ab10\n'.repeat(3));
    // two lines fit the 40-byte buffer, the third went out after a flush
    expect(chunks.map((c) => c.length)).toEqual([34, 17]);
    expect(() => w.reserve(41)).toThrow(/does not fit/);
  });

  it('writes any text as UTF-8, longer than the buffer too', () => {
    expect(written((w) => w.text('a → b, ✓').byte(10).text('x'.repeat(70000)))).toBe(`a → b, ✓\n${'x'.repeat(70000)}`);
  });
});
