import type { CaptureTime, TimestampResolution } from './capture.ts';

/** The default resolution of pcapng interfaces and of µs pcap files: 10^-6 s (pcapng §4.2, if_tsresol). */
export const MICROSECONDS: TimestampResolution = { base: 10, exponent: 6, ticksPerSecond: 1_000_000n };
export const NANOSECONDS: TimestampResolution = { base: 10, exponent: 9, ticksPerSecond: 1_000_000_000n };

/** if_tsresol: top bit clear = 10^-value, top bit set = 2^-(value & 0x7f) (pcapng §4.2). */
export function resolutionFromTsresol(v: number): TimestampResolution {
  const base: 10 | 2 = v & 0x80 ? 2 : 10;
  const exponent = v & 0x7f;
  return { base, exponent, ticksPerSecond: BigInt(base) ** BigInt(exponent) };
}

export function formatResolution(r: TimestampResolution): string {
  return `${r.base}^-${r.exponent} s`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

const NS_PER_SECOND = 1_000_000_000n;

/** A timestamp in ticks of `resolution`, plus if_tsoffset seconds, as exact ns where possible and integer µs. */
export function captureTime(ticks: bigint, resolution: TimestampResolution, tsoffsetSeconds = 0n): CaptureTime {
  const tps = resolution.ticksPerSecond;
  const all = tsoffsetSeconds === 0n ? ticks : ticks + tsoffsetSeconds * tps;
  let ns: bigint;
  let exact: boolean;
  if (resolution.base === 10 && resolution.exponent <= 9) {
    ns = all * 10n ** BigInt(9 - resolution.exponent);
    exact = true;
  } else {
    const scaled = all * NS_PER_SECOND;
    ns = floorDiv(scaled, tps);
    exact = scaled % tps === 0n;
  }
  return { us: Number(floorDiv(ns, 1000n)), ns, exact, ticks: all };
}

/**
 * `captureTime` from the two 32-bit halves an EPB stores. Microsecond ticks (the default resolution) below 2^53
 * are exact as numbers, so only `ticks` and `ns` become bigints; anything else takes the general path.
 */
export function captureTimeOf(high: number, low: number, resolution: TimestampResolution, tsoffsetSeconds = 0n): CaptureTime {
  if (resolution.base === 10 && resolution.exponent === 6 && tsoffsetSeconds === 0n && high < 0x200000) {
    const us = high * 0x100000000 + low;
    const ticks = BigInt(us);
    return { us, ns: ticks * 1000n, exact: true, ticks };
  }
  return captureTime(joinTicks(high, low), resolution, tsoffsetSeconds);
}

/** Splits a 64-bit tick count the way EPB/ISB store it: high 32 bits, low 32 bits. */
export function joinTicks(high: number, low: number): bigint {
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}
