import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';

/** The Data Channel Establishment Protocol (RFC 8832), carried in DATA chunks with PPID 50. */

/** RFC 8832 §8.2.1 message types. */
export const DcepType = { DATA_CHANNEL_ACK: 0x02, DATA_CHANNEL_OPEN: 0x03 } as const;

/** RFC 8832 §5.1 channel types: 0x80 is the unordered bit. */
export const ChannelType = {
  RELIABLE: 0x00,
  RELIABLE_UNORDERED: 0x80,
  PARTIAL_RELIABLE_REXMIT: 0x01,
  PARTIAL_RELIABLE_REXMIT_UNORDERED: 0x81,
  PARTIAL_RELIABLE_TIMED: 0x02,
  PARTIAL_RELIABLE_TIMED_UNORDERED: 0x82,
} as const;

const CHANNEL_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'DATA_CHANNEL_RELIABLE',
  0x80: 'DATA_CHANNEL_RELIABLE_UNORDERED',
  0x01: 'DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT',
  0x81: 'DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED',
  0x02: 'DATA_CHANNEL_PARTIAL_RELIABLE_TIMED',
  0x82: 'DATA_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED',
};

export function channelTypeName(t: number): string {
  return CHANNEL_TYPE_NAMES[t] ?? `channel type 0x${t.toString(16).padStart(2, '0')}`;
}

/** How reliable a channel is, from its channel type and reliability parameter (RFC 8832 §5.1). */
export interface ChannelReliability {
  readonly ordered: boolean;
  /** RFC 3758 partial reliability: retransmissions limited to a count, or a lifetime in ms. */
  readonly maxRetransmits?: number;
  readonly maxPacketLifeTime?: number;
}

export function reliabilityOf(channelType: number, reliabilityParameter: number): ChannelReliability {
  const ordered = (channelType & 0x80) === 0;
  const base = channelType & 0x7f;
  if (base === 0x01) return { ordered, maxRetransmits: reliabilityParameter };
  if (base === 0x02) return { ordered, maxPacketLifeTime: reliabilityParameter };
  return { ordered };
}

/** The channel type and reliability parameter for a reliability (RFC 8832 §5.1). */
export function channelTypeOf(r: ChannelReliability): { channelType: number; reliabilityParameter: number } {
  const u = r.ordered ? 0 : 0x80;
  if (r.maxRetransmits !== undefined) return { channelType: 0x01 | u, reliabilityParameter: r.maxRetransmits };
  if (r.maxPacketLifeTime !== undefined) return { channelType: 0x02 | u, reliabilityParameter: r.maxPacketLifeTime };
  return { channelType: u, reliabilityParameter: 0 };
}

/** "reliable, ordered" / "unordered, max 0 retransmits" / "ordered, max lifetime 500 ms". */
export function describeReliability(r: ChannelReliability): string {
  const order = r.ordered ? 'ordered' : 'unordered';
  if (r.maxRetransmits !== undefined) return `${order}, max ${r.maxRetransmits} retransmit${r.maxRetransmits === 1 ? '' : 's'}`;
  if (r.maxPacketLifeTime !== undefined) return `${order}, max lifetime ${r.maxPacketLifeTime} ms`;
  return `reliable, ${order}`;
}

export type DcepMessage =
  | {
      readonly kind: 'DATA_CHANNEL_OPEN';
      readonly channelType: number;
      /** RFC 8832 §6.4 / RFC 8831 §6.4: priority (256 below normal, 512 normal, 1024 high, 2048 extra high). */
      readonly priority: number;
      readonly reliabilityParameter: number;
      readonly label: string;
      readonly protocol: string;
    }
  | { readonly kind: 'DATA_CHANNEL_ACK' };

const UTF8 = new TextDecoder('utf-8', { fatal: false });
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });
const ENC = new TextEncoder();

