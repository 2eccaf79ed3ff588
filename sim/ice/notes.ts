import { noteMaker, type KindSet, type NoData, type NotesOf } from '../core/note.ts';

/** W3C RTCIceConnectionState words (agent-base.ts `IceState`). */
export type IceStateName = 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed';
/** RFC 8445 §6.1.2.6 candidate pair states (pair.ts `PairState`). */
export type IcePairStateName = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';
/** RFC 8445 §5.1.1 candidate types. */
export type IceCandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
export type IceRole = 'controlling' | 'controlled';

/** Every note of an agent carries the ICE restart count (RFC 8445 §9). */
type Gen = { readonly generation: number };

/**
 * A pair's facts (pair.ts `pairData`). `local`/`remote` are "type address" from an agent; a capture (sim/infer)
 * knows only the addresses, no candidate types, priority or foundation, and no restart count. `pair` is the id
 * "local base -> remote address" either way.
 */
export type IcePairFacts = {
  readonly generation?: number;
  readonly pair: string;
  readonly local: string;
  readonly remote: string;
  readonly localType?: IceCandidateType;
  readonly remoteType?: IceCandidateType;
  readonly state: IcePairStateName;
  /** §6.1.2.3 pair priority as a decimal string (it exceeds 2^53). */
  readonly priority?: string;
  readonly nominated: boolean;
  readonly foundation?: string;
  /** The valid pair's local candidate when it differs (§7.2.5.3.2). */
  readonly validLocal?: string;
  /** null when the pair is formed. */
  readonly previous: IcePairStateName | null;
  readonly reason: string;
};

/** The notes of an ICE agent (RFC 8445; source `<host>/ice-agent`, `<host>/webrtc-peer`, …); sim/ice/README.md tells when each comes. */
export type IceNoteKinds = {
  /** The first one announces the agent (state new, its role and credentials); the others are changes. */
  'ice.state':
    | (Gen & { readonly state: 'new'; readonly role: IceRole; readonly lite: boolean; readonly ufrag: string; readonly tieBreaker: string })
    | (Gen & { readonly state: IceStateName; readonly previous: IceStateName; readonly reason: string; readonly sinceStart?: number });
  'ice.role': Gen & { readonly role: IceRole; readonly reason: string };
  'ice.role.conflict': Gen & { readonly ours: string; readonly theirs: string; readonly action: '487' };
  'ice.restart': Gen & { readonly initiator: 'local' | 'remote'; readonly ufrag: string };
  'ice.gathering': (Gen & { readonly state: 'gathering' }) | (Gen & { readonly state: 'complete'; readonly candidates: number });
  /** The gatherer's own notes (gather.ts), without the restart count. */
  'ice.gathering.request': { readonly base: string; readonly server: string; readonly step?: string };
  'ice.gathering.timeout': { readonly server: string };
  'ice.gathering.error': NoData;
  /**
   * libwebrtc's allocation (libwebrtc.ts), as its own functions name the steps (`step`): an AllocationSequence per
   * network, each of its phases (UDP, relay, TCP) 50 ms apart, and a UDPPort's keepalive Binding requests.
   */
  'ice.allocation.sequence': { readonly network: number; readonly networkType: string; readonly address: string; readonly preference: number; readonly cost: number; readonly step: string };
  'ice.allocation.phase': { readonly network: number; readonly phase: 'udp' | 'relay' | 'tcp'; readonly ports: number; readonly step: string };
  'ice.gathering.keepalive': { readonly base: string; readonly server: string; readonly step: string };
  'ice.candidate.gathered': Gen & {
    /** The SDP candidate-attribute (RFC 8839 §5.1). */
    readonly candidate: string;
    readonly type: IceCandidateType;
    readonly address: string;
    readonly base: string;
    readonly priority: number;
    readonly foundation: string;
    /** The STUN or TURN server it came from. */
    readonly server?: string;
    /** The libwebrtc function that made it (UDPPort::OnLocalAddressReady, UDPPort::OnStunBindingRequestSucceeded, …). */
    readonly step?: string;
  };
  /** A local candidate dropped: its port belongs to a session an ICE restart replaced, or its network went away. */
  'ice.candidate.removed': Gen & { readonly candidate: string; readonly type: IceCandidateType; readonly reason: 'ice-restart' | 'network-gone' };
  /** A TURN allocation of a session an ICE restart replaced, deleted once the new pair is selected (TurnPort::Release). */
  'ice.port.released': Gen & { readonly relayed: string; readonly server: string; readonly step: string };
  'ice.candidate.pruned': Gen & { readonly candidate: string; readonly type: IceCandidateType; readonly redundantWith: string };
  /** A gathered candidate the candidate policy keeps from signaling and pairing (iceTransportPolicy relay). */
  'ice.candidate.filtered': Gen & { readonly candidate: string; readonly type: IceCandidateType; readonly policy: string };
  'ice.candidate.remote': Gen & { readonly candidate: string; readonly type: IceCandidateType; readonly address: string; readonly replaced?: 'prflx' };
  'ice.candidate.prflx': Gen & { readonly side: 'local' | 'remote'; readonly address: string; readonly priority: number };
  'ice.candidate.invalid': Gen & { readonly candidate: string };
  'ice.remote.description': Gen & { readonly ufrag: string; readonly lite: boolean };
  'ice.remote.end-of-candidates': Gen;
  'ice.signal.sent': Gen & { readonly message: 'description' | 'candidate' | 'end-of-candidates'; readonly step?: string };
  'ice.pair.state': IcePairFacts;
  'ice.check.sent': Gen & { readonly pair: string; readonly transactionId: string; readonly useCandidate: boolean; readonly consent: boolean; readonly role: IceRole; readonly rto: number };
  'ice.check.retransmit': Gen & { readonly pair: string; readonly transactionId: string; readonly attempt: number };
  'ice.check.timeout': Gen & { readonly pair: string; readonly transactionId: string };
  /** A hard ICMP error (Port Unreachable …) about a check: its pair fails without waiting (§7.2.5.2.2). */
  'ice.check.icmp-error': Gen & { readonly pair: string; readonly transactionId: string; readonly error: string };
  /** RFC 6544 §7.1: a TCP pair's connection could not be set up, or closed: the pair fails. */
  'ice.check.tcp-failure': Gen & { readonly pair: string; readonly error: string };
  /** `pair` null when no pair could be formed for it. */
  'ice.check.received': Gen & { readonly pair: string | null; readonly from: string; readonly useCandidate: boolean; readonly transactionId: string };
  'ice.check.response':
    | (Gen & { readonly pair: string; readonly result: 'success'; readonly mapped: string; readonly rtt: number; readonly consent: boolean; readonly transactionId: string })
    | (Gen & { readonly pair: string; readonly result: 'error'; readonly code: number; readonly rtt: number; readonly transactionId: string })
    | (Gen & { readonly pair: string; readonly result: 'non-symmetric'; readonly from: string })
    | (Gen & { readonly pair: string; readonly result: 'bad-integrity' });
  /** `why`: what a 400 Bad Request found wrong with an authentic check (a missing attribute). */
  'ice.check.rejected': Gen & { readonly from: string; readonly code: number; readonly why?: string };
  /** The first datagram (not STUN) from a source no candidate pair knows, dropped (libwebrtc: Port::OnReadPacket). */
  'ice.data.unknown-source': Gen & { readonly from: string; readonly base: string };
  /** A fault injected on purpose (agent-config.ts IceFault), noted when the agent starts. */
  'ice.fault': Gen & { readonly fault: 'no-role-switch' | 'no-priority' | 'ignore-checks' };
  'ice.nominating': Gen & { readonly pair: string; readonly reason: string };
  /**
   * The selected pair: `local`/`remote` addresses. An agent knows the candidate types and protocol; a capture
   * (sim/infer) only the addresses, and no restart count.
   */
  'ice.selected': { readonly generation?: number; readonly pair: string; readonly localType?: IceCandidateType; readonly remoteType?: IceCandidateType; readonly local: string; readonly remote: string; readonly protocol?: 'udp' | 'tcp' };
  'ice.consent.lost': Gen & { readonly pair: string };
  /** Inferred from a capture with its signaling: whether both addresses of a checked pair were signaled. */
  'ice.pair.signaled': { readonly local: string; readonly remote: string; readonly signaled: boolean };
};

