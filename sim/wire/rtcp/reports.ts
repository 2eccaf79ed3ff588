import type { Reader } from '../reader.ts';
import { hex } from '../struct.ts';
import type { Writer } from '../writer.ts';

/** RFC 3550 §6.4.1: one reception report block is 24 bytes. */
export const REPORT_BLOCK_SIZE = 24;

export interface ReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the last report, in 1/256 (RFC 3550 §6.4.1). */
  readonly fractionLost: number;
  /** Cumulative number of packets lost: signed 24 bits (duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received: cycles in the high 16 bits. */
  readonly highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
  /** The middle 32 bits of the NTP timestamp of the last SR received (LSR). */
  readonly lastSr: number;
  /** Delay since that SR in 1/65536 s (DLSR). */
  readonly delaySinceLastSr: number;
}

export interface SenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** NTP timestamp (RFC 3550 §4): seconds since 1900 in the high 32 bits, fraction in the low 32. */
  readonly ntpTimestamp: bigint;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly ReportBlock[];
  /** Profile-specific extension after the report blocks (RFC 3550 §6.4.1), if any. */
  readonly extension?: Uint8Array;
  readonly padding?: number;
}

export interface ReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly ReportBlock[];
  readonly extension?: Uint8Array;
  readonly padding?: number;
}

const signed24 = (v: number): number => (v & 0x800000 ? v - 0x1000000 : v);

function readBlocks(r: Reader, count: number, end: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    if (r.pos + REPORT_BLOCK_SIZE > end) {
      r.problem(`report block ${i + 1} of ${count} does not fit in the packet`, r.pos, end - r.pos);
      break;
    }
    out.push(
      r.group(`report block ${i + 1}`, () => ({
        ssrc: r.u32('SSRC', hex(8)),
        fractionLost: r.u8('fraction lost', (v) => `${v}/256 (${((v * 100) / 256).toFixed(1)}%)`),
        cumulativeLost: signed24(r.u24('cumulative number of packets lost', (v) => String(signed24(v)))),
        highestSequence: r.u32('extended highest sequence number received'),
        jitter: r.u32('interarrival jitter'),
        lastSr: r.u32('last SR (LSR)', hex(8)),
        delaySinceLastSr: r.u32('delay since last SR (DLSR)', (v) => `${v} (${((v / 65536) * 1000).toFixed(3)} ms)`),
      })),
    );
  }
  return out;
}

function readExtension(r: Reader, end: number): Uint8Array | undefined {
  return r.pos < end ? r.bytes(end - r.pos, 'profile-specific extension') : undefined;
}

/** Body of an SR after the common header (RFC 3550 §6.4.1). */
export function readSenderReport(r: Reader, count: number, end: number): SenderReport {
  const ssrc = r.u32('SSRC of sender', hex(8));
  const info = r.group('sender info', () => ({
    ntpTimestamp: r.u64('NTP timestamp', (v) => ntpDisplay(v)),
    rtpTimestamp: r.u32('RTP timestamp'),
    packetCount: r.u32("sender's packet count"),
    octetCount: r.u32("sender's octet count"),
  }));
  const reports = readBlocks(r, count, end);
  const extension = readExtension(r, end);
  return { type: 'sr', ssrc, ...info, reports, ...(extension ? { extension } : {}) };
}

export function readReceiverReport(r: Reader, count: number, end: number): ReceiverReport {
  const ssrc = r.u32('SSRC of packet sender', hex(8));
  const reports = readBlocks(r, count, end);
  const extension = readExtension(r, end);
  return { type: 'rr', ssrc, reports, ...(extension ? { extension } : {}) };
}

function ntpDisplay(v: bigint): string {
  const secs = Number(v >> 32n);
  const frac = Number(v & 0xffffffffn) / 2 ** 32;
  return `${secs}.${frac.toFixed(6).slice(2)} s since 1900`;
}

function writeBlocks(w: Writer, blocks: readonly ReportBlock[]): void {
  if (blocks.length > 31) throw new RangeError(`${blocks.length} report blocks: at most 31 per packet`);
  for (const b of blocks) {
    w.u32(b.ssrc).u8(b.fractionLost).u24(b.cumulativeLost & 0xffffff).u32(b.highestSequence).u32(b.jitter).u32(b.lastSr).u32(b.delaySinceLastSr);
  }
}

/** Writes the body; returns the value of the count field. */
export function writeSenderReport(w: Writer, p: SenderReport): number {
  w.u32(p.ssrc).u64(p.ntpTimestamp).u32(p.rtpTimestamp).u32(p.packetCount).u32(p.octetCount);
  writeBlocks(w, p.reports);
  if (p.extension) w.bytes(p.extension);
  return p.reports.length;
}

export function writeReceiverReport(w: Writer, p: ReceiverReport): number {
  w.u32(p.ssrc);
  writeBlocks(w, p.reports);
  if (p.extension) w.bytes(p.extension);
  return p.reports.length;
}

/** The LSR field for an SR with this NTP timestamp: its middle 32 bits (RFC 3550 §6.4.1). */
export function lastSrFromNtp(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}