/** Decodes a DCEP message; undefined with a problem when its type is unknown or it is cut short. Never throws. */
export function decodeDcep(buf: Uint8Array, opts: { readonly base?: number; readonly spans?: boolean } = {}): Decoded<DcepMessage | undefined> {
  const r = new Reader(buf, opts.base ?? 0, 0, buf.length, opts.spans ?? true);
  if (!buf.length) {
    r.problem('empty DCEP message (RFC 8832 §5)', 0, 0);
    return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  }
  const type = r.u8('message type', (v) => (v === 3 ? '0x03 (DATA_CHANNEL_OPEN)' : v === 2 ? '0x02 (DATA_CHANNEL_ACK)' : `0x${v.toString(16)} (unknown)`));
  if (type === DcepType.DATA_CHANNEL_ACK) {
    if (buf.length !== 1) r.problem(`DATA_CHANNEL_ACK is one byte, this one has ${buf.length} (RFC 8832 §5.2)`, 1, buf.length - 1);
    return { value: { kind: 'DATA_CHANNEL_ACK' }, fields: r.fieldList(), problems: r.problemList() };
  }
  if (type !== DcepType.DATA_CHANNEL_OPEN) {
    r.problem(`unknown DCEP message type 0x${type.toString(16)} (RFC 8832 §8.2.1)`, 0, 1);
    return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  }
  const channelType = r.u8('channel type', (v) => `0x${v.toString(16).padStart(2, '0')} (${channelTypeName(v)})`);
  const priority = r.u16('priority');
  const reliabilityParameter = r.u32('reliability parameter');
  const labelLength = r.u16('label length');
  const protocolLength = r.u16('protocol length');
  if (r.truncated) return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  if (12 + labelLength + protocolLength !== buf.length) {
    r.problem(`label length ${labelLength} + protocol length ${protocolLength} say ${12 + labelLength + protocolLength} bytes, the message has ${buf.length} (RFC 8832 §5.1)`, 8, 4);
  }
  const labelBytes = r.bytes(labelLength, 'label', (v) => JSON.stringify(UTF8.decode(v)));
  const protocolBytes = r.bytes(protocolLength, 'protocol', (v) => JSON.stringify(UTF8.decode(v)));
  if (!CHANNEL_TYPE_NAMES[channelType]) r.problem(`unknown channel type 0x${channelType.toString(16)} (RFC 8832 §8.2.2)`, 1, 1);
  for (const [what, b] of [['label', labelBytes], ['protocol', protocolBytes]] as const) {
    try {
      UTF8_STRICT.decode(b);
    } catch {
      r.problem(`${what} is not UTF-8 (RFC 8832 §5.1)`, 12, b.length);
    }
  }
  return {
    value: { kind: 'DATA_CHANNEL_OPEN', channelType, priority, reliabilityParameter, label: UTF8.decode(labelBytes), protocol: UTF8.decode(protocolBytes) },
    fields: r.fieldList(),
    problems: r.problemList(),
  };
}

export function encodeDcep(m: DcepMessage): Uint8Array {
  if (m.kind === 'DATA_CHANNEL_ACK') return Uint8Array.of(DcepType.DATA_CHANNEL_ACK);
  const label = ENC.encode(m.label);
  const protocol = ENC.encode(m.protocol);
  return new Writer(12 + label.length + protocol.length)
    .u8(DcepType.DATA_CHANNEL_OPEN)
    .u8(m.channelType)
    .u16(m.priority)
    .u32(m.reliabilityParameter)
    .u16(label.length)
    .u16(protocol.length)
    .bytes(label)
    .bytes(protocol)
    .finish();
}

/** "OPEN "chat" (reliable, ordered), protocol "json"" / "ACK". */
export function describeDcep(m: DcepMessage): string {
  if (m.kind === 'DATA_CHANNEL_ACK') return 'DATA_CHANNEL_ACK';
  const proto = m.protocol ? `, protocol ${JSON.stringify(m.protocol)}` : '';
  return `DATA_CHANNEL_OPEN ${JSON.stringify(m.label)} (${describeReliability(reliabilityOf(m.channelType, m.reliabilityParameter))}${proto})`;
}
