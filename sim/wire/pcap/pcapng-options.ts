import { utf8Decode } from '../../core/encoding.ts';
import type { CaptureEvent, CaptureInterface, CaptureOption } from './capture.ts';

/**
 * Reads integers in a section's byte order from one buffer (pcap and pcapng files may be either endian). Bytes are
 * combined directly: a reader is made per block, and a DataView per block would cost more than the reads.
 */
export class Endian {
  constructor(
    readonly buf: Uint8Array,
    readonly littleEndian: boolean,
  ) {}

  u8(at: number): number {
    return this.byte(at);
  }

  u16(at: number): number {
    const b = this.buf;
    this.check(at, 2);
    return this.littleEndian ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
  }

  u32(at: number): number {
    const b = this.buf;
    this.check(at, 4);
    return this.littleEndian
      ? b[at + 3]! * 0x1000000 + ((b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!)
      : b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
  }

  i32(at: number): number {
    return this.u32(at) | 0;
  }

  u64(at: number): bigint {
    const hi = this.u32(this.littleEndian ? at + 4 : at);
    const lo = this.u32(this.littleEndian ? at : at + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  i64(at: number): bigint {
    return BigInt.asIntN(64, this.u64(at));
  }

  private byte(at: number): number {
    this.check(at, 1);
    return this.buf[at]!;
  }

  /** A read past the end throws RangeError, as DataView did: callers check lengths first, so this is a bug guard. */
  private check(at: number, n: number): void {
    if (at < 0 || at + n > this.buf.length) throw new RangeError(`Endian: ${n} byte(s) at ${at} are outside a ${this.buf.length}-byte buffer`);
  }
}

/** Option codes common to all blocks (pcapng §3.5). */
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;

/** Rounds up to the 32-bit boundary every pcapng field is padded to (pcapng §3.1). */
export const pad4 = (n: number): number => (n + 3) & ~3;

export interface OptionList {
  readonly options: CaptureOption[];
  /** Set when an option's length runs past the block: the message and the option's offset in the buffer. */
  readonly problem?: { readonly at: number; readonly message: string };
}

/**
 * Reads the options of a block between `start` and `end` (pcapng §3.5): code, length, value padded to 4 bytes,
 * until opt_endofopt or the end. Every step advances by at least 4 bytes, so a corrupt list cannot loop.
 */
export function readOptions(e: Endian, start: number, end: number): OptionList {
  const options: CaptureOption[] = [];
  let at = start;
  while (at + 4 <= end) {
    const code = e.u16(at);
    const length = e.u16(at + 2);
    if (code === OPT_ENDOFOPT) break;
    if (at + 4 + length > end) {
      return {
        options,
        problem: { at, message: `option ${code} claims ${length} bytes but only ${end - at - 4} remain in the block` },
      };
    }
    options.push({ code, value: e.buf.subarray(at + 4, at + 4 + length) });
    at += 4 + pad4(length);
  }
  return { options };
}

/** UTF-8 text of an option, without the NUL terminators some writers add. */
export function optionText(o: CaptureOption): string {
  let end = o.value.length;
  while (end > 0 && o.value[end - 1] === 0) end--;
  return utf8Decode(o.value.subarray(0, end));
}

export function firstText(options: readonly CaptureOption[], code: number): string | undefined {
  const o = options.find((x) => x.code === code);
  return o ? optionText(o) : undefined;
}

export function allTexts(options: readonly CaptureOption[], code: number): string[] {
  return options.filter((x) => x.code === code).map(optionText);
}

/** A fixed-size integer option (u8/u32/u64) read in the section's byte order; undefined if absent or mis-sized. */
export function optionU64(options: readonly CaptureOption[], code: number, littleEndian: boolean): bigint | undefined {
  const o = options.find((x) => x.code === code);
  if (!o || o.value.length !== 8) return undefined;
  return new Endian(o.value, littleEndian).u64(0);
}

export function optionI64(options: readonly CaptureOption[], code: number, littleEndian: boolean): bigint | undefined {
  const o = options.find((x) => x.code === code);
  if (!o || o.value.length !== 8) return undefined;
  return new Endian(o.value, littleEndian).i64(0);
}

export function optionU32(options: readonly CaptureOption[], code: number, littleEndian: boolean): number | undefined {
  const o = options.find((x) => x.code === code);
  if (!o || o.value.length !== 4) return undefined;
  return new Endian(o.value, littleEndian).u32(0);
}

export function optionU8(options: readonly CaptureOption[], code: number): number | undefined {
  const o = options.find((x) => x.code === code);
  if (!o || o.value.length !== 1) return undefined;
  return o.value[0];
}

/** What the reader tracks for the current section; block decoders read and extend it. */
export interface SectionContext {
  readonly section: number;
  readonly littleEndian: boolean;
  /** Interfaces of this section by local id. */
  readonly interfaces: CaptureInterface[];
  /** Global id the next interface gets. */
  nextInterfaceId: number;
  /** Index the next packet gets. */
  nextPacketIndex: number;
  /** File offset of the block being decoded; `problem` offsets are relative to it. */
  blockOffset: number;
  readonly emit: (e: CaptureEvent) => void;
  /** A problem at `at` bytes into the block (non-fatal: the framing of the block is sound). */
  readonly problem: (at: number, length: number, message: string) => void;
}

/** Options from `start` to the trailing length, reporting (not failing on) a lying option length. */
export function blockOptions(e: Endian, start: number, ctx: SectionContext, what: string, offset: number): CaptureOption[] {
  const list = readOptions(e, start, e.buf.length - 4);
  if (list.problem) ctx.problem(list.problem.at, 4, `${what} at offset ${offset}: ${list.problem.message}; later options ignored`);
  return list.options;
}
