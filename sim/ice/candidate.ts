import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import { utf8Encode } from '../core/encoding.ts';
import { crc32 } from '../wire/stun/integrity.ts';

/** ICE candidates (RFC 8445 §5.1): types, priorities, foundations, redundancy, and their SDP text (RFC 8839 §5.1). */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export interface Candidate {
  readonly foundation: string;
  /** RTP is component 1; this lab runs one component (rtcp-mux, RFC 8843 bundles everything on it). */
  readonly component: number;
  readonly transport: 'udp';
  readonly priority: number;
  /** Where the candidate receives: for srflx the NAT's mapping, for relay the TURN server's relayed address. */
  readonly address: TransportAddress;
  readonly type: CandidateType;
  /** RFC 8445 §5.1.1.1: the address the agent sends from for this candidate (a remote candidate's base is itself). */
  readonly base: TransportAddress;
  /** raddr/rport of the SDP line: the base for srflx/prflx, the mapped address for relay (RFC 8839 §5.1). */
  readonly related?: TransportAddress;
  /** For srflx and relay candidates: the STUN or TURN server that yielded it. */
  readonly server?: TransportAddress;
  /** The network it was gathered on (networks.ts): libwebrtc's `network-id` and `network-cost` extensions. */
  readonly network?: { readonly id: number; readonly cost: number };
  /** For local relay candidates: how the agent reaches its TURN server (RFC 8656 §3.1; W3C RTCIceCandidateStats.relayProtocol). */
  readonly relayProtocol?: 'udp' | 'tcp' | 'tls';
}

/** RFC 8445 §5.1.2.2: recommended type preferences (126 host, 110 peer-reflexive, 100 server-reflexive, 0 relayed). */
export const TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

/** RFC 8445 §5.1.2.1: priority = 2^24 × type preference + 2^8 × local preference + (256 − component ID). */
export function candidatePriority(typePreference: number, localPreference: number, component: number): number {
  if (!Number.isInteger(typePreference) || typePreference < 0 || typePreference > 126) throw new RangeError(`type preference ${typePreference} is not 0..126`);
  if (!Number.isInteger(localPreference) || localPreference < 0 || localPreference > 65535) throw new RangeError(`local preference ${localPreference} is not 0..65535`);
  if (!Number.isInteger(component) || component < 1 || component > 256) throw new RangeError(`component ${component} is not 1..256`);
  return typePreference * 2 ** 24 + localPreference * 2 ** 8 + (256 - component);
}

/**
 * RFC 8445 §5.1.2.1: with several TURN servers, the local preference tells their relayed candidates apart as it
 * does interfaces. Browsers prefer a relay reached over UDP, then TCP, then TLS (libwebrtc's relay preferences), so
 * a TCP relay's local preference is 2048 below the UDP one's and a TLS relay's 4096 below: unique beside the
 * per-interface steps of `localPreference`, and an IPv6 base still ranks above an IPv4 one.
 */
export function relayLocalPreference(lp: number, relayProtocol: 'udp' | 'tcp' | 'tls'): number {
  return Math.max(0, lp - (relayProtocol === 'tcp' ? 2048 : relayProtocol === 'tls' ? 4096 : 0));
}

/**
 * RFC 8445 §5.1.2.2 with RFC 8421 §4 for dual stack: one interface gets 65535; with several, IPv6 interfaces come
 * before IPv4 ones (an interleaving the RFC allows), and within a family earlier interfaces come first.
 */
export function localPreference(index: number, family: 4 | 6, count: number): number {
  if (count <= 1) return 65535;
  return (family === 6 ? 65535 : 32767) - index;
}

/**
 * RFC 8445 §5.1.1.3: candidates share a foundation when they have the same type, the same base IP address, the same
 * STUN/TURN server IP address and the same transport. This returns the string those four values make.
 */
export function foundationKey(type: CandidateType, baseIp: string, serverIp: string | undefined, transport: 'udp' | 'tcp'): string {
  return `${type}|${baseIp}|${serverIp ?? ''}|${transport}`;
}

/** The foundation itself: 1–32 ice-chars (RFC 8839 §5.1); here the CRC-32 of the key in decimal, so equal keys match. */
export function foundationOf(type: CandidateType, baseIp: string, serverIp: string | undefined, transport: 'udp' | 'tcp'): string {
  const key = utf8Encode(foundationKey(type, baseIp, serverIp, transport));
  return String(crc32(key, 0, key.length));
}

/**
 * RFC 8445 §5.1.3: a candidate is redundant when its transport address and base equal those of another candidate;
 * the one with the lower priority goes. A server-reflexive candidate equal to its host candidate (no NAT) is the
 * usual case. Returns the candidate in `existing` that makes `c` redundant, or undefined.
 */
export function redundantWith(c: Candidate, existing: readonly Candidate[]): Candidate | undefined {
  return existing.find((e) => e !== c && sameTransportAddress(e.address, c.address) && sameTransportAddress(e.base, c.base) && e.priority >= c.priority);
}

/** RFC 8839 §5.1: the candidate-attribute value, e.g. "1234 1 udp 2130706431 192.0.2.1 50000 typ host". */
export function formatCandidate(c: Candidate): string {
  const parts = [c.foundation, String(c.component), c.transport, String(c.priority), c.address.ip, String(c.address.port), 'typ', c.type];
  if (c.related) parts.push('raddr', c.related.ip, 'rport', String(c.related.port));
  // as Chromium writes them: generation, network-id, and network-cost when it is not 0
  if (c.network) parts.push('generation', '0', 'network-id', String(c.network.id), ...(c.network.cost ? ['network-cost', String(c.network.cost)] : []));
  return parts.join(' ');
}

/** Parses a candidate-attribute value (with or without the "candidate:" prefix); returns an error string if bad. */
export function parseCandidate(text: string): Candidate | { error: string } {
  const t = text.replace(/^a=/, '').replace(/^candidate:/, '').trim().split(/\s+/);
  if (t.length < 8 || t[6] !== 'typ') return { error: `not a candidate line: ${JSON.stringify(text)}` };
  const [foundation, comp, transport, prio, ip, port, , type] = t as [string, string, string, string, string, string, string, string];
  const component = Number(comp);
  const priority = Number(prio);
  const p = Number(port);
  if (!/^[A-Za-z0-9+/]{1,32}$/.test(foundation)) return { error: `bad foundation ${JSON.stringify(foundation)}` };
  if (!Number.isInteger(component) || component < 1 || component > 256) return { error: `bad component ${comp}` };
  if (transport.toLowerCase() !== 'udp') return { error: `transport ${transport} is not supported (UDP only)` };
  if (!Number.isInteger(priority) || priority < 1 || priority > 0xffffffff) return { error: `bad priority ${prio}` };
  if (!Number.isInteger(p) || p < 0 || p > 65535) return { error: `bad port ${port}` };
  if (type !== 'host' && type !== 'srflx' && type !== 'prflx' && type !== 'relay') return { error: `unknown candidate type ${type}` };
  const address = { ip, port: p };
  let related: TransportAddress | undefined;
  const ri = t.indexOf('raddr');
  const pi = t.indexOf('rport');
  if (ri > 0 && pi > 0 && t[ri + 1] !== undefined && t[pi + 1] !== undefined) related = { ip: t[ri + 1]!, port: Number(t[pi + 1]) };
  return { foundation, component, transport: 'udp', priority, address, type, base: address, ...(related ? { related } : {}) };
}

/** "srflx 203.0.113.10:50000" for notes. */
export function showCandidate(c: Candidate): string {
  return `${c.type} ${formatTransportAddress(c.address)}`;
}
