import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

/**
 * A fixed header of whole-byte big-endian fields, defined once: decode (with a span per field), encode and size.
 * (sim/wire/struct.ts packs every run of consecutive uints as one bit-field group of at most 32 bits, which the
 * DTLS headers, with runs of 8+16+16 and 16+24+24 bits, exceed.)
 */
interface ByteField<N extends string> {
  readonly name: N;
  readonly size: 1 | 2 | 3 | 6;
  readonly show?: (v: number) => string;
}

export interface ByteHeader<V> {
  readonly name: string;
  readonly size: number;
  decode(r: Reader): V;
  encode(w: Writer, v: V): void;
}

export function byteHeader<const D extends readonly ByteField<string>[]>(name: string, defs: D): ByteHeader<{ [F in D[number] as F['name']]: number }> {
  type V = { [F in D[number] as F['name']]: number };
  const size = defs.reduce((n, d) => n + d.size, 0);
  return {
    name,
    size,
    decode(r: Reader): V {
      const out: Record<string, number> = {};
      for (const d of defs) {
        out[d.name] = d.size === 1 ? r.u8(d.name, d.show) : d.size === 2 ? r.u16(d.name, d.show) : d.size === 3 ? r.u24(d.name, d.show) : r.u48(d.name, d.show);
      }
      return out as V;
    },
    encode(w: Writer, v: V): void {
      const val = v as Record<string, number>;
      for (const d of defs) {
        const x = val[d.name];
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= 2 ** (8 * d.size)) {
          throw new RangeError(`${name}.${d.name}: ${String(x)} does not fit in ${d.size} byte(s)`);
        }
        if (d.size === 1) w.u8(x);
        else if (d.size === 2) w.u16(x);
        else if (d.size === 3) w.u24(x);
        else w.u48(x);
      }
    },
  };
}
