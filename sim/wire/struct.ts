import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * Fixed-layout headers defined once: decode, encode, size and the span of every field (bit fields included)
 * are all derived from one list of field definitions, and the TypeScript type of the value is inferred from it.
 * A whole-byte integer on a byte boundary is read on its own (8, 16, 24, 32 or 48 bits); consecutive bit fields
 * are packed into runs of at most 32 bits, and each bit field's span covers exactly the bytes its bits touch.
 *
 *   const UdpHeader = struct('UDP header', [uint('srcPort', 16), uint('dstPort', 16), uint('length', 16), uint('checksum', 16, hex)]);
 *   const h = UdpHeader.decode(reader);   // { srcPort: number, ... }, one span per field recorded on the reader
 */
export interface UintDef<N extends string> {
  readonly kind: 'uint';
  readonly name: N;
  readonly bits: number;
  readonly show?: ((v: number) => string) | undefined;
}
export interface BytesDef<N extends string> {
  readonly kind: 'bytes';
  readonly name: N;
  readonly length: number;
  readonly show?: ((v: Uint8Array) => string) | undefined;
}
type Def = UintDef<string> | BytesDef<string>;

export type StructValue<D extends readonly Def[]> = {
  [F in D[number] as F['name']]: F extends BytesDef<string> ? Uint8Array : number;
};

/** An unsigned integer of 1–32 bits (bit fields pack MSB first), or exactly 48 bits when byte-aligned. */
export function uint<N extends string>(name: N, bits: number, show?: (v: number) => string): UintDef<N> {
  if (!(bits >= 1 && bits <= 32) && bits !== 48) throw new RangeError(`uint ${name}: ${bits} bits`);
  return { kind: 'uint', name, bits, show };
}

export function bytes<N extends string>(name: N, length: number, show?: (v: Uint8Array) => string): BytesDef<N> {
  return { kind: 'bytes', name, length, show };
}

/** A display function "0x…" padded to `width` hex digits (one function per width, so callers may ask per read). */
export function hex(width: number): (v: number) => string {
  let f = hexShows[width];
  if (!f) {
    f = (v: number): string => `0x${v.toString(16).padStart(width, '0')}`;
    hexShows[width] = f;
  }
  return f;
}
const hexShows: ((v: number) => string)[] = [];

/** A run of consecutive fields inside whole bytes: either bit fields packed into ≤ 4 bytes, or one bytes field. */
type Group =
  | { kind: 'bits'; offset: number; byteLength: number; fields: UintDef<string>[] }
  | { kind: 'u48'; offset: number; field: UintDef<string> }
  | { kind: 'bytes'; offset: number; field: BytesDef<string> };

export interface Struct<V> {
  readonly name: string;
  readonly size: number;
  /** Reads the header at the reader's position; each field's span is recorded on the reader. */
  decode(r: Reader): V;
  encode(w: Writer, v: V): void;
  /** The byte offset and bit range of a field inside the header. */
  offsetOf(field: keyof V & string): { offset: number; bitStart: number; bitCount: number };
}

export function struct<const D extends readonly Def[]>(name: string, defs: D): Struct<StructValue<D>> {
  const groups: Group[] = [];
  let offset = 0;
  let pending: UintDef<string>[] = [];
  let pendingBits = 0;
  const layout = new Map<string, { offset: number; bitStart: number; bitCount: number }>();
  const flush = (): void => {
    if (pending.length === 0) return;
    if (pendingBits % 8 !== 0) throw new Error(`${name}: bit fields ${pending.map((f) => f.name).join(', ')} do not end on a byte boundary`);
    if (pendingBits > 32) throw new Error(`${name}: a run of bit fields is wider than 32 bits`);
    groups.push({ kind: 'bits', offset, byteLength: pendingBits / 8, fields: pending });
    let bit = 0;
    for (const f of pending) {
      layout.set(f.name, { offset, bitStart: bit, bitCount: f.bits });
      bit += f.bits;
    }
    offset += pendingBits / 8;
    pending = [];
    pendingBits = 0;
  };
  for (const d of defs) {
    if (d.kind === 'uint' && d.bits === 48) {
      flush();
      groups.push({ kind: 'u48', offset, field: d });
      layout.set(d.name, { offset, bitStart: 0, bitCount: 48 });
      offset += 6;
    } else if (d.kind === 'uint' && pendingBits % 8 === 0 && d.bits % 8 === 0) {
      // a whole-byte integer on a byte boundary stands alone (so 8+16+16+… headers need no 32-bit limit)
      flush();
      pending.push(d);
      pendingBits = d.bits;
      flush();
    } else if (d.kind === 'uint') {
      pending.push(d);
      pendingBits += d.bits;
    } else {
      flush();
      groups.push({ kind: 'bytes', offset, field: d });
      layout.set(d.name, { offset, bitStart: 0, bitCount: d.length * 8 });
      offset += d.length;
    }
  }
  flush();
  const size = offset;
  // Without spans, a header wholly inside the reader's bytes is read straight from them (see `fastRead`).
  const read = fastRead(groups);
  const fast = (r: Reader): StructValue<D> => {
    const out = read(r.buf, r.pos);
    r.pos += size;
    return out as StructValue<D>;
  };

  return {
    name,
    size,
    decode(r: Reader): StructValue<D> {
      if (!r.spans && r.pos + size <= r.end) return fast(r);
      const out: Record<string, number | Uint8Array> = {};
      for (const g of groups) {
        if (g.kind === 'bytes') {
          out[g.field.name] = r.bytes(g.field.length, g.field.name, g.field.show);
        } else if (g.kind === 'u48') {
          out[g.field.name] = r.u48(g.field.name, g.field.show);
        } else if (g.fields.length === 1 && g.fields[0]!.bits === g.byteLength * 8) {
          const f = g.fields[0]!;
          const v = g.byteLength === 1 ? r.u8(f.name, f.show) : g.byteLength === 2 ? r.u16(f.name, f.show) : g.byteLength === 3 ? r.u24(f.name, f.show) : r.u32(f.name, f.show);
          out[f.name] = v;
        } else {
          const at = r.pos;
          let word = 0;
          for (let i = 0; i < g.byteLength; i++) word = word * 256 + r.u8();
          let shift = g.byteLength * 8;
          let bit = 0;
          for (const f of g.fields) {
            shift -= f.bits;
            const v = Math.floor(word / 2 ** shift) % 2 ** f.bits;
            out[f.name] = v;
            // the span covers only the bytes this field's bits touch; the bit range is relative to it
            if (r.spans) {
              const first = Math.floor(bit / 8);
              const last = Math.floor((bit + f.bits - 1) / 8);
              r.fieldBits(f.name, at + first, last - first + 1, bit - first * 8, f.bits, f.show ? f.show(v) : String(v));
            }
            bit += f.bits;
          }
        }
      }
      return out as StructValue<D>;
    },
    encode(w: Writer, v: StructValue<D>): void {
      const val = v as Record<string, number | Uint8Array>;
      for (const g of groups) {
        if (g.kind === 'bytes') {
          const b = val[g.field.name];
          if (!(b instanceof Uint8Array) || b.length !== g.field.length) {
            throw new RangeError(`${name}.${g.field.name}: expected ${g.field.length} bytes`);
          }
          w.bytes(b);
        } else if (g.kind === 'u48') {
          w.u48(checkUint(name, g.field, val[g.field.name]));
        } else {
          let word = 0;
          for (const f of g.fields) word = word * 2 ** f.bits + checkUint(name, f, val[f.name]);
          for (let i = g.byteLength - 1; i >= 0; i--) w.u8(Math.floor(word / 2 ** (8 * i)) % 256);
        }
      }
    },
    offsetOf(field) {
      const l = layout.get(field);
      if (!l) throw new Error(`${name}: no field ${field}`);
      return l;
    },
  };
}

