import type { Candidate } from './candidate.ts';

/**
 * Which local candidates an agent surfaces (W3C iceTransportPolicy; libwebrtc's candidate filter CF_ALL / CF_RELAY):
 * with `relay`, host and server-reflexive candidates are still gathered (the TURN allocation leaves from the host
 * socket, and libwebrtc still asks the STUN server) but never signaled nor paired, so every pair is relayed and the
 * peer never learns a host or NAT address.
 */
export type CandidatePolicy = 'all' | 'relay';

export const CANDIDATE_POLICIES = ['all', 'relay'] as const;

export function surfaces(policy: CandidatePolicy, c: Pick<Candidate, 'type'>): boolean {
  return policy === 'all' || c.type === 'relay';
}
