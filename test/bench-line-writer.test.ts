// The dissect benchmark prints through LineWriter (bench/line-writer.ts): its bytes must be what the same line
// written as a string would be, across buffer flushes, for numbers, hex, ASCII and non-ASCII text alike.
import { describe, expect, it } from 'vitest';
import { LineWriter, written } from '../bench/line-writer.ts';

describe('bench LineWriter', () => {
  it('writes decimals and padded hex as String() and toString(16).padStart() do', () => {
    const numbers = [0, 7, 9, 10, 99, 100, 65535, 123456789, 4294967295];
    expect(written((w) => numbers.forEach((n) => w.dec(n).byte(32)))).toBe(numbers.map((n) => `${n} `).join(''));
    expect(written((w) => numbers.forEach((n) => w.hex(n, 4).byte(32)))).toBe(numbers.map((n) => `0x${n.toString(16).padStart(4, '0')} `).join(''));
    expect(written((w) => w.hex(-1, 8).byte(32).hex(0x2bca518f, 8))).toBe('0xffffffff 0x2bca518f');
  });

  it('writes bytes as hex and text as UTF-8, also when a line straddles a flush', () => {
    const chunks: string[] = [];
    const w = new LineWriter((b) => chunks.push(Buffer.from(b).toString('latin1')), 16);
    w.text('127.0.0.1').byte(9).hexBytes(new Uint8Array([0, 0xab, 0x10, 0xff])).byte(10).dec(52097);
    w.flush();
    expect(chunks.join('')).toBe('127.0.0.1\t00ab10ff\n52097');
    expect(chunks.every((c) => c.length <= 16)).toBe(true);
    expect(written((w2) => w2.text('a → b, ✓').text('x'.repeat(70000)))).toBe(`a → b, ✓${'x'.repeat(70000)}`);
  });
});
