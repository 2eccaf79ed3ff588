import { toHex } from '../../core/encoding.ts';
import type { Decoded } from '../field.ts';
import { formatIPv4 } from '../ip/address.ts';
import { Reader } from '../reader.ts';

/** ARP's ethertype (RFC 826; IEEE 802 numbers). */
export const ETHERTYPE_ARP = 0x0806;

/** RFC 826 ar$op, and RFC 903's RARP codes (IANA "ARP Parameters"). */
const OPCODES: Readonly<Record<number, string>> = { 1: 'request', 2: 'reply', 3: 'reverse request', 4: 'reverse reply', 8: 'InARP request', 9: 'InARP reply' };
/** ar$hrd values seen on our links (IANA "Hardware Types"). */
const HARDWARE: Readonly<Record<number, string>> = { 1: 'Ethernet', 6: 'IEEE 802', 32: 'InfiniBand', 772: 'Loopback' };

/**
 * An ARP packet (RFC 826): hardware and protocol types and sizes, the operation, then the sender's and the target's
 * hardware and protocol addresses. Addresses are shown as MAC and IPv4 when the sizes are 6 and 4 (Ethernet, IPv4).
 */
export interface ArpPacket {
  readonly hardwareType: number;
  readonly protocolType: number;
  readonly hardwareSize: number;
  readonly protocolSize: number;
  readonly opcode: number;
  readonly opcodeName: string;
  readonly senderHardware: string;
  readonly senderProtocol: string;
  readonly targetHardware: string;
  readonly targetProtocol: string;
}

const mac = (b: Uint8Array): string => toHex(b, ':');
const showHardware = (size: number) => (b: Uint8Array): string => (size === 6 ? mac(b) : toHex(b));
const showProtocol = (type: number, size: number) => (b: Uint8Array): string => (type === 0x0800 && size === 4 && b.length === 4 ? formatIPv4(b) : toHex(b));

export const arpOpcodeName = (op: number): string => OPCODES[op] ?? 'unknown';

/** Decodes an ARP packet; `base` is where `buf[0]` sits in the frame. Never throws; a packet cut short has a problem naming the address that ran out. */
export function decodeArp(buf: Uint8Array, base = 0, spans = true): Decoded<ArpPacket | undefined> {
  const r = new Reader(buf, base, 0, buf.length, spans);
  const hardwareType = r.u16('arp.hw.type', (v) => `${HARDWARE[v] ?? 'unknown'} (${v})`);
  const protocolType = r.u16('arp.proto.type', (v) => `${v === 0x0800 ? 'IPv4' : 'unknown'} (0x${v.toString(16).padStart(4, '0')})`);
  const hardwareSize = r.u8('arp.hw.size');
  const protocolSize = r.u8('arp.proto.size');
  const opcode = r.u16('arp.opcode', (v) => `${arpOpcodeName(v)} (${v})`);
  if (r.truncated) return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  const hw = showHardware(hardwareSize);
  const proto = showProtocol(protocolType, protocolSize);
  const sha = r.bytes(hardwareSize, 'arp.src.hw', hw);
  const spa = r.bytes(protocolSize, 'arp.src.proto', proto);
  const tha = r.bytes(hardwareSize, 'arp.dst.hw', hw);
  const tpa = r.bytes(protocolSize, 'arp.dst.proto', proto);
  // a packet cut short: the reader said which address ran out, and the addresses read so far are kept
  // an Ethernet frame is padded to 60 bytes: what follows the addresses is padding, not ARP (RFC 826 sizes it)
  if (r.remaining > 0 && spans) r.field('padding', r.pos, r.remaining, `${r.remaining} bytes`);
  return {
    value: { hardwareType, protocolType, hardwareSize, protocolSize, opcode, opcodeName: arpOpcodeName(opcode), senderHardware: hw(sha), senderProtocol: proto(spa), targetHardware: hw(tha), targetProtocol: proto(tpa) },
    fields: r.fieldList(),
    problems: r.problemList(),
  };
}

/**
 * One line as a person reads it (tshark's words): "Who has 10.0.0.1? Tell 10.0.0.2", "10.0.0.1 is at a2:28:…",
 * an ARP probe (RFC 5227 §2.1.1: sender address 0.0.0.0) and a gratuitous ARP (sender and target address equal).
 */
export function describeArp(a: ArpPacket): string {
  if (a.opcode === 1) {
    if (a.senderProtocol === '0.0.0.0') return `Who has ${a.targetProtocol}? (ARP Probe)`;
    if (a.senderProtocol === a.targetProtocol) return `Gratuitous ARP for ${a.targetProtocol} (Request)`;
    return `Who has ${a.targetProtocol}? Tell ${a.senderProtocol}`;
  }
  if (a.opcode === 2) {
    if (a.senderProtocol === a.targetProtocol) return `Gratuitous ARP for ${a.senderProtocol} (Reply)`;
    return `${a.senderProtocol} is at ${a.senderHardware}`;
  }
  return `ARP ${a.opcodeName} (${a.opcode})`;
}
