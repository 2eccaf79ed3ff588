import { parseIPv4, parseIPv6 } from '../wire/ip/address.ts';

/**
 * Multicast addresses on the simulated network. A datagram to a group goes, on a LAN segment, to every port of the
 * switch but the one it came in on (what a switch without IGMP/MLD snooping does); hosts take it when one of their
 * sockets joined the group. Link-local groups (224.0.0.0/24, RFC 5771 §4; ff02::/16, RFC 4291 §2.7) never leave the
 * link: a router, NAT or firewall drops them, as Multicast DNS relies on (RFC 6762 §11).
 */

/** IPv4 class D (224.0.0.0/4, RFC 5771) or IPv6 ff00::/8 (RFC 4291 §2.7). */
export function isMulticast(ip: string): boolean {
  if (ip.includes(':')) return parseIPv6(ip)?.[0] === 0xff;
  const b = parseIPv4(ip);
  return b !== undefined && b[0]! >= 224 && b[0]! <= 239;
}

/** RFC 5771 §4: 224.0.0.0/24 is the Local Network Control Block; RFC 4291 §2.7: ff02::/16 is link-local scope. */
export function isLinkLocalMulticast(ip: string): boolean {
  if (ip.includes(':')) {
    const b = parseIPv6(ip);
    return b !== undefined && b[0] === 0xff && (b[1]! & 0x0f) === 0x02;
  }
  const b = parseIPv4(ip);
  return b !== undefined && b[0] === 224 && b[1] === 0 && b[2] === 0;
}

/** Why a forwarding node drops a datagram to `dst`, when it is link-local multicast; undefined otherwise. */
export function linkLocalDropReason(dst: string | undefined): string | undefined {
  if (dst === undefined || !isLinkLocalMulticast(dst)) return undefined;
  return `${dst} is a link-local multicast group: never forwarded off its link (RFC 6762 §11, ${dst.includes(':') ? 'RFC 4291 §2.7' : 'RFC 5771 §4'})`;
}
