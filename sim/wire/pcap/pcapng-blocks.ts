import { formatIPv4, formatIPv6 } from '../ip/address.ts';
import { utf8Decode } from '../../core/encoding.ts';
import type { CaptureEvent, CaptureInterface, CaptureName, CaptureOption, CapturePacket } from './capture.ts';
import { decodeLinkLayer } from './link-layer.ts';
import {
  Endian,
  OPT_COMMENT,
  allTexts,
  firstText,
  optionI64,
  optionU32,
  optionU64,
  optionU8,
  pad4,
  readOptions,
} from './pcapng-options.ts';
import { MICROSECONDS, captureTime, joinTicks, resolutionFromTsresol } from './timestamp.ts';

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

/** Decryption Secrets Block secrets types (pcapng §4.7). */
export const SECRETS_TLS_KEY_LOG = 0x544c534b;
export const SECRETS_SSH_KEY_LOG = 0x5353484b;
const SECRETS_NAMES: Record<number, string> = {
  [SECRETS_TLS_KEY_LOG]: 'TLS key log',
  [SECRETS_SSH_KEY_LOG]: 'SSH key log',
  0x57474b4c: 'WireGuard key log',
  0x5a4e574b: 'ZigBee NWK key',
  0x5a415053: 'ZigBee APS key',
  0x55414b4c: 'OPC UA key log',
};

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
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const ISB_FILTERACCEPT = 6;
const ISB_OSDROP = 7;
const ISB_USRDELIV = 8;
const NRB_RECORD_END = 0;
const NRB_RECORD_IPV4 = 1;
const NRB_RECORD_IPV6 = 2;

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

/** Options from `start` to the trailing length, reporting (not failing on) a lying option length. */
function options(e: Endian, start: number, ctx: SectionContext, what: string, offset: number): CaptureOption[] {
  const list = readOptions(e, start, e.buf.length - 4);
  if (list.problem) ctx.problem(list.problem.at, 4, `${what} at offset ${offset}: ${list.problem.message}; later options ignored`);
  return list.options;
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
  const opts = options(e, 16, ctx, 'Interface Description Block', offset);
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
  readonly ticks: bigint | undefined;
  readonly capturedLength: number;
  readonly originalLength: number;
  /** Offset of the packet data inside the block. */
  readonly dataAt: number;
  readonly options: CaptureOption[];
}

/** Builds the packet event shared by EPB, SPB and PB, with the checks on its lengths. */
function packet(e: Endian, offset: number, ctx: SectionContext, p: PacketFields): void {
  const what = BLOCK_NAMES[p.block === 'epb' ? BT_EPB : p.block === 'spb' ? BT_SPB : BT_PB]!;
  const index = ctx.nextPacketIndex++;
  if (p.capturedLength === 0) ctx.problem(p.dataAt, 0, `${what} at offset ${offset} (packet ${index}) has a zero-length frame`);
  if (p.iface.snaplen > 0 && p.capturedLength > p.iface.snaplen) {
    ctx.problem(p.dataAt, p.capturedLength, `${what} at offset ${offset} (packet ${index}): captured length ${p.capturedLength} exceeds the interface snaplen ${p.iface.snaplen}`);
  }
  if (p.capturedLength > p.originalLength) {
    ctx.problem(p.dataAt, p.capturedLength, `${what} at offset ${offset} (packet ${index}): captured length ${p.capturedLength} exceeds the original length ${p.originalLength}`);
  }
  const data = e.buf.subarray(p.dataAt, p.dataAt + p.capturedLength);
  const flags = optionU32(p.options, EPB_FLAGS, e.littleEndian);
  const comments = allTexts(p.options, OPT_COMMENT);
  const rest = p.options.filter((o) => o.code !== OPT_COMMENT && !(p.block !== 'spb' && o.code === EPB_FLAGS));
  ctx.emit({
    kind: 'packet',
    packet: {
      index,
      offset,
      dataOffset: offset + p.dataAt,
      block: p.block,
      interfaceId: p.iface.id,
      linkType: p.iface.linkType,
      time: p.ticks === undefined ? undefined : captureTime(p.ticks, p.iface.resolution, p.iface.tsoffset),
      capturedLength: p.capturedLength,
      originalLength: p.originalLength,
      data,
      link: decodeLinkLayer(data, p.iface.linkType),
      comments,
      ...(flags !== undefined ? { flags } : {}),
      options: rest,
    },
  });
}

/** The packet data must fit between the fixed fields and the trailing length. */
function dataFits(e: Endian, dataAt: number, capturedLength: number, what: string, offset: number, ctx: SectionContext): boolean {
  const room = e.buf.length - 4 - dataAt;
  if (capturedLength <= room) return true;
  ctx.problem(dataAt - 8, 4, `${what} at offset ${offset}: captured length ${capturedLength} does not fit the block (${room} bytes of room); packet skipped`);
  return false;
}

