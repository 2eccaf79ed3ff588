import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import { utf8Encode } from '../core/encoding.ts';
import { crc32 } from '../wire/stun/integrity.ts';

/** ICE candidates (RFC 8445 §5.1): types, priorities, foundations, redundancy, and their SDP text (RFC 8839 §5.1). */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/**
 * RFC 6544 §4.5: a TCP candidate's tcptype: `active` opens connections (port 9 in SDP, §5.1), `passive` accepts them,
 * `so` (simultaneous-open) both tries to connect to and accepts from the peer's `so` candidate.
 */
export type TcpType = 'active' | 'passive' | 'so';

export interface Candidate {
  readonly foundation: string;
  /** RTP is component 1; this lab runs one component (rtcp-mux, RFC 8843 bundles everything on it). */
  readonly component: number;
  /** UDP, or TCP (RFC 6544): a TCP candidate carries its `tcpType`. */
  readonly transport: 'udp' | 'tcp';
  /** RFC 6544 §4.5: for TCP candidates only. */
  readonly tcpType?: TcpType;
  readonly priority: number;
  /**
   * Where the candidate receives: for srflx the NAT's mapping, for relay the TURN server's relayed address. An active
   * TCP candidate receives nowhere: port 9, the discard port (RFC 6544 §4.5).
   */
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
 * RFC 6544 §4.2 says UDP candidates should rank above TCP ones; a TCP host candidate takes libwebrtc's type preference
 * 90 (below srflx 100, so a UDP path wins wherever one works) and a TCP peer-reflexive one 80.
 */
export const TCP_TYPE_PREFERENCE: Readonly<Record<'host' | 'prflx', number>> = { host: 90, prflx: 80 };

/**
 * RFC 6544 §4.2: direction-pref (0–7): for a host candidate not behind a NAT, active 6, passive 4, so 2; behind a NAT
 * (and for srflx/prflx) so 6, active 4, passive 2, since only simultaneous open crosses most NATs.
 */
export function directionPreference(tcpType: TcpType, natted: boolean): number {
  if (natted) return tcpType === 'so' ? 6 : tcpType === 'active' ? 4 : 2;
  return tcpType === 'active' ? 6 : tcpType === 'passive' ? 4 : 2;
}

/**
 * RFC 6544 §4.2: a TCP candidate's local preference = 2^13 × direction-pref + other-pref (0–8191). The other-pref
 * keeps the interface order of the UDP local preference `lp` (0–65535) by taking its top 13 bits.
 */
export function tcpLocalPreference(tcpType: TcpType, natted: boolean, lp: number): number {
  return 2 ** 13 * directionPreference(tcpType, natted) + (Math.max(0, Math.min(65535, lp)) >> 3);
}

/** RFC 6544 §6.2: TCP pairs are active with passive, passive with active, so with so; UDP with UDP. */
export function canPair(local: Candidate, remote: Candidate): boolean {
  if (local.transport !== remote.transport) return false;
  if (local.transport === 'udp') return true;
  if (local.tcpType === 'active') return remote.tcpType === 'passive';
  if (local.tcpType === 'passive') return remote.tcpType === 'active';
  return local.tcpType === 'so' && remote.tcpType === 'so';
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
  // RFC 6544 §4.5: the tcptype extension attribute follows the related address
  if (c.transport === 'tcp' && c.tcpType) parts.push('tcptype', c.tcpType);
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
  const tr = transport.toLowerCase();
  if (tr !== 'udp' && tr !== 'tcp') return { error: `transport ${transport} is neither UDP nor TCP` };
  if (!Number.isInteger(priority) || priority < 1 || priority > 0xffffffff) return { error: `bad priority ${prio}` };
  if (!Number.isInteger(p) || p < 0 || p > 65535) return { error: `bad port ${port}` };
  if (type !== 'host' && type !== 'srflx' && type !== 'prflx' && type !== 'relay') return { error: `unknown candidate type ${type}` };
  const address = { ip, port: p };
  let related: TransportAddress | undefined;
  const ri = t.indexOf('raddr');
  const pi = t.indexOf('rport');
  if (ri > 0 && pi > 0 && t[ri + 1] !== undefined && t[pi + 1] !== undefined) related = { ip: t[ri + 1]!, port: Number(t[pi + 1]) };
  if (tr === 'tcp') {
    // RFC 6544 §4.5: a TCP candidate names its tcptype
    const ti = t.indexOf('tcptype');
    const tcpType = ti > 0 ? t[ti + 1] : undefined;
    if (tcpType !== 'active' && tcpType !== 'passive' && tcpType !== 'so') return { error: `TCP candidate without a valid tcptype (${tcpType ?? 'none'}): RFC 6544 §4.5` };
    return { foundation, component, transport: 'tcp', tcpType, priority, address, type, base: address, ...(related ? { related } : {}) };
  }
  return { foundation, component, transport: 'udp', priority, address, type, base: address, ...(related ? { related } : {}) };
}

/** "srflx 203.0.113.10:50000" for notes; "host tcp/passive 192.0.2.1:443" for a TCP candidate. */
export function showCandidate(c: Candidate): string {
  return c.transport === 'tcp' ? `${c.type} tcp/${c.tcpType ?? '?'} ${formatTransportAddress(c.address)}` : `${c.type} ${formatTransportAddress(c.address)}`;
}