type FastRead = (b: Uint8Array, at: number) => Record<string, number | Uint8Array>;

/**
 * The spans-off reader of a whole in-bounds header: every value combined from the bytes with integer shifts and
 * masks, into one object of the struct's key order. It is compiled once per struct into a function that builds
 * that object as a literal (one stable shape per struct: the generic loop below pays a megamorphic keyed store per
 * field, which was most of the decode time). Where code cannot be compiled (a CSP without 'unsafe-eval') the
 * loop does the same work. The source is made from the struct's own definition only (names as JSON strings).
 */
function fastRead(groups: readonly Group[]): FastRead {
  const lines: string[] = [];
  const props: string[] = [];
  groups.forEach((g, i) => {
    const o = `at + ${g.offset}`;
    if (g.kind === 'bytes') props.push(`${JSON.stringify(g.field.name)}: b.subarray(${o}, ${o} + ${g.field.length})`);
    else if (g.kind === 'u48') props.push(`${JSON.stringify(g.field.name)}: ${wordSource(o, 2)} * 4294967296 + ${wordSource(`${o} + 2`, 4)}`);
    else {
      lines.push(`const w${i} = ${wordSource(o, g.byteLength)};`);
      for (const p of partsOf(g)) props.push(`${JSON.stringify(p.name)}: ((w${i} >>> ${p.shift}) & ${p.mask}) >>> 0`);
    }
  });
  try {
    return new Function('b', 'at', `${lines.join('\n')}\nreturn { ${props.join(', ')} };`) as FastRead;
  } catch {
    return (b, at) => interpretedRead(groups, b, at);
  }
}

/** A big-endian unsigned integer of `n` (1–4) bytes at `o`, as JavaScript source. */
function wordSource(o: string, n: number): string {
  const at = (i: number): string => `b[${o} + ${i}]`;
  if (n === 4) return `(${at(0)} * 16777216 + ((${at(1)} << 16) | (${at(2)} << 8) | ${at(3)}))`;
  const parts = Array.from({ length: n }, (_, i) => `(${at(i)} << ${8 * (n - 1 - i)})`);
  return `(${parts.join(' | ')})`;
}

function interpretedRead(groups: readonly Group[], b: Uint8Array, at: number): Record<string, number | Uint8Array> {
  const out: Record<string, number | Uint8Array> = {};
  for (const g of groups) {
    const o = at + g.offset;
    if (g.kind === 'bytes') out[g.field.name] = b.subarray(o, o + g.field.length);
    else if (g.kind === 'u48') out[g.field.name] = ((b[o]! << 8) | b[o + 1]!) * 0x100000000 + b[o + 2]! * 0x1000000 + ((b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!);
    else {
      let word = 0;
      for (let i = 0; i < g.byteLength; i++) word = word * 256 + b[o + i]!;
      for (const p of partsOf(g)) out[p.name] = ((word >>> p.shift) & p.mask) >>> 0;
    }
  }
  return out;
}

/** Per bit field of a run (≤ 32 bits): value = (word >>> shift) & mask, as an unsigned number. */
function partsOf(g: { byteLength: number; fields: UintDef<string>[] }): { name: string; shift: number; mask: number }[] {
  let shift = g.byteLength * 8;
  return g.fields.map((f) => {
    shift -= f.bits;
    return { name: f.name, shift, mask: f.bits === 32 ? -1 : (1 << f.bits) - 1 };
  });
}

function checkUint(struct: string, f: UintDef<string>, v: number | Uint8Array | undefined): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** f.bits) {
    throw new RangeError(`${struct}.${f.name}: ${String(v)} does not fit in ${f.bits} bits`);
  }
  return v;
}
