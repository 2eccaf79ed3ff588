import { concatBytes } from '../core/encoding.ts';

/** Just enough ASN.1 DER (ITU-T X.690 §8, §10) to write and read X.509 certificates. */

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** X.690 §8.1.3: definite length, short form below 128, else long form with the fewest bytes. */
function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return new Uint8Array([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([tag]), encodeLength(content.length), content);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(Tag.SEQUENCE, concatBytes(...items));
export const set = (...items: Uint8Array[]): Uint8Array => tlv(Tag.SET, concatBytes(...items));
/** A context-specific constructed tag [n] (EXPLICIT tagging). */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);

/** X.690 §8.3: two's complement, minimal; an unsigned magnitude gets a leading zero when its top bit is set. */
export function integerUnsigned(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let m = magnitude.subarray(i);
  if (m.length === 0) m = new Uint8Array([0]);
  if (m[0]! & 0x80) m = concatBytes(new Uint8Array([0]), m);
  return tlv(Tag.INTEGER, m);
}

export const integerSmall = (n: number): Uint8Array => integerUnsigned(new Uint8Array([n]));

/** X.690 §8.6: a leading byte counting unused bits (always 0 here). */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(Tag.BIT_STRING, concatBytes(new Uint8Array([0]), bytes));

/** X.690 §8.19: dotted OID to DER. */
export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map((p) => Number.parseInt(p, 10));
  const [a, b, ...rest] = parts;
  if (a === undefined || b === undefined) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [a * 40 + b];
  for (const v of rest) {
    const chunk: number[] = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift(0x80 | (x & 0x7f));
    out.push(...chunk);
  }
  return tlv(Tag.OID, new Uint8Array(out));
}

export function oidToString(content: Uint8Array): string {
  if (content.length === 0) return '';
  const first = content[0]!;
  const parts: number[] = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  let v = 0;
  for (let i = 1; i < content.length; i++) {
    v = v * 128 + (content[i]! & 0x7f);
    if (!(content[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** One decoded TLV: its tag, content and where it sits (offsets relative to the outermost buffer). */
export interface Tlv {
  readonly tag: number;
  readonly offset: number;
  readonly headerLength: number;
  readonly content: Uint8Array;
  /** The whole element, header included (what a signature covers for the TBSCertificate). */
  readonly raw: Uint8Array;
}

/** Reads one TLV at `pos`; undefined (never a throw) on truncation, indefinite or oversized lengths. */
export function readTlv(buf: Uint8Array, pos: number, end = buf.length): Tlv | undefined {
  if (pos + 2 > end) return undefined;
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) return undefined; // high tag numbers never occur in certificates
  let len = buf[pos + 1]!;
  let h = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + 2 + n > end) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
    h += n;
  }
  if (pos + h + len > end) return undefined;
  return { tag, offset: pos, headerLength: h, content: buf.subarray(pos + h, pos + h + len), raw: buf.subarray(pos, pos + h + len) };
}

/** The children of a constructed element. Undefined when any child is malformed. */
export function children(t: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  const buf = t.content;
  let pos = 0;
  while (pos < buf.length) {
    const c = readTlv(buf, pos);
    if (!c) return undefined;
    out.push({ ...c, offset: t.offset + t.headerLength + pos });
    pos += c.raw.length;
  }
  return out;
}
