/**
 * Output lines written straight into one reused byte buffer and handed to `flushTo` in 64 KiB pieces: what a
 * benchmark's printing should cost (tshark formats into a stdio buffer too), with no string per value, per line or
 * per join. Text is UTF-8; numbers are written digit by digit.
 */
export class LineWriter {
  private readonly buf: Uint8Array;
  private pos = 0;
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

  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  byte(c: number): this {
    this.room(1);
    this.buf[this.pos++] = c;
    return this;
  }

  text(s: string): this {
    if (s.length * 3 > this.buf.length) {
      // longer than the buffer could ever hold: out on its own
      this.flush();
      this.flushTo(this.encoder.encode(s));
      return this;
    }
    this.room(s.length * 3);
    const b = this.buf;
    let p = this.pos;
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

  /** A non-negative integer in decimal. */
  dec(n: number): this {
    if (n < 10) return this.byte(48 + n);
    this.room(16);
    const b = this.buf;
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    const end = this.pos + digits;
    let p = end;
    // below 2^31 a truncating division is an integer operation
    if (n < 0x80000000) for (let m = n; p > this.pos; m = (m / 10) | 0) b[--p] = 48 + (m % 10);
    else for (let m = n; p > this.pos; m = Math.floor(m / 10)) b[--p] = 48 + (m % 10);
    this.pos = end;
    return this;
  }

  /** "0x" and an unsigned 32-bit number in lower-case hex, zero-padded to at least `width` digits. */
  hex(n: number, width: number): this {
    this.room(10);
    const b = this.buf;
    const v = n >>> 0;
    let digits = 1;
    for (let m = v >>> 4; m !== 0; m >>>= 4) digits++;
    if (digits < width) digits = width;
    b[this.pos++] = 48;
    b[this.pos++] = 120;
    const end = this.pos + digits;
    let p = end;
    for (let m = v; p > this.pos; m >>>= 4) b[--p] = HEX_DIGITS[m & 15]!;
    this.pos = end;
    return this;
  }

  /** Bytes as lower-case hex, no separator. */
  hexBytes(bytes: Uint8Array): this {
    if (bytes.length * 2 > this.buf.length) return this.text(Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(''));
    this.room(bytes.length * 2);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < bytes.length; i++) {
      const x = bytes[i]!;
      b[p++] = HEX_DIGITS[x >> 4]!;
      b[p++] = HEX_DIGITS[x & 15]!;
    }
    this.pos = p;
    return this;
  }
}

const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** What `write` puts on a LineWriter, as a string (ASCII and UTF-8 alike). */
export function written(write: (w: LineWriter) => void): string {
  const parts: Uint8Array[] = [];
  const w = new LineWriter((b) => parts.push(b.slice()));
  write(w);
  w.flush();
  const decoder = new TextDecoder();
  return parts.map((p) => decoder.decode(p, { stream: true })).join('') + decoder.decode();
}
