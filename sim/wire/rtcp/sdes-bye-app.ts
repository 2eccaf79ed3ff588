import { utf8Decode, utf8Encode } from '../../core/encoding.ts';
import type { Reader } from '../reader.ts';
import { hex } from '../struct.ts';
import type { Writer } from '../writer.ts';

/** RFC 3550 §6.5: SDES item types. */
export const SDES_ITEM_NAMES: readonly string[] = ['END', 'CNAME', 'NAME', 'EMAIL', 'PHONE', 'LOC', 'TOOL', 'NOTE', 'PRIV'];

export interface SdesItem {
  /** 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV. */
  readonly itemType: number;
  readonly value: string;
}

export interface SdesChunk {
  readonly ssrc: number;
  readonly items: readonly SdesItem[];
}

export interface SourceDescription {
  readonly type: 'sdes';
  readonly chunks: readonly SdesChunk[];
  readonly padding?: number;
}

export interface Goodbye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
  readonly padding?: number;
}

export interface ApplicationDefined {
  readonly type: 'app';
  readonly subtype: number;
  readonly ssrc: number;
  /** Four ASCII characters (RFC 3550 §6.7). */
  readonly name: string;
  readonly data: Uint8Array;
  readonly padding?: number;
}

const itemName = (t: number): string => SDES_ITEM_NAMES[t] ?? `item ${t}`;

/** SDES body (RFC 3550 §6.5); `packetStart` is where the packet began (chunks align to 32 bits from it). */
export function readSdes(r: Reader, count: number, end: number, packetStart: number): SourceDescription {
  const chunks: SdesChunk[] = [];
  for (let c = 0; c < count; c++) {
    if (r.pos + 4 > end) {
      r.problem(`SDES chunk ${c + 1} of ${count} does not fit in the packet`, r.pos, end - r.pos);
      break;
    }
    const chunk = r.group(`chunk ${c + 1}`, () => {
      const ssrc = r.u32('SSRC/CSRC', hex(8));
      const items: SdesItem[] = [];
      for (;;) {
        if (r.pos >= end) {
          r.problem('SDES chunk ends without a null item', r.pos, 0);
          break;
        }
        const at = r.pos;
        const t = r.buf[at]!;
        if (t === 0) {
          // One or more null octets end the item list, then padding to the next 32-bit boundary.
          const next = Math.min(end, at + 4 - ((at - packetStart) % 4));
          r.pos = next;
          r.field('end of items', at, next - at);
          break;
        }
        const item = r.group(itemName(t), () => {
          r.u8('type', (v) => `${v} (${itemName(v)})`);
          const len = r.u8('length');
          if (r.pos + len > end) r.problem(`SDES ${itemName(t)} length ${len} runs past the packet`, r.pos, end - r.pos);
          const text = r.bytes(Math.min(len, end - r.pos), 'text', (b) => JSON.stringify(utf8Decode(b)));
          return { itemType: t, value: utf8Decode(text) };
        }, (i) => i.value);
        items.push(item);
      }
      return { ssrc, items };
    });
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

export function writeSdes(w: Writer, p: SourceDescription): number {
  if (p.chunks.length > 31) throw new RangeError(`${p.chunks.length} SDES chunks: at most 31 per packet`);
  for (const c of p.chunks) {
    const start = w.pos;
    w.u32(c.ssrc);
    for (const item of c.items) {
      const text = utf8Encode(item.value);
      if (text.length > 255) throw new RangeError(`SDES ${itemName(item.itemType)} of ${text.length} bytes: at most 255`);
      w.u8(item.itemType).u8(text.length).bytes(text);
    }
    // At least one null octet, then to the 32-bit boundary (RFC 3550 §6.5).
    w.u8(0);
    w.zeros((4 - ((w.pos - start) % 4)) % 4);
  }
  return p.chunks.length;
}

export function readBye(r: Reader, count: number, end: number): Goodbye {
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) {
    if (r.pos + 4 > end) {
      r.problem(`BYE source ${i + 1} of ${count} does not fit in the packet`, r.pos, end - r.pos);
      break;
    }
    ssrcs.push(r.u32(`SSRC/CSRC ${i + 1}`, hex(8)));
  }
  let reason: string | undefined;
  if (r.pos < end) {
    const len = r.u8('reason length');
    const text = r.bytes(Math.min(len, end - r.pos), 'reason for leaving', (b) => JSON.stringify(utf8Decode(b)));
    if (text.length < len) r.problem(`BYE reason length ${len} runs past the packet`, r.pos, 0);
    reason = utf8Decode(text);
    if (r.pos < end) r.skip(end - r.pos, 'padding');
  }
  return { type: 'bye', ssrcs, ...(reason !== undefined ? { reason } : {}) };
}

export function writeBye(w: Writer, p: Goodbye): number {
  if (p.ssrcs.length > 31) throw new RangeError(`${p.ssrcs.length} BYE sources: at most 31 per packet`);
  for (const s of p.ssrcs) w.u32(s);
  if (p.reason !== undefined) {
    const text = utf8Encode(p.reason);
    if (text.length > 255) throw new RangeError(`BYE reason of ${text.length} bytes: at most 255`);
    w.u8(text.length).bytes(text).zeros((4 - ((1 + text.length) % 4)) % 4);
  }
  return p.ssrcs.length;
}

export function readApp(r: Reader, subtype: number, end: number): ApplicationDefined {
  const ssrc = r.u32('SSRC/CSRC', hex(8));
  const name = String.fromCharCode(...r.bytes(4, 'name', (b) => JSON.stringify(String.fromCharCode(...b))));
  const data = r.pos < end ? r.bytes(end - r.pos, 'application-dependent data') : new Uint8Array(0);
  return { type: 'app', subtype, ssrc, name, data };
}

export function writeApp(w: Writer, p: ApplicationDefined): number {
  if (p.name.length !== 4 || !/^[\x20-\x7e]{4}$/.test(p.name)) throw new RangeError(`APP name ${JSON.stringify(p.name)} must be 4 ASCII characters`);
  if (p.data.length % 4 !== 0) throw new RangeError(`APP data of ${p.data.length} bytes is not a multiple of 4`);
  if (p.subtype < 0 || p.subtype > 31) throw new RangeError(`APP subtype ${p.subtype}: 0–31`);
  w.u32(p.ssrc);
  for (let i = 0; i < 4; i++) w.u8(p.name.charCodeAt(i));
  w.bytes(p.data);
  return p.subtype;
}
