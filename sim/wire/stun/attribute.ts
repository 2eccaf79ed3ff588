import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import { attributeName } from './constants.ts';

/**
 * A STUN attribute as a small typed definition that knows how to read and write its own value (RFC 8489 §14:
 * Type, Length, Value, padded to a multiple of 4 bytes).
 */
export interface AttributeContext {
  /** The 96-bit transaction id of the message (XOR addresses need it, RFC 8489 §14.2). */
  readonly transactionId: Uint8Array;
}

/** One attribute inside a message. `value` has the type of its codec; use `getAttribute` for typed access. */
export interface StunAttribute {
  readonly type: number;
  readonly value: unknown;
  /** The value is the raw bytes: the type is unknown to this codec, or its value could not be decoded. */
  readonly opaque?: boolean;
  /** Padding bytes as they were on the wire (RFC 8489 §14: any value); zeros are written when absent. */
  readonly padding?: Uint8Array;
}

export interface AttributeCodec<T> {
  readonly type: number;
  readonly name: string;
  /**
   * Reads the value from `r` (positioned at the value, ending at the value's end), recording child fields and
   * problems on `r`. Returns undefined when the value cannot be understood; never throws.
   */
  decode(r: Reader, ctx: AttributeContext): T | undefined;
  /** Writes the value (without type, length or padding); throws RangeError on values that cannot be encoded. */
  encode(w: Writer, value: T, ctx: AttributeContext): void;
  /** The value as a person reads it. */
  show(value: T): string;
  /** The attribute carrying this value, ready to go in a message's attribute list. */
  of(value: T): StunAttribute;
}

export function defineAttribute<T>(
  type: number,
  spec: {
    decode: (r: Reader, ctx: AttributeContext) => T | undefined;
    encode: (w: Writer, value: T, ctx: AttributeContext) => void;
    show: (value: T) => string;
  },
): AttributeCodec<T> {
  return {
    type,
    name: attributeName(type),
    decode: spec.decode,
    encode: spec.encode,
    show: spec.show,
    of: (value: T): StunAttribute => ({ type, value }),
  };
}

/** Reports bytes left over after a fixed-size value (the value is still used). */
export function expectEnd(r: Reader, what: string): void {
  if (r.remaining > 0) r.problem(`${what}: ${r.remaining} unexpected byte(s) after the value`, r.pos, r.remaining);
}

/** Reports a fixed-size value that is too short and returns false (a truncated value is not used). */
export function expectLength(r: Reader, n: number, what: string): boolean {
  if (r.remaining >= n) return true;
  r.problem(`${what}: value is ${r.remaining} byte(s), needs ${n}`, r.pos, r.remaining);
  return false;
}

export function checkUint(v: number, bits: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new RangeError(`${what}: ${v} does not fit in ${bits} bits`);
  return v;
}
