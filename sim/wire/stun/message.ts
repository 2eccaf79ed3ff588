import { struct, uint } from '../struct.ts';
import type { StunAttribute } from './attribute.ts';
import type { StunClass } from './constants.ts';
import { CLASS_BITS, CLASS_OF_BITS, className, methodName } from './constants.ts';

/** A STUN message (RFC 8489 §5): method, class, 96-bit transaction id, attributes in order. */
export interface StunMessage {
  readonly method: number;
  readonly class: StunClass;
  readonly transactionId: Uint8Array;
  readonly attributes: readonly StunAttribute[];
}

/**
 * RFC 8489 §5: the 14-bit message type interleaves the class bits among the method bits:
 * M11–M7, C1, M6–M4, C0, M3–M0, after two leading zero bits. Decode, encode and spans come from this definition.
 */
export const MessageTypeBits = struct('Message Type', [
  uint('Leading zero bits', 2),
  uint('M11–M7', 5),
  uint('C1', 1),
  uint('M6–M4', 3),
  uint('C0', 1),
  uint('M3–M0', 4),
]);

export function messageType(method: number, cls: StunClass): number {
  if (!Number.isInteger(method) || method < 0 || method > 0xfff) throw new RangeError(`STUN method 0x${method.toString(16)} does not fit in 12 bits`);
  const c = CLASS_BITS[cls];
  return ((method & 0xf80) << 2) | ((c & 2) << 7) | ((method & 0x070) << 1) | ((c & 1) << 4) | (method & 0x00f);
}

export function splitMessageType(type: number): { method: number; class: StunClass } {
  const method = ((type >> 2) & 0xf80) | ((type >> 1) & 0x070) | (type & 0x00f);
  const c = ((type >> 7) & 2) | ((type >> 4) & 1);
  return { method, class: CLASS_OF_BITS[c]! };
}

/** "Binding Request", "Allocate Error Response". */
export function messageTypeName(method: number, cls: StunClass): string {
  return `${methodName(method)} ${className(cls)}`;
}
