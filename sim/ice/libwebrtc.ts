import { utf8Encode } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import { crc32 } from '../wire/stun/integrity.ts';
import type { CandidateType } from './candidate.ts';
import { addressPrecedence, type NetworkInfo } from './networks.ts';

/**
 * The numbers and formulas by which libwebrtc's port allocator (BasicPortAllocatorSession, AllocationSequence,
 * UDPPort, TurnPort, TCPPort) differs from RFC 8445's recommendations. An agent whose addresses carry ranked
 * networks (a `webrtc-peer`) uses them; everything else keeps the RFC's.
 */

/**
 * Port::ComputeFoundation: the CRC-32, in decimal, of the candidate type, the base's IP address, the protocol, the
 * relay protocol (empty but for relayed candidates) and the agent's ICE tiebreaker in decimal. The salt keeps two
 * sessions of one host from sharing foundations. Chromium 156's own eight candidates in
 * captures/chromium-rtclab-dtls12 follow it with the tiebreaker of its checks (sim/peer/gathering.test.ts).
 */
export function libwebrtcFoundation(type: CandidateType, baseIp: string, protocol: 'udp' | 'tcp', relayProtocol: '' | 'udp' | 'tcp' | 'tls', tieBreaker: bigint): string {
  const key = utf8Encode(`${type}${baseIp}${protocol}${relayProtocol}${tieBreaker.toString()}`);
  return String(crc32(key, 0, key.length));
}

/** ICE_TYPE_PREFERENCE_RELAY_UDP/TCP/TLS: a relayed candidate's type preference by how its TURN server is reached. */
export const RELAY_TYPE_PREFERENCE: Readonly<Record<'udp' | 'tcp' | 'tls', number>> = { udp: 2, tcp: 1, tls: 0 };

/**
 * Candidate::GetPriority's local preference: the network's preference in the high byte, the candidate address's
 * precedence (IPAddressPrecedence) in the low byte, plus the relay preference: the TURN URL's place counted from
 * the end of the list (the first of n URLs gets n − 1, the last 0; ParseIceServers).
 */
export function networkLocalPreference(network: Pick<NetworkInfo, 'preference'>, ip: string, relayPreference = 0): number {
  return Math.min(65535, ((network.preference << 8) | addressPrecedence(ip)) + relayPreference);
}

/** WEAK_CONNECTION_RECEIVE_TIMEOUT: a connection that received nothing for 2.5 s is no longer receiving. */
export const WEAK_CONNECTION_RECEIVE_TIMEOUT: Micros = 2500 * MS;

/** kMinimumStepDelay: PeerConnection sets the allocator's step delay to 50 ms, the time between a sequence's phases. */
export const STEP_DELAY: Micros = 50 * MS;

/** AllocationSequence's phases, in order (PHASE_UDP, PHASE_RELAY, PHASE_TCP). */
export const PHASES = ['udp', 'relay', 'tcp'] as const;
export type AllocationPhase = (typeof PHASES)[number];

/** What each phase calls, for the notes: the seed's call graph lies over the ladder. */
export const PHASE_STEP: Readonly<Record<AllocationPhase, string>> = {
  udp: 'AllocationSequence::CreateUDPPorts',
  relay: 'AllocationSequence::CreateRelayPorts',
  tcp: 'AllocationSequence::CreateTCPPorts',
};

/**
 * StunRequest's schedule (stun_request.cc): the first retransmission after STUN_INITIAL_RTO 250 ms, doubling up to
 * STUN_MAX_RTO 8 s, STUN_MAX_RETRANSMISSIONS 8 (9 sends in all); the request times out 8 s after the last send.
 * Sends leave at 0, 0.25, 0.75, 1.75, 3.75, 7.75, 15.75, 23.75 and 31.75 s; the timeout comes at 39.75 s.
 */
export const STUN_REQUEST_SCHEDULE = { rto: 250 * MS, rc: 9, rm: 32, maxRto: 8 * SECOND } as const;

/** STUN_KEEPALIVE_INTERVAL: a UDPPort asks its STUN server again 10 s after each answer, keeping the NAT's mapping. */
export const STUN_KEEPALIVE_INTERVAL: Micros = 10 * SECOND;

/** HIGH_COST_PORT_KEEPALIVE_LIFETIME: on a network costing kNetworkCostHigh (900, cellular) or more, keepalives stop 2 min after the first request. */
export const HIGH_COST_KEEPALIVE_LIFETIME: Micros = 120 * SECOND;

/** kNetworkCostHigh. */
export const NETWORK_COST_HIGH = 900;