export type IceNote = NotesOf<IceNoteKinds>;

/** The kinds an agent writes itself (agent-base.ts `note` adds `generation`); the rest come from its gatherer or a capture. */
export type IceAgentNoteKind = Exclude<keyof IceNoteKinds, 'ice.gathering.request' | 'ice.gathering.timeout' | 'ice.gathering.error' | 'ice.allocation.sequence' | 'ice.allocation.phase' | 'ice.gathering.keepalive' | 'ice.pair.signaled'>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What an agent passes for a kind: its data without `generation`. */
export type IceAgentFacts<K extends IceAgentNoteKind> = DistributiveOmit<IceNoteKinds[K], 'generation'>;
export const iceNote = noteMaker<IceNoteKinds>();
export const ICE_NOTE_KINDS = {
  'ice.state': true,
  'ice.role': true,
  'ice.role.conflict': true,
  'ice.restart': true,
  'ice.gathering': true,
  'ice.gathering.request': true,
  'ice.gathering.timeout': true,
  'ice.gathering.error': true,
  'ice.allocation.sequence': true,
  'ice.allocation.phase': true,
  'ice.gathering.keepalive': true,
  'ice.candidate.gathered': true,
  'ice.candidate.removed': true,
  'ice.port.released': true,
  'ice.candidate.pruned': true,
  'ice.candidate.filtered': true,
  'ice.candidate.remote': true,
  'ice.candidate.prflx': true,
  'ice.candidate.invalid': true,
  'ice.remote.description': true,
  'ice.remote.end-of-candidates': true,
  'ice.signal.sent': true,
  'ice.pair.state': true,
  'ice.check.sent': true,
  'ice.check.retransmit': true,
  'ice.check.timeout': true,
  'ice.check.icmp-error': true,
  'ice.check.tcp-failure': true,
  'ice.check.received': true,
  'ice.check.response': true,
  'ice.check.rejected': true,
  'ice.data.unknown-source': true,
  'ice.fault': true,
  'ice.nominating': true,
  'ice.selected': true,
  'ice.consent.lost': true,
  'ice.pair.signaled': true,
} as const satisfies KindSet<IceNoteKinds>;
