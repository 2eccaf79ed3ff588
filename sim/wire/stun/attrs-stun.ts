import { fromBase64, toBase64, toHex, utf8Decode, utf8Encode } from '../../core/encoding.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import type { AttributeCodec } from './attribute.ts';
import { checkUint, defineAttribute, expectEnd, expectLength } from './attribute.ts';
import { bytesAttribute } from './attrs-common.ts';
import { attributeName, AttrType, hex16, passwordAlgorithmName } from './constants.ts';

/** Text attributes: UTF-8 without terminator; `maxBytes` is the RFC's "fewer than N bytes" limit. */
function textAttribute(type: number, maxBytes: number): AttributeCodec<string> {
  const name = attributeName(type);
  return defineAttribute<string>(type, {
    decode: (r) => {
      const at = r.pos;
      const b = r.rest('Text', (v) => JSON.stringify(utf8Decode(v)));
      if (b.length > maxBytes) r.problem(`${name}: ${b.length} bytes, the limit is ${maxBytes} (RFC 8489 §14)`, at, b.length);
      return utf8Decode(b);
    },
    encode: (w, v) => {
      w.bytes(utf8Encode(v));
    },
    show: (v) => JSON.stringify(v),
  });
}

/** RFC 8489 §14.3: fewer than 509 bytes. */
export const Username = textAttribute(AttrType.Username, 508);
/** RFC 8489 §14.9: fewer than 763 bytes. */
export const Realm = textAttribute(AttrType.Realm, 762);
/** RFC 8489 §14.14: fewer than 763 bytes. */
export const Software = textAttribute(AttrType.Software, 762);
/** RFC 8489 §14.16: a domain name (for TLS certificate checks on redirect). */
export const AlternateDomain = textAttribute(AttrType.AlternateDomain, 255);

/** RFC 3489 §11.2.7: the PASSWORD of the obsolete Shared Secret exchange. */
export const Password = bytesAttribute(AttrType.Password, 'Password');

/** RFC 8489 §9.2: a nonce starting with this cookie carries 24 bits of security features in 4 base64 chars. */
export const NONCE_COOKIE = 'obMatJos2';

export interface SecurityFeatures {
  /** Bit 0 (the most significant of the 24): the server supports PASSWORD-ALGORITHMS (RFC 8489 §18.1). */
  readonly passwordAlgorithms: boolean;
  /** Bit 1: the server supports USERHASH. */
  readonly usernameAnonymity: boolean;
  /** All 24 bits as a number, bit 0 the most significant. */
  readonly bits: number;
}

