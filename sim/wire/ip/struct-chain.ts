import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

/**
 * One header out of several structs laid end to end. struct.ts packs consecutive integers into a single run whose
 * bit-field spans cover the whole run (and rejects runs over 32 bits), so a header is cut where its fields change
 * bytes — [version, IHL] [DSCP, ECN] [total length] … — and every field keeps an exact span.
 */
interface Part {
  readonly size: number;
  decode(r: Reader): unknown;
  encode(w: Writer, v: never): void;
}

type Merge<T> = T extends readonly [infer H, ...infer R] ? (H extends { decode(r: Reader): infer A } ? A : unknown) & Merge<R> : unknown;

export interface StructChain<V> {
  readonly size: number;
  decode(r: Reader): V;
  encode(w: Writer, v: V): void;
}

export function chain<const T extends readonly Part[]>(parts: T): StructChain<Merge<T>> {
  return {
    size: parts.reduce((n, p) => n + p.size, 0),
    decode(r: Reader): Merge<T> {
      return Object.assign({}, ...parts.map((p) => p.decode(r))) as Merge<T>;
    },
    encode(w: Writer, v: Merge<T>): void {
      // each struct picks its own fields out of the merged value by name
      for (const p of parts) (p.encode as (w: Writer, v: unknown) => void)(w, v);
    },
  };
}
