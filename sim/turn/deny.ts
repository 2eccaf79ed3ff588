import { formatIPv4, inPrefix, parseIp } from '../wire/ip/address.ts';

/**
 * Peer addresses a TURN server refuses to relay to (RFC 8656 §21.2.3: a relay must not become a way into the
 * operator's own networks). The default follows coturn's advice and defaults: loopback, unspecified, link-local and
 * the private ranges. Simulated scenarios whose peers live in private ranges pass their own list (or none).
 */
export const DEFAULT_DENIED_PEERS: readonly string[] = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  '::ffff:0:0/96',
];

/**
 * Never a unicast peer, whatever the configured list says: "this network", multicast (RFC 5771, RFC 4291 §2.7),
 * the reserved 240/4 with the limited broadcast 255.255.255.255 (RFC 1112, RFC 919), the unspecified IPv6 address.
 */
export const ALWAYS_DENIED_PEERS: readonly string[] = ['0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '255.255.255.255/32', '::/128', 'ff00::/8'];

/**
 * The IPv4 addresses an IPv6 address carries inside it, each with the mechanism that would deliver to it: the
 * IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1), IPv4-mapped ::ffff:a.b.c.d (§2.5.5.2), SIIT ::ffff:0:a.b.c.d
 * (RFC 2765), NAT64 64:ff9b::/96 and 64:ff9b:1::/48 (RFC 6052, RFC 8215), 6to4 2002:AABB:CCDD::/48 (RFC 3056),
 * Teredo 2001:0::/32 with its server and obfuscated client (RFC 4380 §4) and ISATAP ::5efe:a.b.c.d (RFC 5214 §6.1).
 * A deny list written for 127.0.0.0/8 must also stop ::127.0.0.1, 64:ff9b::7f00:1 and 2002:7f00:1::.
 */
export function embeddedIPv4(ip: string): { v4: string; via: string }[] {
  const b = ip.includes(':') ? parseIp(ip) : undefined;
  if (!b || b.length !== 16) return [];
  const out: { v4: string; via: string }[] = [];
  const zero = (from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);
  const w = (i: number): number => (b[i]! << 8) | b[i + 1]!;
  if (zero(0, 12)) out.push({ v4: formatIPv4(b, 12), via: 'IPv4-compatible' });
  if (zero(0, 10) && w(10) === 0xffff) out.push({ v4: formatIPv4(b, 12), via: 'IPv4-mapped' });
  if (zero(0, 8) && w(8) === 0xffff && w(10) === 0) out.push({ v4: formatIPv4(b, 12), via: 'SIIT' });
  if (w(0) === 0x64 && w(2) === 0xff9b && ((w(4) === 0 && zero(6, 12)) || w(4) === 1)) out.push({ v4: formatIPv4(b, 12), via: 'NAT64' });
  if (w(0) === 0x2002) out.push({ v4: formatIPv4(b, 2), via: '6to4' });
  if (w(0) === 0x2001 && w(2) === 0) {
    out.push({ v4: formatIPv4(b, 4), via: 'Teredo server' });
    const client = b.slice(12, 16).map((x) => x ^ 0xff);
    out.push({ v4: formatIPv4(client), via: 'Teredo client' });
  }
  if ((w(8) & 0xfdff) === 0 && w(10) === 0x5efe) out.push({ v4: formatIPv4(b, 12), via: 'ISATAP' });
  return out;
}

/** The denied prefix `ip` falls in, directly or through an IPv4 address embedded in it, or undefined. */
export function deniedBy(ip: string, denied: readonly string[]): string | undefined {
  for (const list of [ALWAYS_DENIED_PEERS, denied]) {
    const direct = list.find((p) => inPrefix(ip, p));
    if (direct) return direct;
    for (const e of embeddedIPv4(ip)) {
      const via = list.find((p) => inPrefix(e.v4, p));
      if (via) return `${via} (${e.v4} inside ${ip}, ${e.via})`;
    }
  }
  return undefined;
}
