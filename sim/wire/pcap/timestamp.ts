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
 * `captureTime` from the two 32-bit halves an EPB stores. With a decimal resolution from 10^-6 to 10^-9 s and no
 * offset (nearly every capture), `us` is worked out exactly with numbers and the bigints (`ns`, `ticks`) only when
 * read; anything else takes the general path at once.
 */
export function captureTimeOf(high: number, low: number, resolution: TimestampResolution, tsoffsetSeconds = 0n): CaptureTime {
  if (resolution.base === 10 && resolution.exponent >= 6 && resolution.exponent <= 9 && tsoffsetSeconds === 0n) {
    // ticks / 10^(e-6) = (high · 2^32 + low) / d, split so every step is an exact integer below 2^53
    const d = TICKS_PER_US[resolution.exponent - 6]!;
    const qh = Math.floor(high / d);
    if (qh < 0x200000) return new LazyTime(qh * 0x100000000 + Math.floor(((high - qh * d) * 0x100000000 + low) / d), high, low, resolution);
  }
  return captureTime(joinTicks(high, low), resolution, tsoffsetSeconds);
}

const TICKS_PER_US = [1, 10, 100, 1000];

/** A timestamp whose bigints are made the first time they are read (a packet list reads only `us`). */
class LazyTime implements CaptureTime {
  #whole: CaptureTime | undefined;
  readonly #high: number;
  readonly #low: number;
  readonly #resolution: TimestampResolution;

  constructor(
    readonly us: number,
    high: number,
    low: number,
    resolution: TimestampResolution,
  ) {
    this.#high = high;
    this.#low = low;
    this.#resolution = resolution;
  }

  /** The same timestamp through the general (bigint) path. */
  private get whole(): CaptureTime {
    return (this.#whole ??= captureTime(joinTicks(this.#high, this.#low), this.#resolution));
  }

  get ns(): bigint {
    return this.whole.ns;
  }

  get exact(): boolean {
    return true;
  }

  get ticks(): bigint {
    return this.whole.ticks;
  }
}

/** Splits a 64-bit tick count the way EPB/ISB store it: high 32 bits, low 32 bits. */
export function joinTicks(high: number, low: number): bigint {
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}
