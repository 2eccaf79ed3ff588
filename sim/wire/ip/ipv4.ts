import { internetChecksum } from '../checksum.ts';
import type { Decoded, Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { bytes, hex, struct, uint } from '../struct.ts';
import { Writer } from '../writer.ts';
import { formatIPv4, parseIPv4 } from './address.ts';
import { ecnName, showProtocol } from './protocols.ts';
import { showChecksum } from './pseudo-header.ts';

/** The IPv4 header (RFC 791 §3.1; DSCP/ECN per RFC 2474 and RFC 3168). */
export const IPv4Fixed = struct('IPv4 header', [
  uint('version', 4), uint('ihl', 4, (v) => `${v} (${v * 4} bytes)`),
  uint('dscp', 6), uint('ecn', 2, (v) => `${v} (${ecnName(v)})`),
  uint('totalLength', 16),
  uint('identification', 16, (v) => `0x${v.toString(16).padStart(4, '0')} (${v})`),
  uint('reservedFlag', 1),
  uint('dontFragment', 1, (v) => (v ? 'set' : 'not set')),
  uint('moreFragments', 1, (v) => (v ? 'set' : 'not set')),
  uint('fragmentOffset', 13, (v) => `${v} (${v * 8} bytes)`),
  uint('ttl', 8),
  uint('protocol', 8, showProtocol),
  uint('headerChecksum', 16, hex(4)), bytes('source', 4, (b) => formatIPv4(b)), bytes('destination', 4, (b) => formatIPv4(b)),
]);

export const IPV4_MIN_HEADER = 20;
const NO_OPTIONS = new Uint8Array(0);
const reader = new Reader(NO_OPTIONS);

export interface IPv4Header {
  readonly version: number;
  /** Internet Header Length in 32-bit words. */
  readonly ihl: number;
  readonly dscp: number;
  readonly ecn: number;
  readonly totalLength: number;
  readonly identification: number;
  readonly reservedFlag: boolean;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In units of 8 bytes, as on the wire; `fragmentOffset * 8` is the byte offset. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly headerChecksum: number;
  readonly headerChecksumOk: boolean;
  /** The checksum the header should carry (equal to `headerChecksum` when it is correct). */
  readonly expectedChecksum: number;
  readonly src: string;
  readonly dst: string;
  readonly srcBytes: Uint8Array;
  readonly dstBytes: Uint8Array;
  /** Raw option bytes (IHL > 5), a view into the buffer. */
  readonly options: Uint8Array;
  readonly headerLength: number;
  /** Offset of the payload in the decoded bytes (= headerLength). */
  readonly payloadOffset: number;
  /** Payload bytes present: total length minus header, cut to what the buffer holds. */
  readonly payloadLength: number;
}

/** RFC 791 §3.1 option types (IANA "IP Option Numbers"). */
const OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'End of Option List',
  1: 'No-Operation',
  7: 'Record Route',
  68: 'Timestamp',
  130: 'Security',
  131: 'Loose Source Route',
  133: 'Extended Security',
  136: 'Stream ID',
  137: 'Strict Source Route',
  148: 'Router Alert',
};

/**
 * Decodes an IPv4 header at the start of `buf`. Spans are offset by `base` (where `buf[0]` sits in the outermost
 * buffer); `payloadOffset` is relative to `buf`. The value is undefined only when the header itself is cut short
 * or is not IPv4 at all.
 */
