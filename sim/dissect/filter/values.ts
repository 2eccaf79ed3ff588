import { parseIp } from '../../wire/ip/address.ts';
import type { FieldType, FieldValue } from './field-def.ts';
import { FilterError } from './lexer.ts';
import type { Word } from './parser.ts';

/**
 * A value written in a filter, read as the type of the field it is compared with (as Wireshark reads a literal by
 * its field's type): a number, an address with its prefix length, text, bytes or a regular expression.
 */
export type Literal =
  | { readonly kind: 'number'; readonly n: number }
  | { readonly kind: 'ip'; readonly bytes: Uint8Array; readonly prefix: number }
  | { readonly kind: 'string'; readonly s: string }
  | { readonly kind: 'bytes'; readonly b: Uint8Array }
  | { readonly kind: 'regex'; readonly re: RegExp };

const fail = (w: Word, message: string): never => {
  throw new FilterError(message, w.pos, w.len);
};

/** Wireshark's integer literals: decimal, 0x hex, 0b binary, a leading 0 for octal, an optional sign. */
export function parseInteger(text: string): number | undefined {
  const m = /^([+-]?)(0x[0-9a-f]+|0b[01]+|0[0-7]*|[1-9][0-9]*)$/i.exec(text);
  if (!m) return undefined;
  const body = m[2]!.toLowerCase();
  const n = body.startsWith('0x') ? parseInt(body.slice(2), 16) : body.startsWith('0b') ? parseInt(body.slice(2), 2) : body.length > 1 && body.startsWith('0') ? parseInt(body.slice(1), 8) : Number(body);
  return m[1] === '-' ? -n : n;
}

/** Byte strings: aa:bb:cc, aa-bb-cc, aa.bb.cc, or an even number of hex digits with no separator. */
export function parseBytes(text: string): Uint8Array | undefined {
  const parts = /^[0-9a-f]{2}([:.-][0-9a-f]{2})*$/i.test(text) ? text.split(/[:.-]/) : /^([0-9a-f]{2})+$/i.test(text) ? text.match(/../g)! : undefined;
  return parts ? Uint8Array.from(parts, (h) => parseInt(h, 16)) : undefined;
}

const UTF8 = new TextEncoder();

/** How a literal is read for a field of this type. */
export function literalFor(type: FieldType, w: Word, field: string): Literal {
  switch (type) {
    case 'uint':
    case 'bool': {
      if (type === 'bool' && /^(true|false)$/i.test(w.text)) return { kind: 'number', n: /^true$/i.test(w.text) ? 1 : 0 };
      const n = w.quoted ? undefined : parseInteger(w.text);
      if (n === undefined) fail(w, `"${w.text}" is not ${type === 'bool' ? 'a boolean (1, 0, true, false)' : 'an integer'}, which ${field} needs`);
      return { kind: 'number', n: n! };
    }
    case 'float': {
      const n = w.quoted || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(w.text) ? undefined : Number(w.text);
      if (n === undefined || !Number.isFinite(n)) fail(w, `"${w.text}" is not a number, which ${field} needs`);
      return { kind: 'number', n: n! };
    }
    case 'ipv4':
    case 'ipv6': {
      const [addr, prefixText, extra] = w.text.split('/');
      const bytes = w.quoted || extra !== undefined ? undefined : parseIp(addr!);
      const len = type === 'ipv4' ? 4 : 16;
      if (!bytes || bytes.length !== len) fail(w, `"${w.text}" is not an ${type === 'ipv4' ? 'IPv4' : 'IPv6'} address${type === 'ipv4' ? ' (a.b.c.d, or a.b.c.d/len)' : ' (or address/len)'}, which ${field} needs`);
      const prefix = prefixText === undefined ? len * 8 : /^\d+$/.test(prefixText) ? Number(prefixText) : NaN;
      if (!(prefix >= 0 && prefix <= len * 8)) fail(w, `"/${prefixText ?? ''}" is not a prefix length from 0 to ${len * 8}`);
      return { kind: 'ip', bytes: bytes!, prefix };
    }
    case 'string':
      return { kind: 'string', s: w.text };
    case 'bytes':
    case 'protocol': {
      if (w.quoted) return { kind: 'bytes', b: UTF8.encode(w.text) };
      const b = parseBytes(w.text);
      if (!b) fail(w, `"${w.text}" is not a byte string (aa:bb:cc, or a quoted string), which ${field} needs`);
      return { kind: 'bytes', b: b! };
    }
  }
}

/** A `matches` operand: a quoted regular expression, case-insensitive unless it starts with (?-i) (Wireshark's PCRE2 default). */
export function regexLiteral(w: Word): Literal {
  if (!w.quoted) fail(w, 'matches needs a quoted regular expression: field matches "^abc"');
  let src = w.text;
  let flags = 'iu';
  if (src.startsWith('(?-i)')) {
    src = src.slice(5);
    flags = 'u';
  } else if (src.startsWith('(?i)')) src = src.slice(4);
  try {
    return { kind: 'regex', re: new RegExp(src, flags) };
  } catch (e) {
    return fail(w, `not a regular expression: ${(e as Error).message}`);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function inPrefix(a: Uint8Array, net: Uint8Array, prefix: number): boolean {
  if (a.length !== net.length) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const take = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((a[bit >> 3]! & mask) !== (net[bit >> 3]! & mask)) return false;
  }
  return true;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const LATIN1 = new TextDecoder('latin1');

/** The order of a value against a literal (negative, zero, positive), or undefined when they cannot be ordered. */
export function order(v: FieldValue, lit: Literal): number | undefined {
  if (lit.kind === 'number' && typeof v === 'number') return v - lit.n;
  if (lit.kind === 'string' && typeof v === 'string') return v < lit.s ? -1 : v > lit.s ? 1 : 0;
  if (lit.kind === 'bytes' && v instanceof Uint8Array) return compareBytes(v, lit.b);
  if (lit.kind === 'ip' && v instanceof Uint8Array) return compareBytes(v, lit.bytes);
  return undefined;
}

/** `==`: an address literal with a prefix matches every address inside it (ip.addr == 10.0.0.0/8). */
export function equals(v: FieldValue, lit: Literal): boolean {
  if (lit.kind === 'ip') return v instanceof Uint8Array && inPrefix(v, lit.bytes, lit.prefix);
  return order(v, lit) === 0;
}

export function contains(v: FieldValue, lit: Literal): boolean {
  if (typeof v === 'string') return lit.kind === 'string' ? v.includes(lit.s) : lit.kind === 'bytes' ? v.includes(LATIN1.decode(lit.b)) : false;
  if (v instanceof Uint8Array) return lit.kind === 'bytes' ? indexOfBytes(v, lit.b) >= 0 : lit.kind === 'string' ? indexOfBytes(v, UTF8.encode(lit.s)) >= 0 : false;
  return false;
}

export function matches(v: FieldValue, lit: Literal): boolean {
  if (lit.kind !== 'regex') return false;
  lit.re.lastIndex = 0;
  if (typeof v === 'string') return lit.re.test(v);
  if (v instanceof Uint8Array) return lit.re.test(LATIN1.decode(v));
  return false;
}
