// The inputs the fuzz suite feeds: captured seeds with a few structural mutations each (bit flips, bytes set to
// boundary values, length fields bent, truncation, insertion, deletion, duplication, splicing two seeds), or
// plain random bytes. fast-check arbitraries, so failures shrink and replay from a seed.
import fc from 'fast-check';

type Op =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'u16'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly n: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly n: number }
  | { readonly kind: 'splice'; readonly at: number; readonly other: number };

const INTERESTING_U8 = [0, 1, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_U16 = [0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x0100, 0x4000];

const at = fc.nat({ max: 0xffff });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), at, value: fc.oneof(fc.constantFrom(...INTERESTING_U8), fc.nat({ max: 255 })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('u16' as const), at, value: fc.oneof(fc.constantFrom(...INTERESTING_U16), fc.nat({ max: 0xffff })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, n: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at, n: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('splice' as const), at, other: fc.nat() }) },
);

function apply(seed: Uint8Array, ops: readonly Op[], seeds: readonly Uint8Array[]): Uint8Array {
  let b = seed.slice();
  for (const o of ops) {
    const i = b.length === 0 ? 0 : o.at % b.length;
    switch (o.kind) {
      case 'flip':
        if (b.length) b[i]! ^= 1 << o.bit;
        break;
      case 'set':
        if (b.length) b[i] = o.value;
        break;
      case 'u16':
        if (b.length >= 2) {
          const j = Math.min(i, b.length - 2);
          b[j] = o.value >> 8;
          b[j + 1] = o.value & 0xff;
        }
        break;
      case 'truncate':
        b = b.subarray(0, i);
        break;
      case 'insert': {
        const c = new Uint8Array(b.length + o.bytes.length);
        c.set(b.subarray(0, i));
        c.set(o.bytes, i);
        c.set(b.subarray(i), i + o.bytes.length);
        b = c;
        break;
      }
      case 'delete': {
        const n = Math.min(o.n, b.length - i);
        const c = new Uint8Array(b.length - n);
        c.set(b.subarray(0, i));
        c.set(b.subarray(i + n), i);
        b = c;
        break;
      }
      case 'duplicate': {
        const part = b.subarray(i, i + o.n);
        const c = new Uint8Array(b.length + part.length);
        c.set(b.subarray(0, i + part.length));
        c.set(part, i + part.length);
        c.set(b.subarray(i + part.length), i + 2 * part.length);
        b = c;
        break;
      }
      case 'splice': {
        const other = seeds[o.other % seeds.length]!;
        const c = new Uint8Array(i + other.length - Math.min(i, other.length));
        c.set(b.subarray(0, i));
        c.set(other.subarray(Math.min(i, other.length)), i);
        b = c;
        break;
      }
    }
  }
  return b;
}

/** Mutated seeds (mostly) and random bytes (sometimes); with no seeds, random bytes only. */
export function fuzzInput(seeds: readonly Uint8Array[], maxRandom = 512): fc.Arbitrary<Uint8Array> {
  const random = fc.uint8Array({ maxLength: maxRandom });
  if (seeds.length === 0) return random;
  const mutated = fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(op, { minLength: 1, maxLength: 4 })).map(([s, ops]) => apply(seeds[s]!, ops, seeds));
  return fc.oneof({ weight: 1, arbitrary: random }, { weight: 1, arbitrary: fc.nat({ max: seeds.length - 1 }).map((s) => seeds[s]!) }, { weight: 8, arbitrary: mutated });
}
