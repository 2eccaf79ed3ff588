import { inPrefix } from '../wire/ip/address.ts';

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
  '::ffff:0:0/96',
];

/** The denied prefix `ip` falls in, or undefined when it may be a peer. */
export function deniedBy(ip: string, denied: readonly string[]): string | undefined {
  return denied.find((p) => inPrefix(ip, p));
}
