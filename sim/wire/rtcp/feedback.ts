import type { Reader } from '../reader.ts';
import { hex } from '../struct.ts';
import type { Writer } from '../writer.ts';

/** RFC 4585 §6.1: feedback messages carry the packet sender's SSRC, the media source's SSRC, then FCI. */
export const FMT_GENERIC_NACK = 1; // RFC 4585 §6.2.1 (RTPFB)
export const FMT_TRANSPORT_CC = 15; // draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 (RTPFB)
export const FMT_PLI = 1; // RFC 4585 §6.3.1 (PSFB)
export const FMT_FIR = 4; // RFC 5104 §4.3.1 (PSFB)
export const FMT_AFB = 15; // RFC 4585 §6.4 (PSFB application layer feedback; REMB lives here)

export interface NackItem {
  /** Packet ID: the first lost sequence number. */
  readonly pid: number;
  /** Bitmask of following lost packets: bit i set means PID + i + 1 is lost. */
  readonly blp: number;
}

export interface GenericNack {
  readonly type: 'nack';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly items: readonly NackItem[];
  readonly padding?: number;
}

export interface PictureLossIndication {
  readonly type: 'pli';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly padding?: number;
}

export interface FirEntry {
  readonly ssrc: number;
  /** Command sequence number (RFC 5104 §4.3.1.1). */
  readonly sequenceNumber: number;
}

export interface FullIntraRequest {
  readonly type: 'fir';
  readonly senderSsrc: number;
  /** Unused in FIR (RFC 5104 §4.3.1.2: SHALL be 0). */
  readonly mediaSsrc: number;
  readonly entries: readonly FirEntry[];
  readonly padding?: number;
}

/** draft-alvestrand-rmcat-remb-03 §2.2: receiver estimated maximum bitrate. */
export interface Remb {
  readonly type: 'remb';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  /** Bits per second: mantissa × 2^exponent. */
  readonly bitrate: number;
  readonly ssrcs: readonly number[];
  readonly padding?: number;
}

/** Any other RTPFB/PSFB message: the common part decoded, the FCI kept as bytes. */
export interface OtherFeedback {
  readonly type: 'feedback';
  readonly packetType: number;
  readonly fmt: number;
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly fci: Uint8Array;
  readonly padding?: number;
}

export function readFeedbackSsrcs(r: Reader): { senderSsrc: number; mediaSsrc: number } {
  return { senderSsrc: r.u32('SSRC of packet sender', hex(8)), mediaSsrc: r.u32('SSRC of media source', hex(8)) };
}

export function readNack(r: Reader, end: number): GenericNack {
  const s = readFeedbackSsrcs(r);
  const items: NackItem[] = [];
  while (r.pos + 4 <= end) {
    items.push(
      r.group(`NACK ${items.length + 1}`, () => ({ pid: r.u16('PID'), blp: r.u16('BLP', (v) => `0b${v.toString(2).padStart(16, '0')}`) }), (i) => `lost ${nackLost([i]).join(', ')}`),
    );
  }
  if (r.pos < end) r.problem(`${end - r.pos} byte(s) after the last NACK item`, r.pos, end - r.pos);
  return { type: 'nack', ...s, items };
}

/** The sequence numbers a list of NACK items reports lost, in order. */
export function nackLost(items: readonly NackItem[]): number[] {
  const out: number[] = [];
  for (const { pid, blp } of items) {
    out.push(pid);
    for (let i = 0; i < 16; i++) if (blp & (1 << i)) out.push((pid + i + 1) & 0xffff);
  }
  return out;
}

/** Packs lost sequence numbers (in sending order, wrap-around allowed) into NACK items. */
export function nackItems(lost: readonly number[]): NackItem[] {
  const items: { pid: number; blp: number }[] = [];
  for (const seq of lost) {
    const last = items[items.length - 1];
    const d = last ? (seq - last.pid) & 0xffff : 0;
    if (last && d >= 1 && d <= 16) last.blp |= 1 << (d - 1);
    else items.push({ pid: seq & 0xffff, blp: 0 });
  }
  return items;
}

export function writeNack(w: Writer, p: GenericNack): number {
  w.u32(p.senderSsrc).u32(p.mediaSsrc);
  for (const i of p.items) w.u16(i.pid).u16(i.blp);
  return FMT_GENERIC_NACK;
}

export function writePli(w: Writer, p: PictureLossIndication): number {
  w.u32(p.senderSsrc).u32(p.mediaSsrc);
  return FMT_PLI;
}

export function readFir(r: Reader, end: number): FullIntraRequest {
  const s = readFeedbackSsrcs(r);
  const entries: FirEntry[] = [];
  while (r.pos + 8 <= end) {
    entries.push(
      r.group(`FIR ${entries.length + 1}`, () => {
        const ssrc = r.u32('SSRC', hex(8));
        const sequenceNumber = r.u8('Seq nr.');
        r.skip(3, 'reserved');
        return { ssrc, sequenceNumber };
      }),
    );
  }
  if (r.pos < end) r.problem(`${end - r.pos} byte(s) after the last FIR entry`, r.pos, end - r.pos);
  return { type: 'fir', ...s, entries };
}

export function writeFir(w: Writer, p: FullIntraRequest): number {
  w.u32(p.senderSsrc).u32(p.mediaSsrc);
  for (const e of p.entries) w.u32(e.ssrc).u8(e.sequenceNumber & 0xff).zeros(3);
  return FMT_FIR;
}

const REMB_ID = [0x52, 0x45, 0x4d, 0x42]; // "REMB"

export function isRembFci(fci: Uint8Array): boolean {
  return fci.length >= 8 && REMB_ID.every((c, i) => fci[i] === c);
}

/** Reads REMB from the FCI of an AFB message; the reader is at the FCI. */
export function readRemb(r: Reader, s: { senderSsrc: number; mediaSsrc: number }, end: number): Remb {
  r.bytes(4, 'unique identifier', () => '"REMB"');
  const n = r.u8('Num SSRC');
  const at = r.pos;
  const word = r.u24();
  const exponent = word >>> 18;
  const mantissa = word & 0x3ffff;
  const bitrate = mantissa * 2 ** exponent;
  r.fieldBits('BR Exp', at, 1, 0, 6, String(exponent));
  r.fieldBits('BR Mantissa', at, 3, 6, 18, `${mantissa} (${bitrate} bit/s)`);
  const ssrcs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (r.pos + 4 > end) {
      r.problem(`REMB SSRC ${i + 1} of ${n} does not fit in the packet`, r.pos, end - r.pos);
      break;
    }
    ssrcs.push(r.u32(`SSRC feedback ${i + 1}`, hex(8)));
  }
  return { type: 'remb', ...s, bitrate, ssrcs };
}

export function writeRemb(w: Writer, p: Remb): number {
  if (p.ssrcs.length > 255) throw new RangeError(`${p.ssrcs.length} REMB SSRCs: at most 255`);
  let exponent = 0;
  let mantissa = Math.floor(p.bitrate);
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  if (exponent > 63) throw new RangeError(`REMB bitrate ${p.bitrate} is too large`);
  w.u32(p.senderSsrc).u32(p.mediaSsrc);
  for (const c of REMB_ID) w.u8(c);
  w.u8(p.ssrcs.length).u24((exponent << 18) | mantissa);
  for (const s of p.ssrcs) w.u32(s);
  return FMT_AFB;
}

export function writeOtherFeedback(w: Writer, p: OtherFeedback): number {
  w.u32(p.senderSsrc).u32(p.mediaSsrc).bytes(p.fci);
  return p.fmt;
}
