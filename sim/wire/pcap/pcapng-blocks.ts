import { utf8Decode } from '../../core/encoding.ts';
import type { CaptureInterface, CaptureOption, CapturePacket, CaptureTime } from './capture.ts';
import { decodeLinkLayer, type LinkLayer } from './link-layer.ts';
import { decryptionSecrets, interfaceStatistics, nameResolution } from './pcapng-info-blocks.ts';
import {
  OPT_COMMENT,
  allTexts,
  blockOptions,
  firstText,
  optionI64,
  optionU32,
  optionU8,
  pad4,
  readOptions,
  type Endian,
  type SectionContext,
} from './pcapng-options.ts';
import { MICROSECONDS, captureTimeOf, resolutionFromTsresol } from './timestamp.ts';

export { SECRETS_SSH_KEY_LOG, SECRETS_TLS_KEY_LOG } from './pcapng-info-blocks.ts';
export type { SectionContext } from './pcapng-options.ts';

/** pcapng block types (draft-ietf-opsawg-pcapng §4 and the block type registry). */
export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002; // obsolete Packet Block (Appendix A)
export const BT_SPB = 0x00000003;
export const BT_NRB = 0x00000004;
export const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
export const BT_DSB = 0x0000000a;
export const BT_CUSTOM = 0x00000bad;
export const BT_CUSTOM_NOCOPY = 0x40000bad;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

// Option codes per block (pcapng §4.1–§4.7).
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_FILTER = 11;
const IF_OS = 12;
const IF_FCSLEN = 13;
const IF_TSOFFSET = 14;
const IF_HARDWARE = 15;
const EPB_FLAGS = 2;

/** Minimum total lengths: 12 bytes of framing plus each block's fixed fields. */
export const MIN_BLOCK_LENGTH: Record<number, number> = {
  [BT_SHB]: 28,
  [BT_IDB]: 20,
  [BT_PB]: 32,
  [BT_SPB]: 16,
  [BT_NRB]: 12,
  [BT_ISB]: 24,
  [BT_EPB]: 32,
  [BT_DSB]: 20,
};

export const BLOCK_NAMES: Record<number, string> = {
  [BT_SHB]: 'Section Header Block',
  [BT_IDB]: 'Interface Description Block',
  [BT_PB]: 'Packet Block',
  [BT_SPB]: 'Simple Packet Block',
  [BT_NRB]: 'Name Resolution Block',
  [BT_ISB]: 'Interface Statistics Block',
  [BT_EPB]: 'Enhanced Packet Block',
  [BT_DSB]: 'Decryption Secrets Block',
};