export function decodeIPv4(buf: Uint8Array, base?: number, as?: undefined, spans?: boolean): Decoded<IPv4Header | undefined>;
/** The same, the value made by `as` (a datagram view that is its own header: one object, not two). */
export function decodeIPv4<T extends IPv4Header>(buf: Uint8Array, base: number, as: Ipv4HeaderClass<T>, spans?: boolean): Decoded<T | undefined>;
export function decodeIPv4<T extends IPv4Header>(buf: Uint8Array, base = 0, as?: Ipv4HeaderClass<T>, spans = true): Decoded<IPv4Header | T | undefined> {
  // a packet list's common case (no spans, no options, the whole header there) is read off the bytes directly: no
  // Reader, no struct object; anything else takes the general path below, which says what is wrong
  if (!spans && buf.length >= IPV4_MIN_HEADER && buf[0] === 0x45) return decodePlainIPv4(buf, base, as);
  // one Reader for every call (nothing here decodes IPv4 again before it returns)
  const r = reader.reset(buf, base, spans);
  const h = IPv4Fixed.decode(r);
  const problems: Problem[] = r.problems;
  if (buf.length > 0 && h.version !== 4) {
    problems.push({ offset: base, length: 1, message: `IP version ${h.version}, expected 4` });
    return { value: undefined, fields: within(r.fieldList(), base, buf.length), problems: r.problemList() };
  }
  if (r.truncated) return { value: undefined, fields: within(r.fieldList(), base, buf.length), problems: r.problemList() };
  const headerLength = h.ihl * 4;
  if (h.ihl < 5) {
    problems.push({ offset: base, length: 1, message: `IHL ${h.ihl} (${headerLength} bytes) is less than the minimum 5 (RFC 791 §3.1)` });
    return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  }
  if (headerLength > buf.length) {
    problems.push({ offset: base + IPV4_MIN_HEADER, length: buf.length - IPV4_MIN_HEADER, message: `truncated: IHL says the header has ${headerLength} bytes, only ${buf.length} captured` });
    return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  }
  // most headers have no options: one shared empty view rather than one per datagram
  const options = headerLength > IPV4_MIN_HEADER ? r.bytes(headerLength - IPV4_MIN_HEADER) : NO_OPTIONS;
  // the options field is listed with or without spans (it carries their problems)
  if (options.length > 0) r.fields.push(optionsField(options, base + IPV4_MIN_HEADER, problems));

  const expected = internetChecksumWithout(buf, headerLength);
  const ok = h.headerChecksum === expected || internetChecksum(buf, 0, headerLength) === 0;
  if (r.spans) replaceDisplay(r.fields, 'headerChecksum', showChecksum(h.headerChecksum, expected));
  const end = checkHeader(buf, base, headerLength, ok, expected, problems);
  const value = new (as ?? Ipv4HeaderView)(buf, ok, expected, options, headerLength, end - headerLength);
  return { value, fields: r.fieldList(), problems: r.problemList() };
}

const NO_FIELDS: readonly Field[] = Object.freeze([]);
const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

/** decodeIPv4 without spans of a header of 20 bytes (version 4, IHL 5) all present: the same value and problems. */
function decodePlainIPv4<T extends IPv4Header>(buf: Uint8Array, base: number, as: Ipv4HeaderClass<T> | undefined): Decoded<IPv4Header | T> {
  const stored = (buf[10]! << 8) | buf[11]!;
  const expected = internetChecksumWithout(buf, IPV4_MIN_HEADER);
  const ok = stored === expected || internetChecksum(buf, 0, IPV4_MIN_HEADER) === 0;
  const totalLength = (buf[2]! << 8) | buf[3]!;
  let problems = NO_PROBLEMS;
  let end = totalLength;
  // a sound header (the common case) makes no problem list
  if (!ok || buf[6]! & 0x80 || totalLength < IPV4_MIN_HEADER || totalLength > buf.length) {
    const list: Problem[] = [];
    end = checkHeader(buf, base, IPV4_MIN_HEADER, ok, expected, list);
    problems = list;
  }
  const value = new (as ?? Ipv4HeaderView)(buf, ok, expected, NO_OPTIONS, IPV4_MIN_HEADER, end - IPV4_MIN_HEADER);
  return { value, fields: NO_FIELDS, problems };
}

/**
 * The header's problems after its options (checksum, reserved flag, total length; RFC 791 §3.1), appended to
 * `problems`; returns where the datagram ends in `buf`.
 */
