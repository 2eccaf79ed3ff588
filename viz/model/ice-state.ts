import { isNoteOf } from '../../sim/core/note.ts';
import type { Note } from '../../sim/core/trace.ts';
import { ICE_NOTE_KINDS, type IceNote } from '../../sim/ice/notes.ts';
import { typedNote, unreachable } from '../../sim/notes/index.ts';

/**
 * The ICE state of every agent at a moment, rebuilt from the ice.* notes up to that moment (sim/ice/README.md lists
 * the kinds and their data). Pure: the panel calls it on every cursor move, forward or back.
 */

/** RFC 8445 §6.1.2.6 candidate pair states. */
export type PairStateName = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';

export interface IcePairView {
  /** "local base -> remote", the agent's pair id. */
  readonly id: string;
  readonly local: string;
  readonly remote: string;
  readonly localType: string;
  readonly remoteType: string;
  /** §6.1.2.3 pair priority, a decimal string (it exceeds 2^53). */
  readonly priority: string;
  readonly state: PairStateName;
  readonly nominated: boolean;
  readonly selected: boolean;
  readonly reason: string;
  /** When the pair was formed and last changed (µs). */
  readonly formedAt: number;
  readonly changedAt: number;
}

export interface IceCandidateView {
  readonly type: string;
  readonly address: string;
  readonly priority?: number;
  /** When it was gathered (local) or arrived by signaling or as peer-reflexive (remote), µs. */
  readonly t: number;
  /** "signaling", "prflx", "pruned", or the STUN/TURN server it came from. */
  readonly how: string;
}

export interface IceAgentView {
  readonly source: string;
  /** W3C RTCIceConnectionState words: new, checking, connected, completed, disconnected, failed. */
  readonly state: string;
  readonly stateReason: string;
  readonly role: string;
  readonly lite: boolean;
  readonly gathering: string;
  readonly local: readonly IceCandidateView[];
  readonly remote: readonly IceCandidateView[];
  /** Highest priority first (§6.1.2.3 ordering of the checklist). */
  readonly pairs: readonly IcePairView[];
  readonly selected?: string;
  readonly remoteEndOfCandidates: boolean;
}

interface MutableAgent {
  source: string;
  state: string;
  stateReason: string;
  role: string;
  lite: boolean;
  gathering: string;
  local: IceCandidateView[];
  remote: IceCandidateView[];
  pairs: Map<string, IcePairView>;
  selected?: string;
  remoteEndOfCandidates: boolean;
  generation: number;
}

/** Every agent (one per note source that reports ice.* notes), in order of first appearance, as of time `t`. */
export function iceStateAt(notes: readonly Note[], t: number): IceAgentView[] {
  const agents = new Map<string, MutableAgent>();
  for (const note of notes) {
    if (note.t > t) break;
    const n = typedNote(note);
    if (!isNoteOf(ICE_NOTE_KINDS, n)) continue;
    // a capture's inferred selection is noted once for the capture: it belongs to the agent of its local address
    const source = n.inferred && n.kind === 'ice.selected' ? `capture/ice ${n.data.local}` : n.source;
    let a = agents.get(source);
    if (!a) {
      a = { source, state: 'new', stateReason: '', role: '', lite: false, gathering: 'new', local: [], remote: [], pairs: new Map(), remoteEndOfCandidates: false, generation: 0 };
      agents.set(source, a);
    }
    apply(a, n);
    if (n.inferred) inferAgentState(a);
  }
  return [...agents.values()].map((a) => ({
    source: a.source,
    state: a.state,
    stateReason: a.stateReason,
    role: a.role,
    lite: a.lite,
    gathering: a.gathering,
    local: a.local,
    remote: a.remote,
    pairs: [...a.pairs.values()].map((p) => ({ ...p, selected: p.id === a.selected })).sort(byPriority),
    ...(a.selected !== undefined ? { selected: a.selected } : {}),
    remoteEndOfCandidates: a.remoteEndOfCandidates,
  }));
}

function byPriority(x: IcePairView, y: IcePairView): number {
  const a = safeBig(x.priority);
  const b = safeBig(y.priority);
  return a === b ? (x.id < y.id ? -1 : 1) : a > b ? -1 : 1;
}

function safeBig(s: string): bigint {
  return /^\d+$/.test(s) ? BigInt(s) : 0n;
}

