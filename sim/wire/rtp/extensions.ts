import { utf8Decode, utf8Encode } from '../../core/encoding.ts';
import { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

/**
 * RTP header extensions (RFC 3550 §5.3.1) in the two general forms of RFC 8285 §4: one-byte (profile 0xBEDE)
 * and two-byte (profile 0x100 + 4 appbits), each element decoded, and the common ones named when the
 * id → URI mapping negotiated in SDP (`a=extmap`) is given.
 */
export const ONE_BYTE_PROFILE = 0xbede; // RFC 8285 §4.2
export const TWO_BYTE_PROFILE = 0x1000; // RFC 8285 §4.3: 0x100 in the top 12 bits, appbits in the low 4

export const EXT_URI = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid', // RFC 9143 §15
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', // RFC 8852 §3.1
  repairedRid: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id', // RFC 8852 §3.2
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', // RFC 6464
  transportWideCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  toffset: 'urn:ietf:params:rtp-hdrext:toffset', // RFC 5450
} as const;

/** Extension id → URI, as negotiated with `a=extmap:<id> <uri>` (RFC 8285 §5). */
export type ExtensionMap = ReadonlyMap<number, string>;

export type NamedExtension =
  | { readonly kind: 'mid'; readonly value: string }
  | { readonly kind: 'rid'; readonly value: string }
  | { readonly kind: 'repaired-rid'; readonly value: string }
  /** 6.18 fixed-point seconds, 24 bits (wraps every 64 s). */
  | { readonly kind: 'abs-send-time'; readonly raw: number; readonly seconds: number }
  /** RFC 6464 §3: V = voice activity, level in -dBov (0 loudest, 127 silence). */
  | { readonly kind: 'audio-level'; readonly voiceActivity: boolean; readonly level: number }
  | { readonly kind: 'transport-wide-cc'; readonly sequenceNumber: number }
  | { readonly kind: 'toffset'; readonly offset: number };

export interface ExtensionElement {
  readonly id: number;
  readonly data: Uint8Array;
  /** The URI from the extension map, when the id is mapped. */
  readonly uri?: string;
  readonly named?: NamedExtension;
}

export interface HeaderExtension {
  /** The 16-bit "defined by profile" field: 0xBEDE, 0x100x, or anything else (then `elements` is empty). */
  readonly profile: number;
  readonly form: 'one-byte' | 'two-byte' | 'opaque';
  /** The extension data after the 4-byte extension header, padding included. */
  readonly data: Uint8Array;
  readonly elements: readonly ExtensionElement[];
}

export function extensionForm(profile: number): HeaderExtension['form'] {
  if (profile === ONE_BYTE_PROFILE) return 'one-byte';
  if ((profile & 0xfff0) === TWO_BYTE_PROFILE) return 'two-byte';
  return 'opaque';
}

/** Reads the extension header and data at the reader's position (RFC 3550 §5.3.1). */
export function readHeaderExtension(r: Reader, map?: ExtensionMap): HeaderExtension {
  return r.spans ? r.group('header extension', () => readExtension(r, map)) : readExtension(r, map);
}

const showProfile = (v: number): string => `0x${v.toString(16).padStart(4, '0')} (${extensionForm(v)})`;
const showWords = (v: number): string => `${v} (×4 = ${v * 4} bytes)`;

function readExtension(r: Reader, map: ExtensionMap | undefined): HeaderExtension {
  const profile = r.u16('defined by profile', showProfile);
  const words = r.u16('length', showWords);
  const start = r.pos;
  const data = r.bytes(words * 4);
  const form = extensionForm(profile);
  if (form === 'opaque') {
    r.field('extension data', start, data.length);
    return { profile, form, data, elements: [] };
  }
  const save = r.pos;
  // without spans the elements are checked now (problems) and listed only when asked for
  const elements = r.spans ? [] : undefined;
  readElements(r, start, start + data.length, form, map, elements);
  r.pos = save;
  return elements ? { profile, form, data, elements } : new ListedOnDemand(profile, form, data, map);
}

/** A header extension whose element list is made the first time it is read (a packet list never reads it). */
class ListedOnDemand implements HeaderExtension {
  #elements: ExtensionElement[] | undefined;
  readonly #map: ExtensionMap | undefined;

  constructor(
    readonly profile: number,
    readonly form: 'one-byte' | 'two-byte',
    readonly data: Uint8Array,
    map: ExtensionMap | undefined,
  ) {
    this.#map = map;
  }

