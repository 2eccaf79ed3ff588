import type { Hop } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';

/**
 * The moments of a call's setup as seen on the wire, the same way for a simulated trace and a real capture read
 * into one (sim/wire/pcap/capture-to-trace.ts): the first ICE connectivity check (a STUN Binding request carrying
 * USERNAME, RFC 8445 §7.2.2; Binding requests to a STUN server carry none), the first DTLS ClientHello (content
 * type 22, handshake type 1, RFC 6347 §4.2.2) and the first SRTP packet (RFC 7983: first byte 128–191, and not
 * RTCP's packet types 192–223, RFC 5761 §4). Each datagram counts once, at the time it first entered a link.
 */
export interface CallTimeline {
  readonly firstCheck?: Micros;
  readonly clientHello?: Micros;
  readonly firstSrtp?: Micros;
}

/** UDP payload of an IPv4 or IPv6 datagram without extension headers; undefined for anything else. */
function udpPayload(b: Uint8Array): Uint8Array | undefined {
  const version = b[0]! >> 4;
  if (version === 4) {
    const ihl = (b[0]! & 0x0f) * 4;
    return b[9] === 17 && b.length >= ihl + 8 ? b.subarray(ihl + 8) : undefined;
  }
  if (version === 6) return b[6] === 17 && b.length >= 48 ? b.subarray(48) : undefined;
  return undefined;
}

/** A STUN Binding request (RFC 8489 §5, magic cookie) with a USERNAME attribute (0x0006). */
function isCheck(p: Uint8Array): boolean {
  if (p.length < 20 || p[0] !== 0x00 || p[1] !== 0x01 || p[4] !== 0x21 || p[5] !== 0x12 || p[6] !== 0xa4 || p[7] !== 0x42) return false;
  for (let i = 20; i + 4 <= p.length; ) {
    const type = (p[i]! << 8) | p[i + 1]!;
    const len = (p[i + 2]! << 8) | p[i + 3]!;
    if (type === 0x0006) return true;
    i += 4 + ((len + 3) & ~3);
  }
  return false;
}

export function callTimeline(hops: readonly Hop[]): CallTimeline {
  const seen = new Set<number>();
  let firstCheck: Micros | undefined;
  let clientHello: Micros | undefined;
  let firstSrtp: Micros | undefined;
  for (const h of [...hops].sort((a, b) => a.t - b.t || a.index - b.index)) {
    if (seen.has(h.packet)) continue;
    seen.add(h.packet);
    const p = udpPayload(h.bytes);
    if (!p || p.length < 2) continue;
    if (firstCheck === undefined && isCheck(p)) firstCheck = h.t;
    else if (clientHello === undefined && p[0] === 22 && p.length > 13 && p[13] === 1) clientHello = h.t;
    else if (firstSrtp === undefined && p[0]! >= 128 && p[0]! <= 191 && !(p[1]! >= 192 && p[1]! <= 223)) firstSrtp = h.t;
    if (firstCheck !== undefined && clientHello !== undefined && firstSrtp !== undefined) break;
  }
  return { ...(firstCheck !== undefined ? { firstCheck } : {}), ...(clientHello !== undefined ? { clientHello } : {}), ...(firstSrtp !== undefined ? { firstSrtp } : {}) };
}