/** The security features of a nonce that starts with the "obMatJos2" cookie (RFC 8489 §9.2), else undefined. */
export function nonceSecurityFeatures(nonce: string): SecurityFeatures | undefined {
  if (!nonce.startsWith(NONCE_COOKIE) || nonce.length < NONCE_COOKIE.length + 4) return undefined;
  let b: Uint8Array;
  try {
    b = fromBase64(nonce.slice(NONCE_COOKIE.length, NONCE_COOKIE.length + 4));
  } catch {
    return undefined;
  }
  if (b.length !== 3) return undefined;
  const bits = (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  return { passwordAlgorithms: (bits & 0x800000) !== 0, usernameAnonymity: (bits & 0x400000) !== 0, bits };
}

/** Builds a nonce that advertises security features (RFC 8489 §9.2): cookie, 4 base64 chars, then `rest`. */
export function makeNonce(features: { passwordAlgorithms?: boolean; usernameAnonymity?: boolean }, rest: string): string {
  const bits = (features.passwordAlgorithms ? 0x800000 : 0) | (features.usernameAnonymity ? 0x400000 : 0);
  return NONCE_COOKIE + toBase64(new Uint8Array([bits >>> 16, (bits >>> 8) & 0xff, bits & 0xff])) + rest;
}

function showFeatures(f: SecurityFeatures): string {
  const names = [f.passwordAlgorithms ? 'password algorithms' : '', f.usernameAnonymity ? 'username anonymity' : ''].filter(Boolean);
  return `0x${f.bits.toString(16).padStart(6, '0')}${names.length ? ` (${names.join(', ')})` : ''}`;
}

/** RFC 8489 §14.10 (and §9.2 for the nonce cookie). */
export const Nonce = defineAttribute<string>(AttrType.Nonce, {
  decode: (r) => {
    const at = r.pos;
    const all = r.buf.subarray(at, r.end);
    const text = utf8Decode(all);
    const f = nonceSecurityFeatures(text);
    if (f) {
      r.bytes(NONCE_COOKIE.length, 'Nonce cookie', () => JSON.stringify(NONCE_COOKIE));
      r.bytes(4, 'Security features', () => showFeatures(f));
      r.rest('Nonce value', (v) => JSON.stringify(utf8Decode(v)));
    } else {
      r.rest('Text', () => JSON.stringify(text));
    }
    if (all.length > 762) r.problem(`NONCE: ${all.length} bytes, the limit is 762 (RFC 8489 §14.10)`, at, all.length);
    return text;
  },
  encode: (w, v) => {
    w.bytes(utf8Encode(v));
  },
  show: (v) => {
    const f = nonceSecurityFeatures(v);
    return f ? `${JSON.stringify(v)} (security features ${showFeatures(f)})` : JSON.stringify(v);
  },
});

/** RFC 8489 §14.4: SHA-256 of username ":" realm (see credentials.ts). */
export const Userhash = defineAttribute<Uint8Array>(AttrType.Userhash, {
  decode: (r) => {
    if (r.remaining !== 32) r.problem(`USERHASH: value is ${r.remaining} bytes, must be 32`, r.pos, r.remaining);
    return r.rest('Userhash', (v) => toHex(v));
  },
  encode: (w, v) => {
    if (v.length !== 32) throw new RangeError(`USERHASH: ${v.length} bytes, must be 32`);
    w.bytes(v);
  },
  show: (v) => toHex(v),
});

/** RFC 8489 §14.5: 20-byte HMAC-SHA1. The encoder computes it (message.ts); a given value is written as is. */
export const MessageIntegrity = defineAttribute<Uint8Array>(AttrType.MessageIntegrity, {
  decode: (r) => {
    if (!expectLength(r, 20, 'MESSAGE-INTEGRITY')) {
      r.rest('HMAC-SHA1');
      return undefined;
    }
    const v = r.bytes(20, 'HMAC-SHA1', (b) => toHex(b));
    expectEnd(r, 'MESSAGE-INTEGRITY');
    return v;
  },
  encode: (w, v) => {
    if (v.length !== 20) throw new RangeError(`MESSAGE-INTEGRITY: ${v.length} bytes, must be 20`);
    w.bytes(v);
  },
  show: (v) => toHex(v),
});

/** RFC 8489 §14.6: HMAC-SHA256, 16 to 32 bytes in steps of 4 (truncated from the left-most bytes). */
export const MessageIntegritySha256 = defineAttribute<Uint8Array>(AttrType.MessageIntegritySha256, {
  decode: (r) => {
    const n = r.remaining;
    const v = r.rest('HMAC-SHA256', (b) => toHex(b));
    if (n < 16 || n > 32 || n % 4 !== 0) {
      r.problem(`MESSAGE-INTEGRITY-SHA256: ${n} bytes; must be 16–32 and a multiple of 4 (RFC 8489 §14.6)`, r.pos - n, n);
      return undefined;
    }
    return v;
  },
  encode: (w, v) => {
    if (v.length < 16 || v.length > 32 || v.length % 4 !== 0) throw new RangeError(`MESSAGE-INTEGRITY-SHA256: ${v.length} bytes`);
    w.bytes(v);
  },
  show: (v) => toHex(v),
});

/** RFC 8489 §14.7: CRC-32 of the message up to this attribute, xored with 0x5354554E. Computed by the encoder. */
export const Fingerprint = defineAttribute<number>(AttrType.Fingerprint, {
  decode: (r) => {
    if (!expectLength(r, 4, 'FINGERPRINT')) {
      r.rest('CRC-32');
      return undefined;
    }
    const v = r.u32('CRC-32', (x) => `0x${x.toString(16).padStart(8, '0')}`);
    expectEnd(r, 'FINGERPRINT');
    return v;
  },
  encode: (w, v) => {
    w.u32(checkUint(v, 32, 'FINGERPRINT'));
  },
  show: (v) => `0x${v.toString(16).padStart(8, '0')}`,
});

export interface ErrorCodeValue {
  /** 300–699: class × 100 + number. */
  readonly code: number;
  /** As on the wire; coturn ends it with a NUL byte, which `show` and `describe` leave out. */
  readonly reason: string;
}

/** The reason phrase without the trailing NUL bytes some servers (coturn) send. */
export const reasonText = (reason: string): string => reason.replace(/\0+$/, '');

/** Reads the 32-bit word Reserved(21) Class(3) Number(8) shared by ERROR-CODE and ADDRESS-ERROR-CODE. */
export function readClassNumber(r: Reader, at: number, reservedStart: number, what: string): number {
  const word = ((r.buf[at]! << 24) | (r.buf[at + 1]! << 16) | (r.buf[at + 2]! << 8) | r.buf[at + 3]!) >>> 0;
  const cls = (word >>> 8) & 0x7;
  const num = word & 0xff;
  const reserved = (word >>> 11) & ((1 << (21 - reservedStart)) - 1);
  r.fieldBits('Reserved', at, 4, reservedStart, 21 - reservedStart, String(reserved));
  r.fieldBits('Class', at, 4, 21, 3, String(cls));
  r.fieldBits('Number', at, 4, 24, 8, String(num));
  if (cls < 3 || cls > 6) r.problem(`${what}: class ${cls} is outside 3–6 (RFC 8489 §14.8)`, at + 2, 1);
  if (num > 99) r.problem(`${what}: number ${num} is not below 100 (RFC 8489 §14.8)`, at + 3, 1);
  return cls * 100 + num;
}

export function writeClassNumber(w: Writer, code: number, high8: number, what: string): void {
  if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError(`${what}: code ${code} is outside 300–699`);
  w.u8(high8);
  w.u8(0);
  w.u8(Math.floor(code / 100));
  w.u8(code % 100);
}

/** RFC 8489 §14.8 */
export const ErrorCode = defineAttribute<ErrorCodeValue>(AttrType.ErrorCode, {
  decode: (r) => {
    if (!expectLength(r, 4, 'ERROR-CODE')) {
      r.rest('Value');
      return undefined;
    }
    const at = r.pos;
    r.pos += 4;
    const code = readClassNumber(r, at, 0, 'ERROR-CODE');
    const reasonAt = r.pos;
    const reason = utf8Decode(r.rest('Reason Phrase', (v) => JSON.stringify(utf8Decode(v))));
    if (r.pos - reasonAt > 763) r.problem('ERROR-CODE: reason phrase longer than 763 bytes', reasonAt, r.pos - reasonAt);
    return { code, reason };
  },
  encode: (w, v) => {
    writeClassNumber(w, v.code, 0, 'ERROR-CODE');
    w.bytes(utf8Encode(v.reason));
  },
  show: (v) => `${v.code} ${reasonText(v.reason)}`,
});

/** RFC 8489 §14.11: a list of 16-bit attribute types. */
export const UnknownAttributes = defineAttribute<readonly number[]>(AttrType.UnknownAttributes, {
  decode: (r) => {
    if (r.remaining % 2 !== 0) r.problem('UNKNOWN-ATTRIBUTES: odd length', r.pos, r.remaining);
    const out: number[] = [];
    while (r.remaining >= 2) out.push(r.u16('Attribute Type', (t) => `${hex16(t)} ${attributeName(t)}`));
    if (r.remaining > 0) r.rest('Trailing byte');
    return out;
  },
  encode: (w, v) => {
    for (const t of v) w.u16(checkUint(t, 16, 'UNKNOWN-ATTRIBUTES'));
  },
  show: (v) => v.map((t) => attributeName(t)).join(', '),
});

export interface PasswordAlgorithmValue {
  readonly algorithm: number;
  readonly parameters: Uint8Array;
}

function readAlgorithm(r: Reader): PasswordAlgorithmValue | undefined {
  if (!expectLength(r, 4, 'password algorithm')) {
    r.rest('Value');
    return undefined;
  }
  const algorithm = r.u16('Algorithm', (a) => `${passwordAlgorithmName(a)} (${hex16(a)})`);
  const len = r.u16('Algorithm Parameters Length');
  if (!expectLength(r, len, 'password algorithm parameters')) {
    r.rest('Algorithm Parameters');
    return undefined;
  }
  const parameters = r.bytes(len, 'Algorithm Parameters', (b) => toHex(b));
  const pad = (4 - (len % 4)) % 4;
  if (pad > 0 && r.remaining > 0) r.bytes(Math.min(pad, r.remaining), 'Padding');
  return { algorithm, parameters };
}

function writeAlgorithm(w: Writer, a: PasswordAlgorithmValue): void {
  w.u16(checkUint(a.algorithm, 16, 'password algorithm'));
  w.u16(checkUint(a.parameters.length, 16, 'password algorithm parameters length'));
  w.bytes(a.parameters);
  w.zeros((4 - (a.parameters.length % 4)) % 4);
}

const showAlgorithm = (a: PasswordAlgorithmValue): string =>
  passwordAlgorithmName(a.algorithm) + (a.parameters.length ? ` (${toHex(a.parameters)})` : '');

/** RFC 8489 §14.11: the algorithms the server supports, in its order of preference. */
export const PasswordAlgorithms = defineAttribute<readonly PasswordAlgorithmValue[]>(AttrType.PasswordAlgorithms, {
  decode: (r) => {
    const out: PasswordAlgorithmValue[] = [];
    while (r.remaining > 0) {
      const a = r.group('Password Algorithm', () => readAlgorithm(r), (v) => (v ? showAlgorithm(v) : 'malformed'));
      if (!a) return undefined;
      out.push(a);
    }
    return out;
  },
  encode: (w, v) => {
    for (const a of v) writeAlgorithm(w, a);
  },
  show: (v) => v.map(showAlgorithm).join(', '),
});

/** RFC 8489 §14.12: the algorithm the client chose. */
export const PasswordAlgorithmAttr = defineAttribute<PasswordAlgorithmValue>(AttrType.PasswordAlgorithm, {
  decode: (r) => {
    const a = readAlgorithm(r);
    if (a) expectEnd(r, 'PASSWORD-ALGORITHM');
    return a;
  },
  encode: writeAlgorithm,
  show: showAlgorithm,
});
