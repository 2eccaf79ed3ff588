/** Bytes received and not yet consumed, in one growing buffer (appends are amortised; consuming moves a start mark). */
export class ByteQueue {
  private buf = new Uint8Array(1024);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  push(bytes: Uint8Array): void {
    if (this.end + bytes.length > this.buf.length) {
      const live = this.length;
      const size = Math.max(live + bytes.length, live * 2, 1024);
      const next = size > this.buf.length ? new Uint8Array(size) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** A view of the unconsumed bytes (valid until the next push). */
  view(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  /** Takes `n` bytes off the front (a copy). */
  take(n: number): Uint8Array {
    const out = this.buf.slice(this.start, this.start + n);
    this.consume(n);
    return out;
  }

  consume(n: number): void {
    this.start = Math.min(this.end, this.start + n);
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Everything left, emptying the queue. */
  drain(): Uint8Array {
    return this.take(this.length);
  }
}
