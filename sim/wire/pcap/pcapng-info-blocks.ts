import { formatIPv4, formatIPv6 } from '../ip/address.ts';
import { utf8Decode } from '../../core/encoding.ts';
import type { CaptureName } from './capture.ts';
import { OPT_COMMENT, allTexts, blockOptions, optionU64, pad4, type Endian, type SectionContext } from './pcapng-options.ts';
import { captureTime, joinTicks } from './timestamp.ts';

/** The blocks around the packets: statistics, name resolution and decryption secrets (pcapng §4.5–§4.7). */

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

const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const ISB_FILTERACCEPT = 6;
const ISB_OSDROP = 7;
const ISB_USRDELIV = 8;
const NRB_RECORD_END = 0;
const NRB_RECORD_IPV4 = 1;
const NRB_RECORD_IPV6 = 2;

// Interface Statistics Block (pcapng §4.6).
export function interfaceStatistics(e: Endian, offset: number, ctx: SectionContext): void {
  const what = 'Interface Statistics Block';
  const iface = ctx.interfaces[e.u32(8)];
  if (!iface) {
    ctx.problem(8, 4, `${what} at offset ${offset} names interface ${e.u32(8)}, which section ${ctx.section} does not have; skipped`);
    return;
  }
  const opts = blockOptions(e, 20, ctx, what, offset);
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
export function nameResolution(e: Endian, offset: number, ctx: SectionContext): void {
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
    for (const text of allTexts(blockOptions(e, at, ctx, 'Name Resolution Block', offset), OPT_COMMENT)) {
      ctx.emit({ kind: 'comment', comment: { offset, where: 'name-resolution', text } });
    }
  }
}

// Decryption Secrets Block (pcapng §4.7): secrets type, length, data, options.
export function decryptionSecrets(e: Endian, offset: number, ctx: SectionContext): void {
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
  for (const text of allTexts(blockOptions(e, 16 + pad4(length), ctx, 'Decryption Secrets Block', offset), OPT_COMMENT)) {
    ctx.emit({ kind: 'comment', comment: { offset, where: 'secrets', text } });
  }
}
