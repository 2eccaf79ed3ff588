import type { IcePairFacts } from './notes.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Candidate } from './candidate.ts';
import type { JsonValue } from '../core/trace.ts';

/** Candidate pairs and their priority (RFC 8445 §6.1.2.3) and states (§6.1.2.6). */

export type PairState = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';

export interface CandidatePair {
  /** Stable id for notes and the visualizer: "<local address> -> <remote address>". */
  readonly id: string;
  /** The local candidate the checks are sent from: a host or relayed candidate (srflx ones are replaced by their base). */
  readonly local: Candidate;
  remote: Candidate;
  priority: bigint;
  state: PairState;
  /** RFC 8445 §6.1.2.6: local foundation and remote foundation together. */
  readonly foundation: string;
  /** The pair has been nominated (§8.1.1 controlling, §7.3.1.5 controlled). */
  nominated: boolean;
  /** §7.3.1.5: the controlled agent got USE-CANDIDATE before its own check on this pair succeeded. */
  nominateOnSuccess: boolean;
  /**
   * §7.2.5.3.2: when a check succeeds, the valid pair's local candidate is the one whose address equals the mapped
   * address of the response (srflx, or a new local prflx); the remote is the destination of the check.
   */
  validLocal?: Candidate;
  /** Priority of the valid pair (computed from validLocal and remote). */
  validPriority?: bigint;
}

/**
 * RFC 8445 §6.1.2.3: pair priority = 2^32 × MIN(G, D) + 2 × MAX(G, D) + (G > D ? 1 : 0), where G is the priority of
 * the controlling agent's candidate and D the controlled agent's. A 64-bit value, so a bigint.
 */
export function pairPriority(controlling: number, controlled: number): bigint {
  const g = BigInt(controlling);
  const d = BigInt(controlled);
  const min = g < d ? g : d;
  const max = g < d ? d : g;
  return (min << 32n) + 2n * max + (g > d ? 1n : 0n);
}

/** The pair priority from this agent's point of view. */
export function pairPriorityFor(controlling: boolean, local: Candidate, remote: Candidate): bigint {
  return controlling ? pairPriority(local.priority, remote.priority) : pairPriority(remote.priority, local.priority);
}

/** A TCP pair's id ends in " tcp" (an active candidate's base shows port 0: a new connection per pair, RFC 6544 §7.1). */
export function pairId(local: Candidate, remote: Candidate): string {
  return `${formatTransportAddress(local.base)} -> ${formatTransportAddress(remote.address)}${local.transport === 'tcp' ? ' tcp' : ''}`;
}

export function makePair(local: Candidate, remote: Candidate, controlling: boolean): CandidatePair {
  return {
    id: pairId(local, remote),
    local,
    remote,
    priority: pairPriorityFor(controlling, local, remote),
    state: 'frozen',
    foundation: `${local.foundation}:${remote.foundation}`,
    nominated: false,
    nominateOnSuccess: false,
  };
}

/** Highest priority first; ties keep the order pairs were formed in (Array.prototype.sort is stable). */
export function byPriority(a: CandidatePair, b: CandidatePair): number {
  return a.priority > b.priority ? -1 : a.priority < b.priority ? 1 : 0;
}

/** The note data the visualizer rebuilds a checklist from (notes.ts `IcePairFacts`, without generation, previous, reason). */
export function pairData(p: CandidatePair): Omit<IcePairFacts, 'generation' | 'previous' | 'reason'> {
  const local = p.validLocal ?? p.local;
  return {
    pair: p.id,
    local: `${p.local.type} ${formatTransportAddress(p.local.address)}`,
    remote: `${p.remote.type} ${formatTransportAddress(p.remote.address)}`,
    localType: p.local.type,
    remoteType: p.remote.type,
    state: p.state,
    priority: p.priority.toString(),
    nominated: p.nominated,
    foundation: p.foundation,
    ...(p.validLocal ? { validLocal: `${local.type} ${formatTransportAddress(local.address)}` } : {}),
  };
}

/** The selected pair as run summaries show it; relayProtocol only for relays reached over TCP or TLS (a UDP relay's summary stays as it was). */
export function pairSummary(p: CandidatePair): { [key: string]: JsonValue } {
  const l = p.validLocal ?? p.local;
  return {
    id: p.id,
    local: { type: l.type, address: l.address.ip, port: l.address.port, protocol: l.transport, ...(l.tcpType ? { tcpType: l.tcpType } : {}), ...(l.relayProtocol ? { relayProtocol: l.relayProtocol } : {}) },
    remote: { type: p.remote.type, address: p.remote.address.ip, port: p.remote.address.port, protocol: p.remote.transport, ...(p.remote.tcpType ? { tcpType: p.remote.tcpType } : {}) },
  };
}