// Enhanced Packet Block (pcapng §4.3).
function enhancedPacket(e: Endian, offset: number, ctx: SectionContext): void {
  const what = 'Enhanced Packet Block';
  const iface = lookupInterface(ctx, e.u32(8), what, offset);
  const capturedLength = e.u32(20);
  if (!iface || !dataFits(e, 28, capturedLength, what, offset, ctx)) return;
  packet(e, offset, ctx, {
    block: 'epb',
    iface,
    ticks: joinTicks(e.u32(12), e.u32(16)),
    capturedLength,
    originalLength: e.u32(24),
    dataAt: 28,
    options: options(e, 28 + pad4(capturedLength), ctx, what, offset),
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
  packet(e, offset, ctx, { block: 'spb', iface, ticks: undefined, capturedLength, originalLength, dataAt: 12, options: [] });
}

// Packet Block, obsolete (pcapng Appendix A): 16-bit interface id and drops count.
function obsoletePacket(e: Endian, offset: number, ctx: SectionContext): void {
  const what = 'Packet Block';
  const iface = lookupInterface(ctx, e.u16(8), what, offset);
  const capturedLength = e.u32(20);
  if (!iface || !dataFits(e, 28, capturedLength, what, offset, ctx)) return;
  packet(e, offset, ctx, {
    block: 'pb',
    iface,
    ticks: joinTicks(e.u32(12), e.u32(16)),
    capturedLength,
    originalLength: e.u32(24),
    dataAt: 28,
    options: options(e, 28 + pad4(capturedLength), ctx, what, offset),
  });
}

// Interface Statistics Block (pcapng §4.6).
function interfaceStatistics(e: Endian, offset: number, ctx: SectionContext): void {
  const what = 'Interface Statistics Block';
  const iface = ctx.interfaces[e.u32(8)];
  if (!iface) {
    ctx.problem(8, 4, `${what} at offset ${offset} names interface ${e.u32(8)}, which section ${ctx.section} does not have; skipped`);
    return;
  }
  const opts = options(e, 20, ctx, what, offset);
  const le = e.littleEndian;
  const counters: [string, number][] = [
    ['received', ISB_IFRECV],
    ['dropped', ISB_IFDROP],
    ['filterAccepted', ISB_FILTERACCEPT],
    ['osDropped', ISB_OSDROP],
    ['delivered', ISB_USRDELIV],
  ];
  const values: Record<string, bigint> = {};
  for (const [key, code] of counters) {
    const v = optionU64(opts, code, le);
    if (v !== undefined) values[key] = v;
  }
  ctx.emit({
    kind: 'statistics',
    statistics: { offset, interfaceId: iface.id, time: captureTime(joinTicks(e.u32(12), e.u32(16)), iface.resolution, iface.tsoffset), ...values },
  });
  for (const text of allTexts(opts, OPT_COMMENT)) ctx.emit({ kind: 'comment', comment: { offset, where: 'statistics', text, interfaceId: iface.id } });
}

// Name Resolution Block (pcapng §4.5): records (type, length, address + NUL-terminated names), then options.
function nameResolution(e: Endian, offset: number, ctx: SectionContext): void {
  const end = e.buf.length - 4;
  const names: CaptureName[] = [];
  let at = 8;
  let ended = false;
  while (at + 4 <= end) {
    const type = e.u16(at);
    const length = e.u16(at + 2);
    if (type === NRB_RECORD_END) {
      at += 4;
      ended = true;
      break;
    }
    if (at + 4 + length > end) {
      ctx.problem(at, 4, `Name Resolution Block at offset ${offset}: record of ${length} bytes runs past the block; rest ignored`);
      break;
    }
    const value = e.buf.subarray(at + 4, at + 4 + length);
    const addrLength = type === NRB_RECORD_IPV4 ? 4 : type === NRB_RECORD_IPV6 ? 16 : -1;
    if (addrLength > 0 && value.length >= addrLength) {
      const address = addrLength === 4 ? formatIPv4(value) : formatIPv6(value);
      const list = utf8Decode(value.subarray(addrLength)).split('\0').filter((s) => s.length > 0);
      names.push({ address, names: list });
    }
    at += 4 + pad4(length);
  }
  if (names.length > 0) ctx.emit({ kind: 'names', offset, names });
  if (ended) {
    for (const text of allTexts(options(e, at, ctx, 'Name Resolution Block', offset), OPT_COMMENT)) {
      ctx.emit({ kind: 'comment', comment: { offset, where: 'name-resolution', text } });
    }
  }
}

// Decryption Secrets Block (pcapng §4.7): secrets type, length, data, options.
function decryptionSecrets(e: Endian, offset: number, ctx: SectionContext): void {
  const type = e.u32(8);
  const length = e.u32(12);
  const room = e.buf.length - 20;
  if (length > room) {
    ctx.problem(12, 4, `Decryption Secrets Block at offset ${offset}: secrets length ${length} does not fit the block (${room} bytes of room); skipped`);
    return;
  }
  const data = e.buf.subarray(16, 16 + length);
  const textual = type === SECRETS_TLS_KEY_LOG || type === SECRETS_SSH_KEY_LOG;
  ctx.emit({
    kind: 'secret',
    secret: {
      offset,
      type,
      typeName: SECRETS_NAMES[type] ?? `secrets type 0x${type.toString(16).padStart(8, '0')}`,
      text: textual ? utf8Decode(data) : undefined,
      data,
      beforePacket: ctx.nextPacketIndex,
    },
  });
  for (const text of allTexts(options(e, 16 + pad4(length), ctx, 'Decryption Secrets Block', offset), OPT_COMMENT)) {
    ctx.emit({ kind: 'comment', comment: { offset, where: 'secrets', text } });
  }
}
