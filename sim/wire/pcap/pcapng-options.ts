import { utf8Decode } from '../../core/encoding.ts';
import type { CaptureEvent, CaptureInterface, CaptureOption } from './capture.ts';

/** Reads integers in a section's byte order from one buffer (pcap and pcapng files may be either endian). */
export class Endian {
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    readonly littleEndian: boolean,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u8(at: number): number {
    return this.view.getUint8(at);
  }

  u16(at: number): number {
    return this.view.getUint16(at, this.littleEndian);
  }

  u32(at: number): number {
    return this.view.getUint32(at, this.littleEndian);
  }

  i32(at: number): number {
    return this.view.getInt32(at, this.littleEndian);
  }

  u64(at: number): bigint {
    return this.view.getBigUint64(at, this.littleEndian);
  }

  i64(at: number): bigint {
    return this.view.getBigInt64(at, this.littleEndian);
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
