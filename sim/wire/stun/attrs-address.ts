import type { TransportAddress } from '../../core/endpoint.ts';
import { formatTransportAddress } from '../../core/endpoint.ts';
import { toHex } from '../../core/encoding.ts';
import { formatIp, parseIp } from '../ip/address.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import type { AttributeCodec, AttributeContext } from './attribute.ts';
import { checkUint, defineAttribute, expectEnd, expectLength } from './attribute.ts';
import { AttrType, MAGIC_COOKIE } from './constants.ts';

/** RFC 8489 §14.1: address family byte. */
export const FAMILY_IPV4 = 0x01;
export const FAMILY_IPV6 = 0x02;

export function familyName(f: number): string {
  return f === FAMILY_IPV4 ? 'IPv4' : f === FAMILY_IPV6 ? 'IPv6' : `unknown family 0x${f.toString(16).padStart(2, '0')}`;
}

/** RFC 8489 §14.2: X-Address is xored with the magic cookie, then (IPv6) the transaction id. */
function xorMask(ctx: AttributeContext, n: number): Uint8Array {
  const mask = new Uint8Array(16);
  mask[0] = MAGIC_COOKIE >>> 24;
  mask[1] = (MAGIC_COOKIE >>> 16) & 0xff;
  mask[2] = (MAGIC_COOKIE >>> 8) & 0xff;
  mask[3] = MAGIC_COOKIE & 0xff;
  mask.set(ctx.transactionId.subarray(0, 12), 4);
  return mask.subarray(0, n);
}

function xorBytes(b: Uint8Array, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i]! ^ mask[i]!;
  return out;
}

const hex = (v: number, w: number): string => `0x${v.toString(16).padStart(w, '0')}`;

function decodeAddress(r: Reader, ctx: AttributeContext, xor: boolean, what: string): TransportAddress | undefined {
  if (!expectLength(r, 4, what)) return undefined;
  const reserved = r.u8('Reserved', (v) => (v === 0 ? '0' : `${hex(v, 2)} (should be 0)`));
  void reserved;
  const family = r.u8('Family', (f) => `${familyName(f)} (${hex(f, 2)})`);
  const port = xor
    ? r.u16('X-Port', (v) => `${hex(v, 4)} → ${v ^ (MAGIC_COOKIE >>> 16)}`) ^ (MAGIC_COOKIE >>> 16)
    : r.u16('Port');
  const n = family === FAMILY_IPV4 ? 4 : family === FAMILY_IPV6 ? 16 : 0;
  if (n === 0) {
    r.problem(`${what}: ${familyName(family)}`, r.pos - 3, 1);
    if (r.remaining > 0) r.rest('Address');
    return undefined;
  }
  if (!expectLength(r, n, what)) {
    r.rest('Address');
    return undefined;
  }
  const mask = xor ? xorMask(ctx, n) : undefined;
  const raw = r.bytes(n, xor ? 'X-Address' : 'Address', (b) => {
    const ip = formatIp(mask ? xorBytes(b, mask) : b);
    return mask ? `0x${toHex(b)} → ${ip}` : ip;
  });
  expectEnd(r, what);
  return { ip: formatIp(mask ? xorBytes(raw, mask) : raw), port };
}

function encodeAddress(w: Writer, a: TransportAddress, ctx: AttributeContext, xor: boolean, what: string): void {
  const ip = parseIp(a.ip);
  if (!ip) throw new RangeError(`${what}: not an IP address: ${JSON.stringify(a.ip)}`);
  checkUint(a.port, 16, `${what} port`);
  w.u8(0);
  w.u8(ip.length === 4 ? FAMILY_IPV4 : FAMILY_IPV6);
  w.u16(xor ? a.port ^ (MAGIC_COOKIE >>> 16) : a.port);
  w.bytes(xor ? xorBytes(ip, xorMask(ctx, ip.length)) : ip);
}

function addressAttribute(type: number, xor: boolean): AttributeCodec<TransportAddress> {
  const codec: AttributeCodec<TransportAddress> = defineAttribute<TransportAddress>(type, {
    decode: (r, ctx) => decodeAddress(r, ctx, xor, codec.name),
    encode: (w, v, ctx) => encodeAddress(w, v, ctx, xor, codec.name),
    show: formatTransportAddress,
  });
  return codec;
}

/** RFC 8489 §14.1 */
export const MappedAddress = addressAttribute(AttrType.MappedAddress, false);
/** RFC 8489 §14.2 */
export const XorMappedAddress = addressAttribute(AttrType.XorMappedAddress, true);
/** RFC 8489 §14.15 */
export const AlternateServer = addressAttribute(AttrType.AlternateServer, false);
/** RFC 8656 §18.3 */
export const XorPeerAddress = addressAttribute(AttrType.XorPeerAddress, true);
/** RFC 8656 §18.5 */
export const XorRelayedAddress = addressAttribute(AttrType.XorRelayedAddress, true);
/** RFC 5780 §7.3 */
export const ResponseOrigin = addressAttribute(AttrType.ResponseOrigin, false);
/** RFC 5780 §7.4 */
export const OtherAddress = addressAttribute(AttrType.OtherAddress, false);
/** RFC 3489 §11.2.2, reserved since RFC 5389 (still seen from old clients and servers). */
export const ResponseAddress = addressAttribute(AttrType.ResponseAddress, false);
/** RFC 3489 §11.2.5 */
export const SourceAddress = addressAttribute(AttrType.SourceAddress, false);
/** RFC 3489 §11.2.3 */
export const ChangedAddress = addressAttribute(AttrType.ChangedAddress, false);
/** RFC 3489 §11.2.11 */
export const ReflectedFrom = addressAttribute(AttrType.ReflectedFrom, false);