/** One ICE note's effect on its agent: every ICE kind is listed (the compiler checks it), most change nothing here. */
function apply(a: MutableAgent, n: Note<IceNote>): void {
  switch (n.kind) {
    case 'ice.state': {
      const d = n.data;
      a.state = d.state;
      if ('role' in d) {
        // the first note announces the agent
        a.stateReason = '';
        a.role = d.role;
        a.lite = d.lite;
      } else a.stateReason = d.reason;
      return;
    }
    case 'ice.role':
      a.role = n.data.role;
      return;
    case 'ice.restart':
      // RFC 8445 §9: a restart starts a new checklist with new credentials.
      a.generation++;
      a.pairs.clear();
      a.remote = [];
      delete a.selected;
      a.remoteEndOfCandidates = false;
      return;
    case 'ice.gathering':
      a.gathering = n.data.state;
      return;
    case 'ice.candidate.gathered': {
      const d = n.data;
      a.local.push({ type: d.type, address: d.address, priority: d.priority, t: n.t, how: d.server || 'local' });
      return;
    }
    case 'ice.candidate.pruned': {
      const d = n.data;
      const i = a.local.findIndex((c) => d.candidate.includes(` ${c.address.replace(/:(\d+)$/, ' $1')} `) && c.type === d.type);
      if (i >= 0) a.local[i] = { ...a.local[i]!, how: 'pruned' };
      return;
    }
    case 'ice.candidate.removed': {
      // an ICE restart's new session or a network gone: the candidate leaves the local list
      const d = n.data;
      a.local = a.local.filter((c) => !(d.candidate.includes(` ${c.address.replace(/:(\d+)$/, ' $1')} `) && c.type === d.type));
      return;
    }
    case 'ice.candidate.filtered': {
      const d = n.data;
      const i = a.local.findIndex((c) => d.candidate.includes(` ${c.address.replace(/:(\d+)$/, ' $1')} `) && c.type === d.type);
      if (i >= 0) a.local[i] = { ...a.local[i]!, how: 'filtered' };
      return;
    }
    case 'ice.candidate.remote': {
      const d = n.data;
      a.remote = a.remote.filter((c) => !(c.how === 'prflx' && c.address === d.address));
      a.remote.push({ type: d.type, address: d.address, t: n.t, how: 'signaling' });
      return;
    }
    case 'ice.candidate.prflx': {
      const d = n.data;
      const c: IceCandidateView = { type: 'prflx', address: d.address, priority: d.priority, t: n.t, how: 'prflx' };
      if (d.side === 'local') a.local.push(c);
      else a.remote.push(c);
      return;
    }
    case 'ice.remote.end-of-candidates':
      a.remoteEndOfCandidates = true;
      return;
    case 'ice.pair.state': {
      const d = n.data;
      const before = a.pairs.get(d.pair);
      a.pairs.set(d.pair, {
        id: d.pair,
        local: d.local,
        remote: d.remote,
        // a capture's pairs have no candidate types or priority
        localType: d.localType ?? before?.localType ?? '',
        remoteType: d.remoteType ?? before?.remoteType ?? '',
        priority: d.priority ?? before?.priority ?? '0',
        state: d.state,
        nominated: d.nominated || (before?.nominated ?? false),
        selected: false,
        reason: d.reason,
        formedAt: before?.formedAt ?? n.t,
        changedAt: n.t,
      });
      return;
    }
    case 'ice.selected':
      a.selected = n.data.pair;
      return;
    case 'ice.role.conflict':
    case 'ice.gathering.request':
    case 'ice.gathering.timeout':
    case 'ice.gathering.error':
    case 'ice.allocation.sequence':
    case 'ice.allocation.phase':
    case 'ice.gathering.keepalive':
    case 'ice.port.released':
    case 'ice.candidate.invalid':
    case 'ice.remote.description':
    case 'ice.signal.sent':
    case 'ice.check.sent':
    case 'ice.check.retransmit':
    case 'ice.check.timeout':
    case 'ice.check.icmp-error':
    case 'ice.check.tcp-failure':
    case 'ice.check.received':
    case 'ice.check.response':
    case 'ice.check.rejected':
    case 'ice.data.unknown-source':
    case 'ice.fault':
    case 'ice.nominating':
    case 'ice.consent.lost':
    case 'ice.pair.signaled':
      return;
    default:
      return unreachable(n);
  }
}

/**
 * A capture has no agent reporting its state: infer it from the pairs the STUN checks showed (RFC 8445 §8.1.1: a
 * nominated pair that succeeded is selected; the agent is then connected).
 */
function inferAgentState(a: MutableAgent): void {
  const pairs = [...a.pairs.values()];
  const chosen = pairs.find((p) => p.nominated && p.state === 'succeeded');
  if (chosen) a.selected = chosen.id;
  a.state = chosen ? 'connected' : pairs.some((p) => p.state === 'succeeded' || p.state === 'in-progress') ? 'checking' : pairs.every((p) => p.state === 'failed') && pairs.length > 0 ? 'failed' : a.state;
  a.stateReason = 'inferred from the STUN checks in the capture';
}

/** The colour a pair state is drawn with (frozen grey, waiting amber, in progress blue, succeeded green, failed red). */
export const PAIR_STATE_COLOURS: Readonly<Record<PairStateName, string>> = {
  frozen: '#8a8f98',
  waiting: '#c9a227',
  'in-progress': '#3b82f6',
  succeeded: '#2e9e4f',
  failed: '#d0453a',
};
