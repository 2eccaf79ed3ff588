import type { TransportAddress } from '../core/endpoint.ts';
import { sameTransportAddress } from '../core/endpoint.ts';
import type { Candidate, TcpType } from './candidate.ts';
import { candidatePriority, foundationOf, TCP_TYPE_PREFERENCE, tcpLocalPreference } from './candidate.ts';
import { libwebrtcFoundation } from './libwebrtc.ts';
import type { CandidatePair } from './pair.ts';

/**
 * ICE-TCP (RFC 6544) beside the UDP agent: the TCP host candidates and the pairs a TCP connection carries. The agent
 * sends `transport: 'tcp'` transmits; its owner keeps the connections (sim/apps/stream-links.ts), framing each
 * packet per RFC 4571, and reports connections that fail or close.
 */

/**
 * RFC 6544 §4.1/§4.2/§4.5: a TCP host candidate on `a` with the interface's UDP local preference `lp`. An active
 * candidate is signaled with port 9 (it never receives a connection) and its base is "a new connection from this
 * address" (port 0): each pair's checks open their own connection (§7.1).
 * With the agent's `tieBreaker`, as libwebrtc's TCPPort: the network's local preference as it is (no RFC 6544
 * direction preference; Chromium's active candidates in captures/chromium-rtclab-dtls12 carry their UDP sibling's)
 * and the salted foundation.
 */
export function tcpHostCandidate(a: TransportAddress, tcpType: TcpType, lp: number, tieBreaker?: bigint): Candidate {
  const address = tcpType === 'active' ? { ip: a.ip, port: 9 } : a;
  const base = tcpType === 'active' ? { ip: a.ip, port: 0 } : a;
  const priority = candidatePriority(TCP_TYPE_PREFERENCE.host, tieBreaker === undefined ? tcpLocalPreference(tcpType, false, lp) : lp, 1);
  const foundation = tieBreaker === undefined ? foundationOf('host', a.ip, undefined, 'tcp') : libwebrtcFoundation('host', a.ip, 'tcp', '', tieBreaker);
  return { foundation, component: 1, transport: 'tcp', tcpType, priority, address, type: 'host', base };
}

/**
 * The TCP pairs a connection between `local` and `remote` carries: an active candidate's (its base, port 0, is how
 * the owner names the connection), or a passive/so candidate's accepted from `remote`.
 */
export function pairsOnConnection(pairs: readonly CandidatePair[], local: TransportAddress, remote: TransportAddress): CandidatePair[] {
  return pairs.filter((p) => p.local.transport === 'tcp' && sameTransportAddress(p.remote.address, remote) && (local.port === 0 ? sameTransportAddress(p.local.base, local) : p.local.base.port === local.port && p.local.base.ip === local.ip));
}
