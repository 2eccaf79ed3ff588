import type { Field, Problem } from './field.ts';

interface OpenGroup {
  name: string;
  start: number;
  fields: Field[];
  display?: string;
}

const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);
const NO_FIELDS: readonly Field[] = Object.freeze([]);

/**
 * A bounds-checked cursor over bytes that records a span for every named read.
 * Reading past the end never throws: it yields zeros (or fewer bytes), records one "truncated" problem,
 * and sets `truncated`, so a decoder can stop and still return what it had.
 */
export class Reader {
  pos: number;
  /** Replaced by a fresh list on `reset` once it has entries (a list handed out is never emptied or reused). */
  problems: Problem[] = [];
  /** Open groups, the top level first; made on first use (a reader without spans often never needs it). */
  private stack: OpenGroup[] | undefined;
  private truncatedAt = -1;
  /** Only for 64-bit reads; the narrower ones combine bytes directly (no view per reader). */
  private view: DataView | undefined;
  /**
   * Whether field(), group() and named reads record spans. A packet list needs none (the hex view of one packet
   * does), and building them is most of a decoder's allocation: the same decoders, handed `spans: false`, give the
   * same values and problems with `fields` left empty. A decoder passes its reader's choice to any reader it opens.
   */
  spans: boolean;

  /**
   * @param bytes the buffer; @param base the absolute offset of bytes[0] in the outermost buffer, so spans of a
   * payload decoded on its own land on the right bytes of the whole packet; @param end where reading stops;
   * @param spans whether to record field spans.
   */
  constructor(
    public buf: Uint8Array,
    public base = 0,
    start = 0,
    public end = buf.length,
    spans = true,
  ) {
    this.pos = start;
    this.spans = spans;
  }

  /**
   * Points the reader at new bytes, as `new Reader(buf, base, 0, buf.length, spans)` would, so a decoder
   * can keep one Reader instead of making one per call. Only for a decoder that hands out what it read before it
   * is called again (not reentrant) and that hands out `problemList()` and `fieldList()`, never the lists themselves.
   */
  reset(buf: Uint8Array, base = 0, spans = true): this {
    this.buf = buf;
    this.base = base;
    this.pos = 0;
    this.end = buf.length;
    this.spans = spans;
    this.truncatedAt = -1;
    this.view = undefined;
    this.stack = undefined;
    this.loose = undefined;
    if (this.problems.length) this.problems = [];
    return this;
  }

  /** The problems to hand out: this reader's list when it has any, else the shared frozen empty one. */
  problemList(): readonly Problem[] {
    return this.problems.length ? this.problems : NO_PROBLEMS;
  }

  /** The top-level fields to hand out: the shared frozen empty list when none were recorded. */
  fieldList(): readonly Field[] {
    if (!this.spans) return this.loose?.length ? this.loose : NO_FIELDS;
    const top = this.stack?.[0]?.fields;
    return top?.length ? top : NO_FIELDS;
  }

  get remaining(): number {
    return Math.max(0, this.end - this.pos);
  }

  get truncated(): boolean {
    return this.truncatedAt >= 0;
  }

  /** Fields recorded at the top level so far. */
  get fields(): Field[] {
    // without spans only a decoder's hand-made fields land here: a plain list, no group stack
    if (!this.spans) return (this.loose ??= []);
    return this.groups()[0]!.fields;
  }

  /** The top-level list when spans are off (made on first use). */
  private loose: Field[] | undefined;

  private groups(): OpenGroup[] {
    return (this.stack ??= [{ name: '', start: 0, fields: [] }]);
  }

  problem(message: string, offset = this.pos, length = 0): void {
    this.problems.push({ offset: this.base + offset, length, message });
  }

  /** Records a field that was read by other means (offset relative to this reader's bytes). */
  field(name: string, offset: number, length: number, display?: string, extra?: Partial<Field>): void {
    if (!this.spans) return;
    const f: Field = { name, offset: this.base + offset, length, ...(display !== undefined ? { display } : {}), ...extra };
    const stack = this.groups();
    stack[stack.length - 1]!.fields.push(f);
  }

  /** Runs `fn`; the fields it records become children of one field spanning everything it read. */
  group<T>(name: string, fn: () => T, display?: (v: T) => string): T {
    if (!this.spans) return fn();
    const g: OpenGroup = { name, start: this.pos, fields: [] };
    const stack = this.groups();
    stack.push(g);
    let v: T;
    try {
      v = fn();
    } finally {
      stack.pop();
    }
    this.field(name, g.start, this.pos - g.start, display ? display(v) : undefined, { children: g.fields });
    return v;
  }

