import type { TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { TurnTransport } from '../turn/url.ts';
import type { Micros } from '../core/time.ts';
import type { NominationMode } from './nomination.ts';
import type { CandidatePolicy } from './candidate-filter.ts';
import type { CandidatePair } from './pair.ts';
import type { StunAttribute } from '../wire/stun/index.ts';

/** An ICE agent's configuration, its role and state words, and what a connectivity check carries (agent-base.ts, agent.ts). */
export type IceRole = 'controlling' | 'controlled';
export type IceState = 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed';

/**
 * Fault injection: an agent that breaks RFC 8445 on purpose, so that a run shows a failure the diagnosis must name.
 * - `no-role-switch`: ignores role conflicts (§7.3.1.1, §7.2.5.1): never switches role, answers a conflicting check
 *   with success, and takes a 487 for a failure of the pair;
 * - `no-priority`: leaves PRIORITY (§7.1.1) out of its checks, which the peer must answer with 400 (§7.3);
 * - `ignore-checks`: reads the peer's checks and answers none of them.
 */
export type IceFault = 'no-role-switch' | 'no-priority' | 'ignore-checks';
export const ICE_FAULTS = ['no-role-switch', 'no-priority', 'ignore-checks'] as const satisfies readonly IceFault[];

/** What each fault makes the agent do, for its `ice.fault` note. */
export const FAULT_TEXT: Readonly<Record<IceFault, string>> = {
  'no-role-switch': 'it never switches role: a conflicting check is answered with success, a 487 Role Conflict fails the pair (RFC 8445 §7.3.1.1 and §7.2.5.1 ignored)',
  'no-priority': 'its checks carry no PRIORITY attribute (RFC 8445 §7.1.1 ignored)',
  'ignore-checks': "it answers none of the peer's connectivity checks (RFC 8445 §7.3 ignored)",
};

export interface TurnServerConfig {
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  /** How the agent reaches the server (RFC 8656 §3.1): UDP (default), TCP, or TLS over TCP ("turns:"). */
  readonly transport?: TurnTransport;
  /** False: a client that treats 438 Stale Nonce as a failure instead of retrying with the new NONCE (fault injection). */
  readonly retryStaleNonce?: boolean;
}

export interface IceAgentConfig {
  /** Shown in notes ("alice"). */
  readonly name: string;
  readonly rng: Rng;
  readonly role: IceRole;
  /** RFC 8445 §2.5: host candidates only, never checks, answers and accepts USE-CANDIDATE (mediasoup-style). */
  readonly lite?: boolean;
  /** RFC 8838: send candidates as they are found (default) rather than all at once when gathering ends. */
  readonly trickle?: boolean;
  /** How the controlling agent nominates (nomination.ts): regular (default), aggressive, or libwebrtc's semi-aggressive. */
  readonly nomination?: NominationMode;
  readonly stunServers?: readonly TransportAddress[];
  readonly turnServers?: readonly TurnServerConfig[];
  /** §14.2: the pacing interval, 50 ms by default. */
  readonly ta?: Micros;
  /** Regular nomination: how long the controlling agent lets checks run after the first valid pair. */
  readonly nominationDelay?: Micros;
  /** RFC 7675 §5.1: consent checks every 5 s, randomized 0.8–1.2 × (default 5 s). */
  readonly consentInterval?: Micros;
  /** RFC 7675 §5.1: consent is lost 30 s after the last answered check. */
  readonly consentTimeout?: Micros;
  /** Without answers for this long, the state turns disconnected (W3C RTCIceConnectionState), 10 s by default. */
  readonly disconnectedAfter?: Micros;
  /** The controlling agent restarts ICE (§9) when consent is lost. */
  readonly restartOnFailure?: boolean;
  /** When the agent starts (gathering, signaling). */
  readonly startAt?: Micros;
  /** W3C iceTransportPolicy (candidate-filter.ts): `relay` surfaces relayed candidates only. */
  readonly candidatePolicy?: CandidatePolicy;
  /** §7.3.1.1: the tie-breaker, when a scenario fixes it (the default is drawn from `rng`). */
  readonly tieBreaker?: bigint;
  /** Faults injected on purpose (IceFault), each noted as `ice.fault` when the agent starts. */
  readonly faults?: readonly IceFault[];
}

export interface CheckCtx {
  readonly pair: CandidatePair;
  readonly useCandidate: boolean;
  readonly controlling: boolean;
  readonly prflxPriority: number;
  readonly pwd: string;
  readonly consent: boolean;
  readonly generation: number;
  /** §7.3.1.4: a triggered check replaced it: no more retransmissions, and no failure on timeout. */
  cancelled: boolean;
}

/** Whether a fault was injected on purpose (IceFault). */
export function hasFault(c: IceAgentConfig, f: IceFault): boolean {
  return c.faults?.includes(f) ?? false;
}

/** §7.3.1.1: the tie-breaker, drawn from `rng` even when the scenario fixes it, so the rest of the stream stays the same. */
export function tieBreakerOf(c: IceAgentConfig): bigint {
  const drawn = (BigInt(c.rng.u32()) << 32n) | BigInt(c.rng.u32());
  return c.tieBreaker ?? drawn;
}

/**
 * What rides in an agent's Binding requests and success responses beside ICE's own attributes (SPED's DTLS-IN-STUN,
 * sim/webrtc/sped.ts): the attributes to add to the next one sent, and what an authenticated one carried. An
 * unauthenticated one is only reported (`rejected`): its attributes must change nothing.
 */
export interface CheckPiggyback {
  attributes(now: Micros): StunAttribute[];
  /** A check that authenticated (RFC 8445 §7.3) or a success response whose MESSAGE-INTEGRITY verified (§7.2.5), before it is answered. */
  received(now: Micros, bytes: Uint8Array, from: TransportAddress): void;
  rejected(now: Micros, bytes: Uint8Array, from: TransportAddress, why: string): void;
}
