import { describe, expect, it } from 'vitest';
import { captureTime, captureTimeOf, joinTicks, MICROSECONDS, NANOSECONDS, resolutionFromTsresol } from './timestamp.ts';

// EPB timestamps of 10^-6 … 10^-9 s resolution get their µs from numbers, and their bigints only when read: every
// field must be what the bigint path gives, up to the largest tick counts a 64-bit timestamp holds.

describe('EPB timestamps without bigints until read', () => {
  it('give the bigint path\'s us, ns, ticks and exactness for µs, 10^-7, 10^-8 and ns resolutions', () => {
    const highs = [0, 1, 999, 1000, 0x1fffff, 0x200000, 409_000_000, 2_097_151_999, 2_097_152_000, 0xffffffff];
    const lows = [0, 1, 999, 1000, 0x7fffffff, 0xffffffff];
    const differ: string[] = [];
    for (const res of [MICROSECONDS, resolutionFromTsresol(7), resolutionFromTsresol(8), NANOSECONDS]) {
      for (const high of highs) {
        for (const low of lows) {
          const a = captureTimeOf(high, low, res);
          const b = captureTime(joinTicks(high, low), res);
          if (a.us !== b.us || a.ns !== b.ns || a.ticks !== b.ticks || a.exact !== b.exact) differ.push(`10^-${res.exponent} ${high}/${low}: us ${a.us} vs ${b.us}`);
        }
      }
    }
    expect(differ).toEqual([]);
  });

  it('reads a nanosecond capture of 2026 to the exact microsecond', () => {
    const ticks = 1_795_238_279_859_898_558n;
    const t = captureTimeOf(Number(ticks >> 32n), Number(ticks & 0xffffffffn), NANOSECONDS);
    expect(t.us).toBe(1_795_238_279_859_898);
    expect(t).toMatchObject({ ns: ticks, ticks, exact: true });
  });
});
