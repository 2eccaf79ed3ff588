import { utf8Encode } from '../../core/encoding.ts';
import { parseIp } from '../ip/address.ts';
import { Writer } from '../writer.ts';
import type { CaptureOption } from './capture.ts';
import { BT_CUSTOM, BT_CUSTOM_NOCOPY, BT_DSB, BT_EPB, BT_IDB, BT_ISB, BT_NRB, BT_SHB, BT_SPB, BYTE_ORDER_MAGIC } from './pcapng-blocks.ts';
import { OPT_COMMENT, pad4 } from './pcapng-options.ts';

/**
 * Encodes pcapng blocks (draft-ietf-opsawg-pcapng §3–§4) in either byte order. The trace writer uses it, and
 * tests use it to build hostile files block by block. Output depends only on the calls made: byte-deterministic.
 */
export interface ShbSpec {
  readonly hardware?: string;
  readonly os?: string;
  readonly userappl?: string;
  readonly comments?: readonly string[];
  /** -1 (unknown) by default. */
  readonly sectionLength?: bigint;
  readonly major?: number;
  readonly minor?: number;
  readonly extra?: readonly CaptureOption[];
}

export interface IdbSpec {
  readonly linkType: number;
  readonly snaplen?: number;
  readonly name?: string;
  readonly description?: string;
  /** if_tsresol byte: 6 = µs (the default when absent), 9 = ns, 0x80 | n = 2^-n. */
  readonly tsresol?: number;
  /** if_tsoffset in seconds. */
  readonly tsoffset?: bigint;
  readonly comments?: readonly string[];
  readonly extra?: readonly CaptureOption[];
}

export interface EpbSpec {
  readonly interfaceId: number;
  /** Timestamp in the interface's resolution units. */
  readonly ticks: bigint;
  readonly data: Uint8Array;
  readonly originalLength?: number;
  readonly comments?: readonly string[];
  readonly flags?: number;
  readonly extra?: readonly CaptureOption[];
  /** Overrides the captured length field (hostile files only). */
  readonly capturedLength?: number;
}

export interface IsbSpec {
  readonly interfaceId: number;
  readonly ticks: bigint;
  readonly received?: bigint;
  readonly dropped?: bigint;
  readonly comments?: readonly string[];
}

export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const IF_TSOFFSET = 14;
export const SHB_HARDWARE = 2;
export const SHB_OS = 3;
export const SHB_USERAPPL = 4;
export const EPB_FLAGS = 2;

export class PcapngEncoder {
  private readonly w: Writer;

  constructor(readonly littleEndian = false) {
    this.w = new Writer(4096, littleEndian);
  }

  u16(v: number): this {
    this.w.u16(v);
    return this;
  }

  u32(v: number): this {
    this.w.u32(v);
    return this;
  }

  u64(v: bigint): this {
    this.w.u64(v);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.w.bytes(b);
    return this;
  }

  /** Zero bytes up to the next 32-bit boundary. */
  private pad(n: number): void {
    this.w.zeros(pad4(n) - n);
  }