function checkHeader(buf: Uint8Array, base: number, headerLength: number, ok: boolean, expected: number, problems: Problem[]): number {
  const stored = (buf[10]! << 8) | buf[11]!;
  if (!ok) problems.push({ offset: base + 10, length: 2, message: `bad header checksum 0x${hex4(stored)}, should be 0x${hex4(expected)}` });
  if (buf[6]! & 0x80) problems.push({ offset: base + 6, length: 1, message: 'reserved flag bit is set (RFC 791 §3.1: must be zero)' });
  const totalLength = (buf[2]! << 8) | buf[3]!;
  if (totalLength < headerLength) {
    problems.push({ offset: base + 2, length: 2, message: `total length ${totalLength} is less than the header length ${headerLength}` });
    return headerLength;
  }
  if (totalLength > buf.length) {
    problems.push({ offset: base + 2, length: 2, message: `total length ${totalLength} exceeds the ${buf.length} bytes captured` });
    return buf.length;
  }
  return totalLength;
}

/** What makes the value of a decoded header: `Ipv4HeaderView` or a class extending it (one object per datagram). */
export type Ipv4HeaderClass<T extends IPv4Header> = new (
  bytes: Uint8Array,
  headerChecksumOk: boolean,
  expectedChecksum: number,
  options: Uint8Array,
  headerLength: number,
  payloadLength: number,
) => T;

/**
 * An IPv4 header read off the datagram's bytes (`bytes`, the datagram from its first byte). What every reader asks
 * of each datagram (addresses as text, protocol, TTL, lengths) is read once; the other fields are read off the
 * bytes when asked for, and the address bytes are views made when asked for.
 */
export class Ipv4HeaderView implements IPv4Header {
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly protocol: number;
  readonly totalLength: number;

  constructor(
    /** The datagram's bytes from its first. */
    readonly bytes: Uint8Array,
    readonly headerChecksumOk: boolean,
    readonly expectedChecksum: number,
    readonly options: Uint8Array,
    readonly headerLength: number,
    readonly payloadLength: number,
  ) {
    this.src = formatIPv4(bytes, 12);
    this.dst = formatIPv4(bytes, 16);
    this.ttl = bytes[8]!;
    this.protocol = bytes[9]!;
    this.totalLength = (bytes[2]! << 8) | bytes[3]!;
  }

  get version(): number {
    return this.bytes[0]! >> 4;
  }

  get ihl(): number {
    return this.bytes[0]! & 0x0f;
  }

  get dscp(): number {
    return this.bytes[1]! >> 2;
  }

  get ecn(): number {
    return this.bytes[1]! & 3;
  }

  get identification(): number {
    return (this.bytes[4]! << 8) | this.bytes[5]!;
  }

  get reservedFlag(): boolean {
    return (this.bytes[6]! & 0x80) !== 0;
  }

  get dontFragment(): boolean {
    return (this.bytes[6]! & 0x40) !== 0;
  }

  get moreFragments(): boolean {
    return (this.bytes[6]! & 0x20) !== 0;
  }

  get fragmentOffset(): number {
    return ((this.bytes[6]! & 0x1f) << 8) | this.bytes[7]!;
  }

  get headerChecksum(): number {
    return (this.bytes[10]! << 8) | this.bytes[11]!;
  }

  get payloadOffset(): number {
    return this.headerLength;
  }

  get srcBytes(): Uint8Array {
    return this.bytes.subarray(12, 16);
  }

  get dstBytes(): Uint8Array {
    return this.bytes.subarray(16, 20);
  }
}

/** What to build an IPv4 datagram from; everything but the addresses and protocol has a default. */
export interface IPv4Init {
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  readonly ttl?: number;
  readonly dscp?: number;
  readonly ecn?: number;
  readonly identification?: number;
  readonly dontFragment?: boolean;
  readonly moreFragments?: boolean;
  /** In units of 8 bytes. */
  readonly fragmentOffset?: number;
  /** Raw option bytes; padded with End of Option List to a multiple of 4 (RFC 791 §3.1). */
  readonly options?: Uint8Array;
  /** Overrides for building malformed datagrams in tests; computed when absent. */
  readonly totalLength?: number;
  readonly headerChecksum?: number;
  readonly ihl?: number;
}

