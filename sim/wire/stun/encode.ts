import { Writer } from '../writer.ts';
import type { AttributeContext, StunAttribute } from './attribute.ts';
import { codecFor } from './attributes.ts';
import { attributeName, AttrType, HEADER_SIZE, MAGIC_COOKIE, TRANSACTION_ID_SIZE } from './constants.ts';
import { fingerprintAt, messageIntegrityAt, messageIntegritySha256At } from './integrity.ts';
import type { StunMessage } from './message.ts';
import { messageType } from './message.ts';

export interface EncodeOptions {
  /** Adds MESSAGE-INTEGRITY (HMAC-SHA1) computed with this key (RFC 8489 §14.5; keys from credentials.ts). */
  readonly integrity?: Uint8Array;
  /** Adds MESSAGE-INTEGRITY-SHA256 computed with this key (RFC 8489 §14.6). */
  readonly integritySha256?: Uint8Array;
  /** Truncates MESSAGE-INTEGRITY-SHA256 to 16–32 bytes, a multiple of 4 (only where the usage allows it). */
  readonly integritySha256Length?: number;
  /** Adds FINGERPRINT (RFC 8489 §14.7). */
  readonly fingerprint?: boolean;
}

export class StunEncodeError extends Error {
  override readonly name = 'StunEncodeError';
}

/** Where each integrity attribute must sit among the last attributes: MI, then MI-SHA256, then FINGERPRINT. */
const TRAILER_RANK = new Map<number, number>([
  [AttrType.MessageIntegrity, 0],
  [AttrType.MessageIntegritySha256, 1],
  [AttrType.Fingerprint, 2],
]);

/**
 * Encodes a message. MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are placed last, in that order,
 * and computed here: requested through `options`, or already in the attribute list (then they must be its tail in
 * that order, or this throws). An integrity attribute in the list with no key in `options` keeps its given value
 * (re-encoding a decoded message reproduces its bytes); FINGERPRINT is always recomputed.
 */
export function encodeStun(msg: StunMessage, options: EncodeOptions = {}): Uint8Array {
  if (msg.transactionId.length !== TRANSACTION_ID_SIZE) {
    throw new StunEncodeError(`transaction id is ${msg.transactionId.length} bytes, must be 12 (RFC 8489 §5)`);
  }
  const ctx: AttributeContext = { transactionId: msg.transactionId };
  const firstTrailer = msg.attributes.findIndex((a) => TRAILER_RANK.has(a.type));
  const body = firstTrailer < 0 ? msg.attributes : msg.attributes.slice(0, firstTrailer);
  const trailer = firstTrailer < 0 ? [] : msg.attributes.slice(firstTrailer);
  checkTrailer(trailer);
  const given = (type: number): StunAttribute | undefined => trailer.find((a) => a.type === type);

  const w = new Writer(HEADER_SIZE + 64 * (msg.attributes.length + 1));
  w.u16(messageType(msg.method, msg.class));
  w.u16(0);
  w.u32(MAGIC_COOKIE);
  w.bytes(msg.transactionId);
  for (const a of body) writeAttribute(w, a, ctx);

  const mi = given(AttrType.MessageIntegrity);
  if (options.integrity || mi) {
    const value = options.integrity ? messageIntegrityAt(w.peek(), w.pos, options.integrity) : bytesOf(mi!, 20);
    writeRaw(w, AttrType.MessageIntegrity, value);
  }
  const mi256 = given(AttrType.MessageIntegritySha256);
  if (options.integritySha256 || mi256) {
    const length = options.integritySha256Length ?? (mi256 && !options.integritySha256 ? bytesOf(mi256).length : 32);
    if (length < 16 || length > 32 || length % 4 !== 0) {
      throw new StunEncodeError(`MESSAGE-INTEGRITY-SHA256 length ${length}: must be 16–32 and a multiple of 4 (RFC 8489 §14.6)`);
    }
    const value = options.integritySha256 ? messageIntegritySha256At(w.peek(), w.pos, options.integritySha256, length) : bytesOf(mi256!, length);
    writeRaw(w, AttrType.MessageIntegritySha256, value);
  }
  if (options.fingerprint || given(AttrType.Fingerprint)) {
    const v = fingerprintAt(w.peek(), w.pos);
    w.u16(AttrType.Fingerprint).u16(4).u32(v);
  }
  w.setU16(2, w.pos - HEADER_SIZE);
  return w.finish();
}

function checkTrailer(trailer: readonly StunAttribute[]): void {
  let rank = -1;
  let prev = '';
  for (const a of trailer) {
    const r = TRAILER_RANK.get(a.type);
    if (r === undefined) {
      throw new StunEncodeError(
        prev === 'FINGERPRINT'
          ? `${attributeName(a.type)} after FINGERPRINT: FINGERPRINT must be the last attribute (RFC 8489 §14.7)`
          : `${attributeName(a.type)} after ${prev}: only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow it (RFC 8489 §14.5, §14.6)`,
      );
    }
    if (r <= rank) {
      throw new StunEncodeError(`${attributeName(a.type)} after ${prev}: the order is MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT, each once`);
    }
    rank = r;
    prev = attributeName(a.type);
  }
}

function bytesOf(a: StunAttribute, length?: number): Uint8Array {
  if (!(a.value instanceof Uint8Array) || (length !== undefined && a.value.length !== length)) {
    throw new StunEncodeError(`${attributeName(a.type)} given without a key needs a ${length ?? 'byte'}-byte value`);
  }
  return a.value;
}

function writeRaw(w: Writer, type: number, value: Uint8Array): void {
  w.u16(type).u16(value.length).bytes(value);
  w.zeros((4 - (value.length % 4)) % 4);
}

/** Type, length, value, then padding to a multiple of 4 (RFC 8489 §14). */
export function writeAttribute(w: Writer, a: StunAttribute, ctx: AttributeContext): void {
  const start = w.pos;
  w.u16(a.type).u16(0);
  const codec = a.opaque ? undefined : codecFor(a.type);
  if (codec) {
    codec.encode(w, a.value, ctx);
  } else if (a.value instanceof Uint8Array) {
    w.bytes(a.value);
  } else {
    throw new StunEncodeError(`${attributeName(a.type)}: no codec for this type, so its value must be raw bytes`);
  }
  const length = w.pos - start - 4;
  if (length > 0xffff) throw new StunEncodeError(`${attributeName(a.type)}: value of ${length} bytes does not fit the 16-bit length`);
  w.setU16(start + 2, length);
  const pad = (4 - (length % 4)) % 4;
  if (a.padding && a.padding.length === pad) w.bytes(a.padding);
  else w.zeros(pad);
}
