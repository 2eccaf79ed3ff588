import { ipFamily, parseIpShared } from '../../wire/ip/address.ts';
import { encodeIPv4 } from '../../wire/ip/ipv4.ts';
import { encodeIPv6 } from '../../wire/ip/ipv6.ts';
import { encodeIcmp, IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../../wire/icmp/icmp.ts';

/** An Echo Request or Reply datagram (RFC 792; RFC 4443 §4.1–4.2) from `src` to `dst`. */
export function encodeEchoDatagram(src: string, dst: string, type: 'request' | 'reply', identifier: number, sequence: number, data: Uint8Array, ipId = 0, ttl = 64): Uint8Array {
  if (ipFamily(dst) === 4) {
    const icmp = encodeIcmp({ family: 4, type: type === 'request' ? 8 : 0, identifier, sequence, body: data });
    return encodeIPv4({ src, dst, protocol: IPPROTO_ICMP, ttl, identification: ipId }, icmp);
  }
  const pseudo = { family: 6 as const, src: parseIpShared(src)!, dst: parseIpShared(dst)!, protocol: IPPROTO_ICMPV6 };
  const icmp = encodeIcmp({ family: 6, type: type === 'request' ? 128 : 129, identifier, sequence, body: data }, pseudo);
  return encodeIPv6({ src, dst, nextHeader: IPPROTO_ICMPV6, hopLimit: ttl }, icmp);
}