  /** Adds already-made fields (for example from a nested decoder) at the current level. */
  adopt(fields: readonly Field[], problems: readonly Problem[] = []): void {
    if (this.spans && fields.length) {
      const stack = this.groups();
      stack[stack.length - 1]!.fields.push(...fields);
    }
    if (problems.length) this.problems.push(...problems);
  }

  private need(n: number, name: string): boolean {
    if (this.pos + n <= this.end) return true;
    if (this.truncatedAt < 0) {
      this.truncatedAt = this.pos;
      this.problem(`truncated: ${name || 'field'} needs ${n} byte(s) at offset ${this.base + this.pos}, only ${this.remaining} left`, this.pos, this.remaining);
    }
    return false;
  }

  private record(name: string | undefined, at: number, n: number, v: number | bigint, show?: (v: never) => string): void {
    if (!name || !this.spans) return;
    this.field(name, at, n, show ? (show as (x: number | bigint) => string)(v) : String(v));
  }

  u8(name?: string, show?: (v: number) => string): number {
    const at = this.pos;
    if (at + 1 > this.end && !this.need(1, name ?? '')) return 0;
    const v = this.buf[at]!;
    this.pos = at + 1;
    if (name && this.spans) this.record(name, at, 1, v, show);
    return v;
  }

  u16(name?: string, show?: (v: number) => string): number {
    const at = this.pos;
    if (at + 2 > this.end && !this.need(2, name ?? '')) return 0;
    const b = this.buf;
    const v = (b[at]! << 8) | b[at + 1]!;
    this.pos = at + 2;
    if (name && this.spans) this.record(name, at, 2, v, show);
    return v;
  }

  u24(name?: string, show?: (v: number) => string): number {
    const at = this.pos;
    if (at + 3 > this.end && !this.need(3, name ?? '')) return 0;
    const b = this.buf;
    const v = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
    this.pos = at + 3;
    if (name && this.spans) this.record(name, at, 3, v, show);
    return v;
  }

  u32(name?: string, show?: (v: number) => string): number {
    const at = this.pos;
    if (at + 4 > this.end && !this.need(4, name ?? '')) return 0;
    const b = this.buf;
    const v = b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
    this.pos = at + 4;
    if (name && this.spans) this.record(name, at, 4, v, show);
    return v;
  }

  /** 48-bit unsigned (DTLS record sequence numbers); exact as a JS number. */
  u48(name?: string, show?: (v: number) => string): number {
    const at = this.pos;
    if (at + 6 > this.end && !this.need(6, name ?? '')) return 0;
    const b = this.buf;
    const v = ((b[at]! << 8) | b[at + 1]!) * 0x100000000 + b[at + 2]! * 0x1000000 + ((b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!);
    this.pos = at + 6;
    if (name && this.spans) this.record(name, at, 6, v, show);
    return v;
  }

  u64(name?: string, show?: (v: bigint) => string): bigint {
    const at = this.pos;
    if (!this.need(8, name ?? '')) return 0n;
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.view.getBigUint64(at);
    this.pos = at + 8;
    this.record(name, at, 8, v, show);
    return v;
  }

  /** `n` bytes as a view into the buffer (not a copy); fewer if the buffer ends first. */
  bytes(n: number, name?: string, show?: (v: Uint8Array) => string): Uint8Array {
    const at = this.pos;
    const take = this.need(n, name ?? '') ? n : this.remaining;
    const v = this.buf.subarray(at, at + take);
    this.pos = at + take;
    if (name && this.spans) this.field(name, at, take, show ? show(v) : undefined);
    return v;
  }

  /** Moves past `n` bytes (as `bytes` does, truncation included) without making a view of them when no span is kept. */
  skip(n: number, name?: string, show?: (v: Uint8Array) => string): void {
    if (name && this.spans) {
      this.bytes(n, name, show);
      return;
    }
    this.pos += this.need(n, name ?? '') ? n : this.remaining;
  }

  /** Everything up to `end`. */
  rest(name?: string, show?: (v: Uint8Array) => string): Uint8Array {
    return this.bytes(this.remaining, name, show);
  }

  /** Reads bits from the current byte without advancing; use with `fieldBits` to record them. */
  peekU8(offset = 0): number | undefined {
    const at = this.pos + offset;
    return at < this.end ? this.buf[at] : undefined;
  }

  /** Records a bit field inside the bytes at [at, at+byteLength). */
  fieldBits(name: string, at: number, byteLength: number, start: number, count: number, display: string): void {
    if (!this.spans) return;
    this.field(name, at, byteLength, display, { bits: { start, count } });
  }
}