export function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block type 0x${type.toString(16).padStart(8, '0')}`;
}

/**
 * Decodes one framed block (type, length and trailing length already checked by the reader) whose first byte
 * is at file offset `offset`; `e.buf` is exactly the block.
 */
export function decodeBlock(type: number, e: Endian, offset: number, ctx: SectionContext): void {
  const length = e.buf.length;
  ctx.blockOffset = offset;
  const min = MIN_BLOCK_LENGTH[type];
  if (min !== undefined && length < min) {
    ctx.problem(0, length, `${blockName(type)} at offset ${offset} is ${length} bytes, shorter than its ${min}-byte minimum; skipped`);
    return;
  }
  switch (type) {
    case BT_IDB:
      return interfaceDescription(e, offset, ctx);
    case BT_EPB:
      return enhancedPacket(e, offset, ctx);
    case BT_SPB:
      return simplePacket(e, offset, ctx);
    case BT_PB:
      return obsoletePacket(e, offset, ctx);
    case BT_ISB:
      return interfaceStatistics(e, offset, ctx);
    case BT_NRB:
      return nameResolution(e, offset, ctx);
    case BT_DSB:
      return decryptionSecrets(e, offset, ctx);
    case BT_CUSTOM:
    case BT_CUSTOM_NOCOPY:
      ctx.emit({ kind: 'skipped', offset, blockType: type, length, reason: 'custom block (pcapng §4.8)' });
      return;
    default:
      ctx.emit({ kind: 'skipped', offset, blockType: type, length, reason: `unknown ${blockName(type)}` });
  }
}

export interface SectionHeader {
  readonly major: number;
  readonly minor: number;
  readonly sectionLength: bigint;
  readonly hardware?: string;
  readonly os?: string;
  readonly userappl?: string;
  readonly comments: string[];
  readonly optionProblem?: { readonly at: number; readonly message: string };
}

// Section Header Block (pcapng §4.1): byte-order magic, version, section length, options.
export function sectionHeader(e: Endian): SectionHeader {
  const opts = readOptions(e, 24, e.buf.length - 4);
  const hardware = firstText(opts.options, SHB_HARDWARE);
  const os = firstText(opts.options, SHB_OS);
  const userappl = firstText(opts.options, SHB_USERAPPL);
  return {
    major: e.u16(12),
    minor: e.u16(14),
    sectionLength: e.i64(16),
    ...(hardware !== undefined ? { hardware } : {}),
    ...(os !== undefined ? { os } : {}),
    ...(userappl !== undefined ? { userappl } : {}),
    comments: allTexts(opts.options, OPT_COMMENT),
    ...(opts.problem ? { optionProblem: opts.problem } : {}),
  };
}

// Interface Description Block (pcapng §4.2).
function interfaceDescription(e: Endian, offset: number, ctx: SectionContext): void {
  const linkType = e.u16(8);
  const snaplen = e.u32(12);
  const opts = blockOptions(e, 16, ctx, 'Interface Description Block', offset);
  const tsresol = optionU8(opts, IF_TSRESOL);
  const resolution = tsresol === undefined ? MICROSECONDS : resolutionFromTsresol(tsresol);
  const fcs = optionU8(opts, IF_FCSLEN);
  const name = firstText(opts, IF_NAME);
  const description = firstText(opts, IF_DESCRIPTION);
  const filter = opts.find((o) => o.code === IF_FILTER);
  const os = firstText(opts, IF_OS);
  const hardware = firstText(opts, IF_HARDWARE);
  const iface: CaptureInterface = {
    id: ctx.nextInterfaceId++,
    section: ctx.section,
    localId: ctx.interfaces.length,
    offset,
    linkType,
    snaplen,
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    // if_filter: one byte naming the filter kind (0 = libpcap string), then the filter.
    ...(filter && filter.value.length > 0 ? { filter: utf8Decode(filter.value.subarray(1)).replace(/\0+$/, '') } : {}),
    ...(os !== undefined ? { os } : {}),
    ...(hardware !== undefined ? { hardware } : {}),
    resolution,
    tsoffset: optionI64(opts, IF_TSOFFSET, e.littleEndian) ?? 0n,
    ...(fcs !== undefined ? { fcsLength: fcs } : {}),
    comments: allTexts(opts, OPT_COMMENT),
    options: opts,
  };
  ctx.interfaces.push(iface);
  ctx.emit({ kind: 'interface', iface });
  for (const text of iface.comments) ctx.emit({ kind: 'comment', comment: { offset, where: 'interface', text, interfaceId: iface.id } });
}

function lookupInterface(ctx: SectionContext, localId: number, what: string, offset: number): CaptureInterface | undefined {
  const iface = ctx.interfaces[localId];
  if (!iface) {
    ctx.problem(8, 4, `${what} at offset ${offset} names interface ${localId}, but section ${ctx.section} has ${ctx.interfaces.length} interface(s); packet skipped`);
  }
  return iface;
}

interface PacketFields {
  readonly block: CapturePacket['block'];
  readonly iface: CaptureInterface;
  /** The timestamp's high and low 32 bits; `high` is -1 for an SPB, which has none. */
  readonly high: number;
  readonly low: number;
  readonly capturedLength: number;
  readonly originalLength: number;
  /** Offset of the packet data inside the block. */
  readonly dataAt: number;
  readonly options: readonly CaptureOption[];
}

/** The name of a packet block kind (wanted only in a problem). */
function packetBlockName(block: CapturePacket['block']): string {
  return BLOCK_NAMES[block === 'epb' ? BT_EPB : block === 'spb' ? BT_SPB : BT_PB]!;
}

/** Builds the packet event shared by EPB, SPB and PB, with the checks on its lengths. */
function packet(e: Endian, offset: number, ctx: SectionContext, p: PacketFields): void {
  const index = ctx.nextPacketIndex++;
  if (p.capturedLength === 0) ctx.problem(p.dataAt, 0, `${packetBlockName(p.block)} at offset ${offset} (packet ${index}) has a zero-length frame`);
  if (p.iface.snaplen > 0 && p.capturedLength > p.iface.snaplen) {
    ctx.problem(p.dataAt, p.capturedLength, `${packetBlockName(p.block)} at offset ${offset} (packet ${index}): captured length ${p.capturedLength} exceeds the interface snaplen ${p.iface.snaplen}`);
  }
  if (p.capturedLength > p.originalLength) {
    ctx.problem(p.dataAt, p.capturedLength, `${packetBlockName(p.block)} at offset ${offset} (packet ${index}): captured length ${p.capturedLength} exceeds the original length ${p.originalLength}`);
  }
  const data = e.buf.subarray(p.dataAt, p.dataAt + p.capturedLength);
  const none = p.options.length === 0;
  const flags = none ? undefined : optionU32(p.options, EPB_FLAGS, e.littleEndian);
  const comments = none ? NO_TEXTS : allTexts(p.options, OPT_COMMENT);
  const rest = none ? NO_OPTIONS : p.options.filter((o) => o.code !== OPT_COMMENT && !(p.block !== 'spb' && o.code === EPB_FLAGS));
  ctx.emit({ kind: 'packet', packet: new BlockPacket(index, offset, offset + p.dataAt, p.block, p.iface, p.high, p.low, p.capturedLength, p.originalLength, data, comments, flags, rest) });
}

/**
 * A packet of a packet block. Its timestamp and link layer are worked out the first time they are read: a chunk's
 * packets wait in one list until they are dissected, and what waits should be small.
 */
class BlockPacket implements CapturePacket {
  readonly interfaceId: number;
  readonly linkType: number;
  #time: CaptureTime | undefined | null = null;
  #link: LinkLayer | undefined;
  readonly #iface: CaptureInterface;
  readonly #high: number;
  readonly #low: number;

  constructor(
    readonly index: number,
    readonly offset: number,
    readonly dataOffset: number,
    readonly block: CapturePacket['block'],
    iface: CaptureInterface,
    /** The timestamp's two halves; `high` is -1 for an SPB, which has none. */
    high: number,
    low: number,
    readonly capturedLength: number,
    readonly originalLength: number,
    readonly data: Uint8Array,
    readonly comments: readonly string[],
    readonly flags: number | undefined,
    readonly options: readonly CaptureOption[],
  ) {
    this.interfaceId = iface.id;
    this.linkType = iface.linkType;
    this.#iface = iface;
    this.#high = high;
    this.#low = low;
  }

  get time(): CaptureTime | undefined {
    if (this.#time === null) this.#time = this.#high < 0 ? undefined : captureTimeOf(this.#high, this.#low, this.#iface.resolution, this.#iface.tsoffset);
    return this.#time;
  }

  get link(): LinkLayer {
    return (this.#link ??= decodeLinkLayer(this.data, this.linkType));
  }
}

/** Most packet blocks carry no options: then no list is read or made. */
function packetOptions(e: Endian, start: number, ctx: SectionContext, what: string, offset: number): readonly CaptureOption[] {
  return start + 4 > e.buf.length - 4 ? NO_OPTIONS : blockOptions(e, start, ctx, what, offset);
}

/** Shared by every packet without options or comments (frozen: nobody may add to them). */
const NO_OPTIONS: readonly CaptureOption[] = Object.freeze([]);
const NO_TEXTS: readonly string[] = Object.freeze([]);

/** The packet data must fit between the fixed fields and the trailing length. */
function dataFits(e: Endian, dataAt: number, capturedLength: number, what: string, offset: number, ctx: SectionContext): boolean {
  const room = e.buf.length - 4 - dataAt;
  if (capturedLength <= room) return true;
  ctx.problem(dataAt - 8, 4, `${what} at offset ${offset}: captured length ${capturedLength} does not fit the block (${room} bytes of room); packet skipped`);
  return false;
}

// Enhanced Packet Block (pcapng §4.3).
function enhancedPacket(e: Endian, offset: number, ctx: SectionContext): void {
  timestampedPacket(e, offset, ctx, 'epb', 'Enhanced Packet Block', e.u32(8));
}

/**
 * The two blocks laid out alike after their interface id: timestamp (high, low), captured and original length,
 * data, options. They differ only in how wide the interface id is.
 */
function timestampedPacket(e: Endian, offset: number, ctx: SectionContext, block: 'epb' | 'pb', what: string, interfaceId: number): void {
  const iface = lookupInterface(ctx, interfaceId, what, offset);
  const capturedLength = e.u32(20);
  if (!iface || !dataFits(e, 28, capturedLength, what, offset, ctx)) return;
  packet(e, offset, ctx, {
    block,
    iface,
    high: e.u32(12),
    low: e.u32(16),
    capturedLength,
    originalLength: e.u32(24),
    dataAt: 28,
    options: packetOptions(e, 28 + pad4(capturedLength), ctx, what, offset),
  });
}

// Simple Packet Block (pcapng §4.4): interface 0, no timestamp; captured length = min(original, snaplen, room).
function simplePacket(e: Endian, offset: number, ctx: SectionContext): void {
  const iface = ctx.interfaces[0];
  if (!iface) {
    ctx.problem(0, 4, `Simple Packet Block at offset ${offset} but section ${ctx.section} has no interface; packet skipped`);
    return;
  }
  const originalLength = e.u32(8);
  const room = e.buf.length - 16;
  let capturedLength = Math.min(originalLength, room);
  if (iface.snaplen > 0) capturedLength = Math.min(capturedLength, iface.snaplen);
  packet(e, offset, ctx, { block: 'spb', iface, high: -1, low: 0, capturedLength, originalLength, dataAt: 12, options: [] });
}

// Packet Block, obsolete (pcapng Appendix A): 16-bit interface id and drops count.
function obsoletePacket(e: Endian, offset: number, ctx: SectionContext): void {
  timestampedPacket(e, offset, ctx, 'pb', 'Packet Block', e.u16(8));
}
