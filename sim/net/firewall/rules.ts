import type { Transport, TransportAddress } from '../../core/endpoint.ts';
import type { Micros } from '../../core/time.ts';
import { SECOND } from '../../core/time.ts';
import { canonicalIp, inPrefix } from '../../wire/ip/address.ts';

/**
 * Firewall rules: an ordered list, first match wins, then the default action, as in iptables or nftables.
 * A rule may match the connection-tracking state, so "only replies to flows started inside" is one rule.
 */

export type FirewallDirection = 'outbound' | 'inbound';
/** What the IP header's protocol field says; 'other' (ICMP, SCTP, …) only matches rules without `proto`. */
export type FirewallProto = Transport | 'other';

export interface AddressMatch {
  /** "10.0.0.0/8", "2001:db8::/32" or a single address; any address when absent. */
  readonly prefix?: string;
  /** Any of these ports; any port when absent. */
  readonly ports?: readonly number[];
}

export interface FirewallRule {
  /** Shown in drop reasons: `firewall rule "drop-udp" …`. */
  readonly name: string;
  readonly action: 'allow' | 'drop';
  /** One sentence for the learner. */
  readonly description?: string;
  readonly direction?: FirewallDirection;
  readonly proto?: Transport;
  readonly src?: AddressMatch;
  readonly dst?: AddressMatch;
  /** 'new': the packet starts a flow; 'established': it belongs to a tracked flow (either way). */
  readonly state?: 'new' | 'established';
  /**
   * Deep packet inspection: 'dtls' matches UDP datagrams whose payload is DTLS by RFC 7983 §7's first-byte ranges
   * (20–63), as a middlebox that blocks DTLS does; the STUN (0–3) and RTP (128–191) on the same 5-tuple pass.
   */
  readonly payload?: 'dtls';
}

export interface FirewallTimeouts {
  /** UDP flow idle timeout until a reply is seen (Linux: nf_conntrack_udp_timeout). */
  readonly udp: Micros;
  /** UDP flow idle timeout once replies are seen (Linux: nf_conntrack_udp_timeout_stream). */
  readonly udpReplied: Micros;
  /** TCP flow idle timeout; RFC 5382 REQ-5: an established connection's at least 2 h 4 min. */
  readonly tcp: Micros;
  /** TCP flow idle timeout while opening (SYN not yet answered) or closing (FIN or RST seen); RFC 5382: ≥ 4 min. */
  readonly tcpTransitory: Micros;
}

export interface FirewallConfig {
  readonly rules: readonly FirewallRule[];
  /** What happens to a packet no rule matches. */
  readonly defaultAction: 'allow' | 'drop';
  readonly timeouts: FirewallTimeouts;
}

export const DEFAULT_FIREWALL_TIMEOUTS: FirewallTimeouts = { udp: 30 * SECOND, udpReplied: 120 * SECOND, tcp: 7440 * SECOND, tcpTransitory: 240 * SECOND };

export interface Packet {
  readonly direction: FirewallDirection;
  readonly proto: FirewallProto;
  readonly src: TransportAddress;
  readonly dst: TransportAddress;
  readonly state: 'new' | 'established';
  /** For TCP: whether it is a bare SYN, the only packet that can start a connection. */
  readonly syn?: boolean;
  /** For UDP: the first byte of the payload (RFC 7983 §7 demultiplexes on it), when there is one. */
  readonly firstByte?: number;
}

function addressMatches(m: AddressMatch | undefined, a: TransportAddress): boolean {
  if (!m) return true;
  if (m.prefix !== undefined && !(m.prefix.includes('/') ? inPrefix(a.ip, m.prefix) : canonicalIp(m.prefix) === canonicalIp(a.ip))) return false;
  return m.ports === undefined || m.ports.includes(a.port);
}