  /** Encodes an integer option value in this encoder's byte order. */
  u32Value(v: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, this.littleEndian);
    return b;
  }

  u64Value(v: bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), this.littleEndian);
    return b;
  }

  /** Options then opt_endofopt (pcapng §3.5); nothing at all when there are none. */
  private options(list: readonly CaptureOption[]): void {
    if (list.length === 0) return;
    for (const o of list) {
      if (o.value.length > 0xffff) throw new RangeError(`pcapng option ${o.code}: ${o.value.length} bytes do not fit a 16-bit length`);
      this.u16(o.code).u16(o.value.length).bytes(o.value);
      this.pad(o.value.length);
    }
    this.u16(0).u16(0);
  }

  /** One block: type, total length, body, options, total length again (pcapng §3.1). */
  block(type: number, body: () => void, options: readonly CaptureOption[] = []): this {
    const start = this.w.pos;
    this.u32(type).u32(0);
    body();
    this.options(options);
    const length = this.w.pos - start + 4;
    this.w.setU32(start + 4, length);
    this.u32(length);
    return this;
  }

  sectionHeader(s: ShbSpec = {}): this {
    const opts: CaptureOption[] = [
      ...text(OPT_COMMENT, s.comments),
      ...text(SHB_HARDWARE, s.hardware),
      ...text(SHB_OS, s.os),
      ...text(SHB_USERAPPL, s.userappl),
      ...(s.extra ?? []),
    ];
    return this.block(BT_SHB, () => this.u32(BYTE_ORDER_MAGIC).u16(s.major ?? 1).u16(s.minor ?? 0).u64(s.sectionLength ?? -1n), opts);
  }

  interfaceDescription(s: IdbSpec): this {
    const opts: CaptureOption[] = [
      ...text(OPT_COMMENT, s.comments),
      ...text(IF_NAME, s.name),
      ...text(IF_DESCRIPTION, s.description),
      ...(s.tsresol !== undefined ? [{ code: IF_TSRESOL, value: Uint8Array.of(s.tsresol) }] : []),
      ...(s.tsoffset !== undefined ? [{ code: IF_TSOFFSET, value: this.u64Value(s.tsoffset) }] : []),
      ...(s.extra ?? []),
    ];
    return this.block(BT_IDB, () => this.u16(s.linkType).u16(0).u32(s.snaplen ?? 0), opts);
  }

  enhancedPacket(s: EpbSpec): this {
    const opts: CaptureOption[] = [
      ...text(OPT_COMMENT, s.comments),
      ...(s.flags !== undefined ? [{ code: EPB_FLAGS, value: this.u32Value(s.flags) }] : []),
      ...(s.extra ?? []),
    ];
    const high = Number(BigInt.asUintN(64, s.ticks) >> 32n);
    const low = Number(BigInt.asUintN(32, s.ticks));
    return this.block(
      BT_EPB,
      () => {
        this.u32(s.interfaceId).u32(high).u32(low);
        this.u32(s.capturedLength ?? s.data.length).u32(s.originalLength ?? s.data.length);
        this.bytes(s.data);
        this.pad(s.data.length);
      },
      opts,
    );
  }

  simplePacket(data: Uint8Array, originalLength = data.length): this {
    return this.block(BT_SPB, () => {
      this.u32(originalLength).bytes(data);
      this.pad(data.length);
    });
  }

  interfaceStatistics(s: IsbSpec): this {
    const opts: CaptureOption[] = [
      ...text(OPT_COMMENT, s.comments),
      ...(s.received !== undefined ? [{ code: 4, value: this.u64Value(s.received) }] : []),
      ...(s.dropped !== undefined ? [{ code: 5, value: this.u64Value(s.dropped) }] : []),
    ];
    const t = BigInt.asUintN(64, s.ticks);
    return this.block(BT_ISB, () => this.u32(s.interfaceId).u32(Number(t >> 32n)).u32(Number(BigInt.asUintN(32, t))), opts);
  }

  /** Name Resolution Block with IPv4/IPv6 records (pcapng §4.5). */
  nameResolution(records: readonly { address: string; names: readonly string[] }[], comments?: readonly string[]): this {
    return this.block(
      BT_NRB,
      () => {
        for (const r of records) {
          const addr = parseIp(r.address);
          if (!addr) throw new RangeError(`not an IP address: ${r.address}`);
          const names = utf8Encode(r.names.map((n) => `${n}\0`).join(''));
          this.u16(addr.length === 4 ? 1 : 2).u16(addr.length + names.length).bytes(addr).bytes(names);
          this.pad(addr.length + names.length);
        }
        this.u16(0).u16(0);
      },
      text(OPT_COMMENT, comments),
    );
  }

  /** Decryption Secrets Block (pcapng §4.7). */
  decryptionSecrets(type: number, data: Uint8Array, comments?: readonly string[]): this {
    return this.block(
      BT_DSB,
      () => {
        this.u32(type).u32(data.length).bytes(data);
        this.pad(data.length);
      },
      text(OPT_COMMENT, comments),
    );
  }

  /** Custom block (pcapng §4.8): Private Enterprise Number, then data. */
  custom(pen: number, data: Uint8Array, copyable = true): this {
    return this.block(copyable ? BT_CUSTOM : BT_CUSTOM_NOCOPY, () => {
      this.u32(pen).bytes(data);
      this.pad(data.length);
    });
  }

  /** Bytes written since the last `take()` (for chunked output). */
  take(): Uint8Array {
    return this.w.drain();
  }

  /** Everything written (including what `take()` already handed out, unless it was released). */
  finish(): Uint8Array {
    return this.w.finish();
  }
}

function text(code: number, v: string | readonly string[] | undefined): CaptureOption[] {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  return list.map((s) => ({ code, value: utf8Encode(s) }));
}