/** Encodes an IPv4 header followed by `payload`, with the header checksum computed (RFC 791 §3.1). */
export function encodeIPv4(init: IPv4Init, payload: Uint8Array): Uint8Array {
  const src = parseIPv4(init.src);
  const dst = parseIPv4(init.dst);
  if (!src || !dst) throw new RangeError(`not IPv4 addresses: ${init.src} → ${init.dst}`);
  const opts = init.options ?? new Uint8Array(0);
  const optLength = Math.ceil(opts.length / 4) * 4;
  const headerLength = IPV4_MIN_HEADER + optLength;
  if (headerLength > 60) throw new RangeError(`IPv4 options of ${opts.length} bytes do not fit in the header`);
  const totalLength = init.totalLength ?? headerLength + payload.length;
  if (totalLength > 0xffff) throw new RangeError(`IPv4 datagram of ${totalLength} bytes is too long`);
  const w = new Writer(headerLength + payload.length);
  IPv4Fixed.encode(w, {
    version: 4,
    ihl: init.ihl ?? headerLength / 4,
    dscp: init.dscp ?? 0,
    ecn: init.ecn ?? 0,
    totalLength,
    identification: init.identification ?? 0,
    reservedFlag: 0,
    dontFragment: init.dontFragment ? 1 : 0,
    moreFragments: init.moreFragments ? 1 : 0,
    fragmentOffset: init.fragmentOffset ?? 0,
    ttl: init.ttl ?? 64,
    protocol: init.protocol,
    headerChecksum: 0,
    source: src,
    destination: dst,
  });
  w.bytes(opts).zeros(optLength - opts.length);
  w.setU16(10, init.headerChecksum ?? internetChecksum(w.peek(), 0, headerLength));
  w.bytes(payload);
  return w.finish();
}

/** Recomputes the header checksum of an IPv4 datagram in place (after rewriting TTL or addresses). */
export function fixIPv4Checksum(datagram: Uint8Array): void {
  const headerLength = (datagram[0]! & 0x0f) * 4;
  const c = internetChecksumWithout(datagram, headerLength);
  datagram[10] = c >> 8;
  datagram[11] = c & 0xff;
}

/** The checksum over the first `headerLength` bytes with the checksum field taken as zero. */
function internetChecksumWithout(buf: Uint8Array, headerLength: number): number {
  const end = Math.min(headerLength, buf.length);
  let sum = 0;
  for (let i = 0; i + 1 < end; i += 2) if (i !== 10) sum += (buf[i]! << 8) | buf[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Options as a list of children: single-byte EOL/NOP, the rest type-length-value (RFC 791 §3.1). */
function optionsField(opts: Uint8Array, at: number, problems: Problem[]): Field {
  const children: Field[] = [];
  let i = 0;
  while (i < opts.length) {
    const type = opts[i]!;
    const name = OPTION_NAMES[type] ?? `option ${type}`;
    if (type === 0) {
      children.push({ name, offset: at + i, length: opts.length - i, display: 'end of options (the rest is padding)' });
      break;
    }
    if (type === 1) {
      children.push({ name, offset: at + i, length: 1 });
      i += 1;
      continue;
    }
    const len = opts[i + 1];
    if (len === undefined || len < 2 || i + len > opts.length) {
      problems.push({ offset: at + i, length: opts.length - i, message: `IPv4 option ${type} has a bad length ${len ?? '(missing)'}` });
      children.push({ name, offset: at + i, length: opts.length - i, display: 'malformed' });
      break;
    }
    children.push({ name, offset: at + i, length: len, display: `type ${type}, length ${len}` });
    i += len;
  }
  return { name: 'options', offset: at, length: opts.length, display: `${opts.length} bytes`, children };
}

/** Replaces the display of the first top-level field with this name (struct fields are recorded before we know). */
export function replaceDisplay(fields: Field[], name: string, display: string): void {
  const i = fields.findIndex((f) => f.name === name);
  if (i >= 0) fields[i] = { ...fields[i]!, display };
}

/** Drops spans a truncated struct recorded past the end of the buffer. */
export function within(fields: readonly Field[], base: number, length: number): Field[] {
  return fields.filter((f) => f.offset + f.length <= base + length);
}

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
