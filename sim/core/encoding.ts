/** Hex and base64 on Uint8Array only (no Node-specific types), so the same code runs in Node, Deno and the browser. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array, separator = ''): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && separator) s += separator;
    s += HEX[bytes[i]!];
  }
  return s;
}

/** Parses hex, ignoring whitespace and `:` separators; throws on odd length or a non-hex digit. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0) throw new Error(`hex string has an odd number of digits (${clean.length})`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(v) || !/^[0-9a-fA-F]{2}$/.test(clean.slice(2 * i, 2 * i + 2))) {
      throw new Error(`not a hex digit at position ${2 * i}: ${JSON.stringify(clean.slice(2 * i, 2 * i + 2))}`);
    }
    out[i] = v;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const ascii = new TextDecoder('utf-8');

/**
 * Standard base64 with padding (RFC 4648 §4). The characters are written as ASCII bytes and decoded once: building the
 * string a character at a time took 5 s for a 29 MB trace (rtclab run --trace), this 0.6 s.
 */
export function toBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = B64_CODES[n >> 18]!;
    out[o++] = B64_CODES[(n >> 12) & 63]!;
    out[o++] = B64_CODES[(n >> 6) & 63]!;
    out[o++] = B64_CODES[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = B64_CODES[n >> 18]!;
    out[o++] = B64_CODES[(n >> 12) & 63]!;
    out[o++] = rest === 2 ? B64_CODES[(n >> 6) & 63]! : 61; // '='
    out[o++] = 61;
  }
  return ascii.decode(out);
}

/**
 * Decodes standard base64 (padding optional, RFC 4648 §4); throws naming the offending position. Four characters
 * make three bytes in one step (reading a trace's datagrams back, `rtclab view`/`dissect` of a JSON trace).
 */
export function fromBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  if (end % 4 === 1) throw new Error(`base64 text has an impossible length (${text.length})`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  const whole = end - (end % 4);
  let o = 0;
  let i = 0;
  for (; i < whole; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (i < end) {
    // 2 or 3 characters left: 1 or 2 bytes (the bits below them are padding)
    const n = (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (end - i === 3 ? sextet(text, i + 2) << 6 : 0);
    out[o++] = n >> 16;
    if (end - i === 3) out[o++] = (n >> 8) & 0xff;
  }
  return out.subarray(0, o);
}

/** The 6-bit value of the base64 character at `i`; throws naming it when it is not one. */
function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const v = c < 128 ? B64_INDEX[c]! : -1;
  if (v < 0) throw new Error(`not a base64 character at position ${i}: ${JSON.stringify(text[i])}`);
  return v;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });
export const utf8Encode = (s: string): Uint8Array => enc.encode(s);
export const utf8Decode = (b: Uint8Array): string => dec.decode(b);

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Payload text for notes: printable ASCII kept, the rest as \xNN, cut at 80 characters. */
export function printable(bytes: Uint8Array): string {
  const s = utf8Decode(bytes.subarray(0, 80)).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return bytes.length > 80 ? `${s}…` : s;
}