export function ruleMatches(r: FirewallRule, p: Packet): boolean {
  return (
    (r.direction === undefined || r.direction === p.direction) &&
    (r.proto === undefined || r.proto === p.proto) &&
    (r.state === undefined || r.state === p.state) &&
    // a TCP connection starts with a SYN: a rule for new connections matches nothing else (conntrack's INVALID)
    !(r.state === 'new' && p.proto === 'tcp' && p.syn === false) &&
    addressMatches(r.src, p.src) &&
    addressMatches(r.dst, p.dst) &&
    (r.payload === undefined || (p.proto === 'udp' && p.firstByte !== undefined && p.firstByte >= 20 && p.firstByte <= 63))
  );
}

/** Checks a configuration written by hand; every message starts with the field's path. */
export function validateFirewallConfig(c: FirewallConfig, path = 'firewall'): string[] {
  const errors: string[] = [];
  if (c.defaultAction !== 'allow' && c.defaultAction !== 'drop') errors.push(`${path}.defaultAction: expected "allow" or "drop", got ${JSON.stringify(c.defaultAction)}`);
  if (!Array.isArray(c.rules)) return [...errors, `${path}.rules: expected a list of rules`];
  const names = new Set<string>();
  c.rules.forEach((r: FirewallRule, i: number) => {
    const at = `${path}.rules[${i}]`;
    if (typeof r !== 'object' || r === null) {
      errors.push(`${at}: expected a rule object, got ${JSON.stringify(r)}`);
      return;
    }
    if (typeof r.name !== 'string' || r.name === '') errors.push(`${at}.name: expected a non-empty name`);
    else if (names.has(r.name)) errors.push(`${at}.name: "${r.name}" is used by an earlier rule`);
    else names.add(r.name);
    if (r.action !== 'allow' && r.action !== 'drop') errors.push(`${at}.action: expected "allow" or "drop", got ${JSON.stringify(r.action)}`);
    if (r.direction !== undefined && r.direction !== 'inbound' && r.direction !== 'outbound') errors.push(`${at}.direction: expected "inbound" or "outbound", got ${JSON.stringify(r.direction)}`);
    if (r.proto !== undefined && r.proto !== 'udp' && r.proto !== 'tcp') errors.push(`${at}.proto: expected "udp" or "tcp", got ${JSON.stringify(r.proto)}`);
    if (r.payload !== undefined && r.payload !== 'dtls') errors.push(`${at}.payload: expected "dtls", got ${JSON.stringify(r.payload)}`);
    if (r.state !== undefined && r.state !== 'new' && r.state !== 'established') errors.push(`${at}.state: expected "new" or "established", got ${JSON.stringify(r.state)}`);
    for (const side of ['src', 'dst'] as const) {
      const m = r[side];
      if (m === undefined) continue;
      if (typeof m !== 'object' || m === null) {
        errors.push(`${at}.${side}: expected { prefix?, ports? }, got ${JSON.stringify(m)}`);
        continue;
      }
      if (m.prefix !== undefined && typeof m.prefix !== 'string') errors.push(`${at}.${side}.prefix: expected text, got ${JSON.stringify(m.prefix)}`);
      else if (m.prefix !== undefined) {
        const [ip, bits] = m.prefix.split('/');
        const max = ip?.includes(':') ? 128 : 32;
        if (!ip || canonicalIp(ip) === undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) errors.push(`${at}.${side}.prefix: expected an address or prefix like "10.0.0.0/8", got ${JSON.stringify(m.prefix)}`);
      }
      if (m.ports !== undefined && !(Array.isArray(m.ports) && m.ports.every((p) => Number.isInteger(p) && p >= 0 && p <= 65535))) {
        errors.push(`${at}.${side}.ports: expected a list of port numbers, got ${JSON.stringify(m.ports)}`);
      }
    }
  });
  for (const k of ['udp', 'udpReplied', 'tcp', 'tcpTransitory'] as const) {
    const v = c.timeouts?.[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) errors.push(`${path}.timeouts.${k}: expected a positive duration in µs, got ${JSON.stringify(v)}`);
  }
  return errors;
}
