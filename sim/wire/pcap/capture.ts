import type { Problem } from '../field.ts';
import type { LinkLayer } from './link-layer.ts';

/** What the capture reader produces, for pcap and pcapng alike. */

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * A packet timestamp without loss: `ticks` counts the interface's resolution units since the Unix epoch
 * (if_tsoffset included, in ticks), `ns` is exact when the resolution is 10^-n with n ≤ 9, `us` is floor(ns / 1000).
 */
export interface CaptureTime {
  readonly us: number;
  readonly ns: bigint;
  /** False when the resolution is finer than 1 ns or not a power of ten (then `ns` is rounded down). */
  readonly exact: boolean;
  readonly ticks: bigint;
}

/** A pcapng option kept as it was (code, value bytes without padding). */
export interface CaptureOption {
  readonly code: number;
  readonly value: Uint8Array;
}

export interface TimestampResolution {
  /** 10 or 2: if_tsresol's top bit chooses (pcapng §4.2). */
  readonly base: 10 | 2;
  readonly exponent: number;
  readonly ticksPerSecond: bigint;
}

export interface CaptureInterface {
  /** Index in `Capture.interfaces` (across all sections). */
  readonly id: number;
  readonly section: number;
  /** Interface ID as the packets of its section name it. */
  readonly localId: number;
  /** File offset of the IDB (or 0 for the pcap file header). */
  readonly offset: number;
  readonly linkType: number;
  readonly snaplen: number;
  readonly name?: string;
  readonly description?: string;
  readonly filter?: string;
  readonly os?: string;
  readonly hardware?: string;
  readonly resolution: TimestampResolution;
  /** if_tsoffset: seconds added to every timestamp. */
  readonly tsoffset: bigint;
  /** Bytes of FCS at the end of each frame, when the file says. */
  readonly fcsLength?: number;
  readonly comments: readonly string[];
  readonly options: readonly CaptureOption[];
}

export type PacketBlock = 'pcap-record' | 'epb' | 'spb' | 'pb';

export interface CapturePacket {
  /** 0-based position among the packets of the file. */
  readonly index: number;
  /** File offset of the record or block. */
  readonly offset: number;
  /** File offset of the frame's first byte: add it to link-layer field offsets for the whole-file view. */
  readonly dataOffset: number;
  readonly block: PacketBlock;
  readonly interfaceId: number;
  readonly linkType: number;
  /** Absent for Simple Packet Blocks, which carry no timestamp. */
  readonly time: CaptureTime | undefined;
  readonly capturedLength: number;
  readonly originalLength: number;
  /** The captured frame (a view into the bytes that were pushed, not a copy). */
  readonly data: Uint8Array;
  readonly link: LinkLayer;
  readonly comments: readonly string[];
  /** epb_flags (pcapng §4.3.1): direction, reception type, FCS length, link-layer errors. */
  readonly flags?: number;
  /** All other options of the block, in file order. */
  readonly options: readonly CaptureOption[];
}

/** A Decryption Secrets Block (pcapng §4.7). */
export interface CaptureSecret {
  readonly offset: number;
  /** 0x544c534b = TLS key log, 0x5353484b = SSH, 0x57474b4c = WireGuard, … */
  readonly type: number;
  readonly typeName: string;
  /** For text secrets (TLS/SSH key logs), the text; otherwise undefined. */
  readonly text: string | undefined;
  readonly data: Uint8Array;
  /** Index of the next packet when the block was read: the secrets apply from that packet on. */
  readonly beforePacket: number;
}

export interface CaptureComment {
  readonly offset: number;
  /** Where the comment sits: the section header, an interface description or statistics block. */
  readonly where: 'section' | 'interface' | 'statistics' | 'name-resolution' | 'secrets';
  readonly text: string;
  /** For interface and statistics comments, the interface id. */
  readonly interfaceId?: number;
}

export interface CaptureSection {
  readonly index: number;
  readonly offset: number;
  readonly littleEndian: boolean;
  readonly version: string;
  readonly hardware?: string;
  readonly os?: string;
  readonly userappl?: string;
}

/** An Interface Statistics Block (pcapng §4.6); counters are absent when the block does not carry them. */
export interface CaptureStatistics {
  readonly offset: number;
  readonly interfaceId: number;
  readonly time: CaptureTime;
  readonly received?: bigint;
  readonly dropped?: bigint;
  readonly filterAccepted?: bigint;
  readonly osDropped?: bigint;
  readonly delivered?: bigint;
}

/** One Name Resolution Block record (pcapng §4.5). */
export interface CaptureName {
  readonly address: string;
  readonly names: readonly string[];
}

export interface CaptureProblem extends Problem {
  /** A fatal problem ends reading: the framing cannot be trusted after `offset`. */
  readonly fatal: boolean;
}

export type CaptureEvent =
  /** First event of a file; `magic` as read big-endian (0xa1b2c3d4 µs, 0xa1b23c4d ns, 0xa1b2cd34 modified, 0x0a0d0d0a). */
  | { readonly kind: 'format'; readonly format: CaptureFormat; readonly littleEndian: boolean; readonly magic: number }
  | { readonly kind: 'section'; readonly section: CaptureSection }
  | { readonly kind: 'interface'; readonly iface: CaptureInterface }
  | { readonly kind: 'packet'; readonly packet: CapturePacket }
  | { readonly kind: 'secret'; readonly secret: CaptureSecret }
  | { readonly kind: 'comment'; readonly comment: CaptureComment }
  | { readonly kind: 'statistics'; readonly statistics: CaptureStatistics }
  | { readonly kind: 'names'; readonly offset: number; readonly names: readonly CaptureName[] }
  | { readonly kind: 'skipped'; readonly offset: number; readonly blockType: number; readonly length: number; readonly reason: string }
  | { readonly kind: 'problem'; readonly problem: CaptureProblem };

/** A whole capture in memory (what `readCapture` returns). */
export interface Capture {
  format: CaptureFormat | undefined;
  /** Byte order of the first section (or of the pcap file). */
  littleEndian: boolean | undefined;
  magic: number | undefined;
  sections: CaptureSection[];
  interfaces: CaptureInterface[];
  packets: CapturePacket[];
  secrets: CaptureSecret[];
  comments: CaptureComment[];
  statistics: CaptureStatistics[];
  names: CaptureName[];
  problems: CaptureProblem[];
}

export function emptyCapture(): Capture {
  return {
    format: undefined,
    littleEndian: undefined,
    magic: undefined,
    sections: [],
    interfaces: [],
    packets: [],
    secrets: [],
    comments: [],
    statistics: [],
    names: [],
    problems: [],
  };
}

/** Folds one reader event into a capture (so a streaming consumer can keep whatever it wants). */
export function applyCaptureEvent(c: Capture, e: CaptureEvent): void {
  switch (e.kind) {
    case 'format':
      c.format = e.format;
      c.littleEndian = e.littleEndian;
      c.magic = e.magic;
      break;
    case 'section':
      c.sections.push(e.section);
      break;
    case 'interface':
      c.interfaces.push(e.iface);
      break;
    case 'packet':
      c.packets.push(e.packet);
      break;
    case 'secret':
      c.secrets.push(e.secret);
      break;
    case 'comment':
      c.comments.push(e.comment);
      break;
    case 'statistics':
      c.statistics.push(e.statistics);
      break;
    case 'names':
      c.names.push(...e.names);
      break;
    case 'skipped':
      break;
    case 'problem':
      c.problems.push(e.problem);
      break;
  }
}
