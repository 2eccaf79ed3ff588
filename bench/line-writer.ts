/**
 * Output lines written straight into one reused byte buffer and handed to `flushTo` in 64 KiB pieces: what a
 * benchmark's printing should cost (tshark formats into a stdio buffer too), with no string per value, per line or
 * per join. A line of known greatest length is written with `reserve` and the `put…` functions, which take the
 * buffer and a position and return the position after what they wrote (small enough to be inlined); other text
 * goes through `text` (UTF-8).
 */
export class LineWriter {
  readonly buf: Uint8Array;
  /** Where the next byte goes; a writer of `put…` calls sets it after them. */
  pos = 0;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly flushTo: (bytes: Uint8Array) => void,
    size = 1 << 16,
  ) {
    this.buf = new Uint8Array(size);
  }

  /** Hands out what is buffered (a view of the reused buffer: `flushTo` must use it before returning). */
  flush(): void {
    if (this.pos > 0) this.flushTo(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  /** Makes room for `n` more bytes (at most the buffer's size) and returns where they start. */
  reserve(n: number): number {
    if (n > this.buf.length) throw new RangeError(`a line of up to ${n} bytes does not fit a ${this.buf.length}-byte buffer`);
    if (this.pos + n > this.buf.length) this.flush();
    return this.pos;
  }

  /** Any text, as UTF-8. */
  text(s: string): this {
    if (s.length * 3 > this.buf.length) {
      // longer than the buffer could ever hold: out on its own
      this.flush();
      this.flushTo(this.encoder.encode(s));
      return this;
    }
    const b = this.buf;
    let p = this.reserve(s.length * 3);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        p += this.encoder.encodeInto(s.slice(i), b.subarray(p)).written;
        break;
      }
      b[p++] = c;
    }
    this.pos = p;
    return this;
  }

  byte(c: number): this {
    this.buf[this.reserve(1)] = c;
    this.pos++;
    return this;
  }
}

/** ASCII text (an address, a name); every character must be below 0x80. */
export function putAscii(b: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  return p;
}

/** A non-negative integer in decimal (at most 16 bytes). */
export function putDec(b: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    b[p] = 48 + n;
    return p + 1;
  }
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  const end = p + digits;
  let q = end;
  // below 2^31 a truncating division is an integer operation
  if (n < 0x80000000) for (let m = n; q > p; m = (m / 10) | 0) b[--q] = 48 + (m % 10);
  else for (let m = n; q > p; m = Math.floor(m / 10)) b[--q] = 48 + (m % 10);
  return end;
}

/** "0x" and an unsigned 32-bit number in lower-case hex, zero-padded to at least `width` digits (at most 10 bytes). */
export function putHex(b: Uint8Array, p: number, n: number, width: number): number {
  const v = n >>> 0;
  let digits = 1;
  for (let m = v >>> 4; m !== 0; m >>>= 4) digits++;
  if (digits < width) digits = width;
  b[p] = 48;
  b[p + 1] = 120;
  const end = p + 2 + digits;
  let q = end;
  for (let m = v; q > p + 2; m >>>= 4) b[--q] = HEX_DIGITS[m & 15]!;
  return end;
}

/** Bytes as lower-case hex, no separator (two bytes each). */
export function putHexBytes(b: Uint8Array, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const x = bytes[i]!;
    b[p++] = HEX_DIGITS[x >> 4]!;
    b[p++] = HEX_DIGITS[x & 15]!;
  }
  return p;
}

const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** What `write` puts on a LineWriter, as a string (ASCII and UTF-8 alike). */
export function written(write: (w: LineWriter) => void): string {
  const parts: Uint8Array[] = [];
  const w = new LineWriter((b) => parts.push(b.slice()));
  write(w);
  w.flush();
  const decoder = new TextDecoder();
  return parts.map((p) => decoder.decode(p, { stream: true })).join('') + decoder.decode();
}