  get elements(): readonly ExtensionElement[] {
    if (!this.#elements) {
      // the same walk over the same bytes; its problems were reported when the packet was decoded
      const elements: ExtensionElement[] = [];
      readElements(new Reader(this.data), 0, this.data.length, this.form, this.#map, elements);
      this.#elements = elements;
    }
    return this.#elements;
  }
}

/**
 * Walks the elements between `start` and `end` (RFC 8285 §4.2/§4.3), recording problems and spans on `r`, and
 * appending each element to `out` when given.
 */
function readElements(r: Reader, start: number, end: number, form: 'one-byte' | 'two-byte', map: ExtensionMap | undefined, out: ExtensionElement[] | undefined): void {
  r.pos = start;
  while (r.pos < end) {
    const at = r.pos;
    const b = r.peekU8()!;
    if (b === 0) {
      // RFC 8285 §4.2/§4.3: padding bytes (0) may appear between and after elements.
      r.pos++;
      while (r.pos < end && r.buf[r.pos] === 0) r.pos++;
      r.field('extension padding', at, r.pos - at);
      continue;
    }
    let id: number;
    let len: number;
    let headerLen: number;
    if (form === 'one-byte') {
      id = b >> 4;
      len = (b & 0x0f) + 1;
      headerLen = 1;
      if (id === 0) {
        // RFC 8285 §4.2: id 0 is only ever a padding byte (0x00); a length nibble with it is malformed.
        r.problem(`one-byte extension byte 0x${b.toString(16).padStart(2, '0')} uses the padding id 0 with a length`, at, 1);
        r.pos = end;
        break;
      }
      if (id === 15) {
        // RFC 8285 §4.2: id 15 is reserved and stops processing of the rest of the extension.
        r.problem('one-byte extension id 15 is reserved: the rest of the extension is ignored', at, end - at);
        r.pos = end;
        break;
      }
    } else {
      if (at + 2 > end) {
        r.problem('two-byte extension element header cut off by the end of the extension', at, end - at);
        r.pos = end;
        break;
      }
      id = b;
      len = r.buf[at + 1]!;
      headerLen = 2;
    }
    if (at + headerLen + len > end) {
      r.problem(`extension element id ${id} needs ${len} byte(s), only ${end - at - headerLen} left in the extension`, at, end - at);
      r.pos = end;
      break;
    }
    if (out || r.spans) {
      const elementData = r.buf.subarray(at + headerLen, at + headerLen + len);
      const uri = map?.get(id);
      const named = uri !== undefined ? nameExtension(uri, elementData) : undefined;
      if (r.spans) {
        const children = [
          { name: 'id', offset: r.base + at, length: 1, display: String(id), ...(form === 'one-byte' ? { bits: { start: 0, count: 4 } } : {}) },
          { name: 'length', offset: r.base + at + (form === 'one-byte' ? 0 : 1), length: 1, display: String(len), ...(form === 'one-byte' ? { bits: { start: 4, count: 4 } } : {}) },
          { name: 'data', offset: r.base + at + headerLen, length: len, ...(named ? { display: describeNamed(named) } : {}) },
        ];
        r.field(`extension ${id}${uri ? ` ${shortName(uri)}` : ''}`, at, headerLen + len, named ? describeNamed(named) : undefined, { children });
      }
      out?.push({ id, data: elementData, ...(uri !== undefined ? { uri } : {}), ...(named ? { named } : {}) });
    }
    r.pos = at + headerLen + len;
  }
}

/**
 * The data of the first element with `id`, read straight off the extension's bytes by the rules `elements` follows
 * (RFC 8285 §4.2/§4.3: padding skipped; a malformed element, id 0 with a length or the reserved id 15 ends the
 * walk), without building the element list: what a receiver needs per packet (its MID, RFC 8843 §15).
 */
export function extensionElementData(ext: HeaderExtension, id: number): Uint8Array | undefined {
  if (ext.form === 'opaque') return undefined;
  const d = ext.data;
  const end = d.length;
  const oneByte = ext.form === 'one-byte';
  let at = 0;
  while (at < end) {
    const b = d[at]!;
    if (b === 0) {
      at++;
      continue;
    }
    let elementId: number;
    let len: number;
    let headerLen: number;
    if (oneByte) {
      elementId = b >> 4;
      len = (b & 0x0f) + 1;
      headerLen = 1;
      if (elementId === 0 || elementId === 15) return undefined;
    } else {
      if (at + 2 > end) return undefined;
      elementId = b;
      len = d[at + 1]!;
      headerLen = 2;
    }
    if (at + headerLen + len > end) return undefined;
    if (elementId === id) return d.subarray(at + headerLen, at + headerLen + len);
    at += headerLen + len;
  }
  return undefined;
}

function shortName(uri: string): string {
  const i = Math.max(uri.lastIndexOf(':'), uri.lastIndexOf('/'));
  return uri.slice(i + 1);
}

/** Parses the data of a known extension; undefined for unknown URIs or data of the wrong size. */
export function nameExtension(uri: string, d: Uint8Array): NamedExtension | undefined {
  switch (uri) {
    case EXT_URI.mid:
      return { kind: 'mid', value: utf8Decode(d) };
    case EXT_URI.rid:
      return { kind: 'rid', value: utf8Decode(d) };
    case EXT_URI.repairedRid:
      return { kind: 'repaired-rid', value: utf8Decode(d) };
    case EXT_URI.absSendTime: {
      if (d.length !== 3) return undefined;
      const raw = (d[0]! << 16) | (d[1]! << 8) | d[2]!;
      return { kind: 'abs-send-time', raw, seconds: raw / 2 ** 18 };
    }
    case EXT_URI.audioLevel:
      if (d.length < 1) return undefined;
      return { kind: 'audio-level', voiceActivity: (d[0]! & 0x80) !== 0, level: d[0]! & 0x7f };
    case EXT_URI.transportWideCc:
      if (d.length !== 2) return undefined;
      return { kind: 'transport-wide-cc', sequenceNumber: (d[0]! << 8) | d[1]! };
    case EXT_URI.toffset: {
      if (d.length !== 3) return undefined;
      const v = (d[0]! << 16) | (d[1]! << 8) | d[2]!;
      return { kind: 'toffset', offset: v & 0x800000 ? v - 0x1000000 : v };
    }
    default:
      return undefined;
  }
}

export function describeNamed(n: NamedExtension): string {
  switch (n.kind) {
    case 'mid':
    case 'rid':
    case 'repaired-rid':
      return `${n.kind} ${JSON.stringify(n.value)}`;
    case 'abs-send-time':
      return `abs-send-time ${n.seconds.toFixed(6)} s`;
    case 'audio-level':
      return `audio level -${n.level} dBov${n.voiceActivity ? ', voice' : ''}`;
    case 'transport-wide-cc':
      return `transport-wide seq ${n.sequenceNumber}`;
    case 'toffset':
      return `toffset ${n.offset}`;
  }
}

/** The element data for a named extension (the inverse of `nameExtension`). */
export function encodeNamedExtension(n: NamedExtension): Uint8Array {
  switch (n.kind) {
    case 'mid':
    case 'rid':
    case 'repaired-rid':
      return utf8Encode(n.value);
    case 'abs-send-time': {
      const raw = n.raw & 0xffffff;
      return Uint8Array.of(raw >> 16, (raw >> 8) & 0xff, raw & 0xff);
    }
    case 'audio-level':
      return Uint8Array.of((n.voiceActivity ? 0x80 : 0) | (n.level & 0x7f));
    case 'transport-wide-cc':
      return Uint8Array.of((n.sequenceNumber >> 8) & 0xff, n.sequenceNumber & 0xff);
    case 'toffset': {
      const v = n.offset & 0xffffff;
      return Uint8Array.of(v >> 16, (v >> 8) & 0xff, v & 0xff);
    }
  }
}

/** abs-send-time raw value for a time in microseconds (6.18 fixed point seconds, mod 64 s). */
export function absSendTimeFromMicros(us: number): number {
  return Math.round((us * 2 ** 18) / 1_000_000) & 0xffffff;
}

export interface ExtensionElementSpec {
  readonly id: number;
  readonly data: Uint8Array;
}

/** Picks the form RFC 8285 §4 allows: one-byte when every id is 1–14 and every length 1–16, else two-byte. */
export function chooseForm(elements: readonly ExtensionElementSpec[]): 'one-byte' | 'two-byte' {
  return elements.every((e) => e.id >= 1 && e.id <= 14 && e.data.length >= 1 && e.data.length <= 16) ? 'one-byte' : 'two-byte';
}

/**
 * Writes the extension header, elements and zero padding to a 32-bit boundary.
 * For an opaque extension pass `raw` (a multiple of 4 bytes) with its profile.
 */
export function writeHeaderExtension(
  w: Writer,
  ext: { readonly elements: readonly ExtensionElementSpec[]; readonly form?: 'one-byte' | 'two-byte'; readonly appBits?: number } | { readonly profile: number; readonly raw: Uint8Array },
): void {
  if ('raw' in ext) {
    if (ext.raw.length % 4 !== 0) throw new RangeError(`opaque header extension of ${ext.raw.length} bytes is not a multiple of 4`);
    w.u16(ext.profile).u16(ext.raw.length / 4).bytes(ext.raw);
    return;
  }
  const form = ext.form ?? chooseForm(ext.elements);
  const start = w.pos;
  w.u16(form === 'one-byte' ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE | ((ext.appBits ?? 0) & 0xf)).u16(0);
  for (const e of ext.elements) {
    if (form === 'one-byte') {
      if (e.id < 1 || e.id > 14) throw new RangeError(`one-byte extension id ${e.id} is outside 1–14`);
      if (e.data.length < 1 || e.data.length > 16) throw new RangeError(`one-byte extension ${e.id} carries ${e.data.length} bytes (1–16 allowed)`);
      w.u8((e.id << 4) | (e.data.length - 1)).bytes(e.data);
    } else {
      if (e.id < 1 || e.id > 255) throw new RangeError(`two-byte extension id ${e.id} is outside 1–255`);
      if (e.data.length > 255) throw new RangeError(`two-byte extension ${e.id} carries ${e.data.length} bytes (at most 255)`);
      w.u8(e.id).u8(e.data.length).bytes(e.data);
    }
  }
  const len = w.pos - start - 4;
  w.zeros((4 - (len % 4)) % 4);
  w.setU16(start + 2, (w.pos - start - 4) / 4);
}
