import { toHex } from '../../core/encoding.ts';
import type { AttributeCodec } from './attribute.ts';
import { checkUint, defineAttribute, expectEnd, expectLength } from './attribute.ts';
import { attributeName } from './constants.ts';

/** Shapes shared by many attributes: a 32-bit number, a 64-bit number, an empty flag, opaque bytes. */

export function u32Attribute(type: number, label: string, show: (v: number) => string = String): AttributeCodec<number> {
  const name = attributeName(type);
  return defineAttribute<number>(type, {
    decode: (r) => {
      if (!expectLength(r, 4, name)) {
        r.rest(label);
        return undefined;
      }
      const v = r.u32(label, show);
      expectEnd(r, name);
      return v;
    },
    encode: (w, v) => {
      w.u32(checkUint(v, 32, name));
    },
    show,
  });
}

export function u64Attribute(type: number, label: string): AttributeCodec<bigint> {
  const name = attributeName(type);
  const show = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;
  return defineAttribute<bigint>(type, {
    decode: (r) => {
      if (!expectLength(r, 8, name)) {
        r.rest(label);
        return undefined;
      }
      const v = r.u64(label, show);
      expectEnd(r, name);
      return v;
    },
    encode: (w, v) => {
      if (v < 0n || v >= 1n << 64n) throw new RangeError(`${name}: ${v} does not fit in 64 bits`);
      w.u64(v);
    },
    show,
  });
}

/** An attribute whose presence is the whole message (length 0). The value is always `true`. */
export function flagAttribute(type: number): AttributeCodec<true> {
  const name = attributeName(type);
  return defineAttribute<true>(type, {
    decode: (r) => {
      expectEnd(r, name);
      return true;
    },
    encode: () => {},
    show: () => 'set',
  });
}

export function bytesAttribute(type: number, label: string, exact?: number): AttributeCodec<Uint8Array> {
  const name = attributeName(type);
  return defineAttribute<Uint8Array>(type, {
    decode: (r) => {
      if (exact !== undefined && r.remaining !== exact) r.problem(`${name}: value is ${r.remaining} bytes, must be ${exact}`, r.pos, r.remaining);
      return r.rest(label, (v) => (v.length <= 32 ? toHex(v) : `${v.length} bytes`));
    },
    encode: (w, v) => {
      if (exact !== undefined && v.length !== exact) throw new RangeError(`${name}: ${v.length} bytes, must be ${exact}`);
      w.bytes(v);
    },
    show: (v) => (v.length <= 16 ? toHex(v) : `${v.length} bytes`),
  });
}
