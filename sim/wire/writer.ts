/**
 * A growable byte writer for encoders: network byte order (big-endian) unless asked otherwise — pcapng files
 * may be written in either order.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;
  private drained = 0;

  constructor(
    capacity = 256,
    readonly littleEndian = false,
  ) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, this.littleEndian);
    this.pos += 2;
    return this;
  }

  u24(v: number): this {
    if (this.littleEndian) throw new Error('Writer.u24 is big-endian only');
    this.ensure(3);
    this.view.setUint8(this.pos, (v >>> 16) & 0xff);
    this.view.setUint16(this.pos + 1, v & 0xffff);
    this.pos += 3;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, this.littleEndian);
    this.pos += 4;
    return this;
  }

  u48(v: number): this {
    if (this.littleEndian) throw new Error('Writer.u48 is big-endian only');
    this.ensure(6);
    this.view.setUint16(this.pos, Math.floor(v / 0x100000000) & 0xffff);
    this.view.setUint32(this.pos + 2, v >>> 0);
    this.pos += 6;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), this.littleEndian);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** Overwrites a 16-bit value already written (lengths and checksums filled in afterwards). */
  setU16(at: number, v: number): this {
    this.view.setUint16(at, v, this.littleEndian);
    return this;
  }

  setU24(at: number, v: number): this {
    this.view.setUint8(at, (v >>> 16) & 0xff);
    this.view.setUint16(at + 1, v & 0xffff);
    return this;
  }

  setU32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, this.littleEndian);
    return this;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /**
   * A copy of what was written since the last drain, for chunked output. Once more than 1 MiB has been drained
   * that memory is released and positions restart from what is left, so drain only between whole structures
   * (never while a length or checksum is still to be filled in by offset).
   */
  drain(): Uint8Array {
    const out = this.buf.slice(this.drained, this.pos);
    this.drained = this.pos;
    if (this.drained > 1 << 20) {
      this.buf = this.buf.slice(this.drained);
      this.view = new DataView(this.buf.buffer);
      this.pos -= this.drained;
      this.drained = 0;
    }
    return out;
  }

  /** A view of what was written so far (no copy; invalid after further writes). */
  peek(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
