import { onesSum } from '../checksum.ts';
import { parseIpShared, type IpFamily } from './address.ts';

/** What a NAT or a router changes in an IP datagram carrying UDP or TCP. */
export interface IpPortRewrite {
  readonly src?: string;
  readonly srcPort?: number;
  readonly dst?: string;
  readonly dstPort?: number;
  /** Decrement TTL / hop limit by this much (a router forwarding: 1). */
  readonly ttlDecrement?: number;
}

/**
 * A copy of `d` with its addresses, TTL / hop limit and the transport header's ports (at `t`) changed, the IPv4
 * header checksum recomputed. The transport checksum is left to `adjustTransportChecksum`. Throws if an address
 * is of the other family. The copy is written into `out` (as long as `d`) when given: room in the trace's arena.
 */
export function rewriteIpAndPorts(d: Uint8Array, family: IpFamily, t: number, change: IpPortRewrite, out: Uint8Array = new Uint8Array(d.length)): Uint8Array {
  if (out.length !== d.length) throw new RangeError(`rewrite into ${out.length} bytes: the datagram has ${d.length}`);
  out.set(d);
  if (family === 4) {
    put(out, family, change.src, 12);
    put(out, family, change.dst, 16);
    if (change.ttlDecrement) out[8] = Math.max(0, out[8]! - change.ttlDecrement);
    out[10] = 0;
    out[11] = 0;
    const ihl = (out[0]! & 0x0f) * 4;
    const c = ~onesSum(out, 0, ihl) & 0xffff;
    out[10] = c >> 8;
    out[11] = c & 0xff;
  } else {
    put(out, family, change.src, 8);
    put(out, family, change.dst, 24);
    if (change.ttlDecrement) out[7] = Math.max(0, out[7]! - change.ttlDecrement);
  }
  if (change.srcPort !== undefined) {
    out[t] = change.srcPort >> 8;
    out[t + 1] = change.srcPort & 0xff;
  }
  if (change.dstPort !== undefined) {
    out[t + 2] = change.dstPort >> 8;
    out[t + 3] = change.dstPort & 0xff;
  }
  return out;
}

/** Writes address `ip` at `offset` (nothing when undefined); throws if it is of the other family. */
function put(out: Uint8Array, family: IpFamily, ip: string | undefined, offset: number): void {
  if (ip === undefined) return;
  const a = parseIpShared(ip);
  if (a === undefined || a.length !== (family === 4 ? 4 : 16)) throw new RangeError(`cannot rewrite an IPv${family} datagram with ${ip}`);
  // byte by byte: TypedArray.prototype.set costs more than the copy for 4 or 16 bytes, once per hop
  for (let i = 0; i < a.length; i++) out[offset + i] = a[i]!;
}

/**
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), over the changed pseudo-header addresses and ports (RFC 3022 §4.2): the
 * transport checksum at `checksumAt` in `out` becomes what it would be had the sender used the new values, right or
 * wrong as it was before (a datagram damaged on the way stays detectably so). Returns the new value, not yet written.
 */
export function adjustedTransportChecksum(before: Uint8Array, out: Uint8Array, family: IpFamily, t: number, checksumAt: number): number {
  const [addrStart, addrEnd] = family === 4 ? [12, 20] : [8, 40];
  const negate = (x: number): number => ~x & 0xffff;
  let sum = negate((out[checksumAt]! << 8) | out[checksumAt + 1]!);
  sum += negate(onesSum(before, addrStart, addrEnd)) + onesSum(out, addrStart, addrEnd);
  sum += negate(onesSum(before, t, t + 4)) + onesSum(out, t, t + 4);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return negate(sum);
}
