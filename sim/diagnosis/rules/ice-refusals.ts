import type { IcePairFacts } from '../../ice/notes.ts';
import type { AgentStory } from '../agents.ts';
import { evidence, TraceIndex, type Indexed } from '../trace-index.ts';
import type { PairVerdict } from './ice-pairs.ts';

/**
 * Why the peer refused a pair's checks, told from both agents' notes: a role conflict one side never resolved
 * (487 Role Conflict answered and never acted on, RFC 8445 §7.2.5.1), or a check the peer found malformed
 * (400 Bad Request, §7.3) with what it lacked. Each cites the answers on the wire, the peer's notes about them, and
 * a fault noted on purpose (`ice.fault`) when that is why.
 */

type ErrorNote = Indexed<'ice.check.response'>;

function label(p: IcePairFacts): string {
  return `${p.local} → ${p.remote}`;
}

/** The hops that carried the error answers of these responses (a run's; a capture has none here). */
function answerHops(x: TraceIndex, errors: readonly ErrorNote[]): number[] {
  if (x.capture) return [];
  const tids = new Set(errors.flatMap((e) => ('transactionId' in e.n.data ? [e.n.data.transactionId] : [])));
  return x.stunHops().filter((h) => h.stun.cls === 'error' && tids.has(h.stun.tid)).map((h) => h.hop);
}

/** The agent's own `ice.fault` notes of a kind. */
function faultNotes(x: TraceIndex, source: string, fault: string): Indexed<'ice.fault'>[] {
  return x.from('ice.fault', source).filter((f) => f.n.data.fault === fault);
}

/** An agent's first note: its role at the start and its tie-breaker. */
function start(x: TraceIndex, source: string): { role: string; tieBreaker: string } | undefined {
  const s = x.from('ice.state', source)[0]?.n.data;
  return s && s.state === 'new' && 'tieBreaker' in s ? { role: s.role, tieBreaker: s.tieBreaker } : undefined;
}

/**
 * 487 answers the agent never resolved: the peer controlled too (or was controlled too) with the larger tie-breaker,
 * said 487, and the agent kept its role instead of switching and checking again.
 */
export function roleConflictVerdict(x: TraceIndex, a: AgentStory, pair: Indexed<'ice.pair.state'>, errors: readonly ErrorNote[]): PairVerdict {
  const p = pair.n.data;
  const ours = start(x, a.source);
  // the peer's 487s name our tie-breaker as theirs
  const conflicts = x.of('ice.role.conflict').filter((c) => c.n.source !== a.source && ours !== undefined && c.n.data.theirs === ours.tieBreaker);
  const peerSource = conflicts[0]?.n.source;
  const peer = peerSource ? TraceIndex.host(peerSource) : 'the peer';
  const switched = x.from('ice.role', a.source).filter((r) => (r.n.data.generation ?? 0) === a.generation);
  const faults = faultNotes(x, a.source, 'no-role-switch');
  const role = ours?.role ?? 'controlling';
  const theirs = conflicts[0]?.n.data.ours;
  const why = theirs && ours ? `both agents claimed to be ${role} and ${peer}'s tie-breaker ${theirs} is larger than ${a.host}'s ${ours.tieBreaker} (RFC 8445 §7.3.1.1)` : `both agents claimed to be ${role} (RFC 8445 §7.3.1.1)`;
  const other = role === 'controlling' ? 'controlled' : 'controlling';
  const never = switched.length === 0 ? `${a.host} never switched to ${other} as §7.2.5.1 requires` : `${a.host} switched role but was still refused`;
  const fault = faults.length > 0 ? ' (fault injected on purpose: no-role-switch)' : '';
  return {
    cause: 'ice.role-conflict',
    text: `${label(p)}: ${peer} answered ${errors.length} check(s) with 487 Role Conflict: ${why}; ${never}${fault}`,
    facts: {
      kind: 'pair-role-conflict', local: p.local, remote: p.remote, peer, answers: errors.length, role, host: a.host, other, switched: switched.length > 0 ? 1 : 0, fault: faults.length > 0 ? 'no-role-switch' : '',
      ...(theirs && ours ? { theirs, ours: ours.tieBreaker } : {}),
    },
    evidence: evidence(answerHops(x, errors), [...errors.map((e) => e.i), pair.i, ...conflicts.map((c) => c.i), ...switched.map((s) => s.i), ...faults.map((f) => f.i)]),
    fix: faults.length > 0
      ? `remove no-role-switch from ${a.host}'s faults: on a 487 an agent switches role and checks again (RFC 8445 §7.2.5.1)`
      : `make ${a.host} switch to ${other} on 487 Role Conflict and check again (RFC 8445 §7.2.5.1), or start it ${other}`,
    fixFacts: { fixKind: faults.length > 0 ? 'remove-fault' : 'role-switch', fixA: a.host, fixB: faults.length > 0 ? 'no-role-switch' : other },
    headline: { text: `${peer} kept answering 487 Role Conflict and ${a.host} never switched to ${other}${fault}`, facts: { peer, role, other, fault: faults.length > 0 ? 'no-role-switch' : '', answers: errors.length } },
  };
}

/**
 * 400 answers: the peer authenticated the check but refused it as malformed; its `ice.check.rejected` note says
 * what was missing (a check without PRIORITY, §7.1.1).
 */
export function badRequestVerdict(x: TraceIndex, a: AgentStory, pair: Indexed<'ice.pair.state'>, errors: readonly ErrorNote[]): PairVerdict {
  const p = pair.n.data;
  const rejected = x.of('ice.check.rejected').filter((r) => r.n.source !== a.source && r.n.data.code === 400);
  const peer = rejected[0] ? TraceIndex.host(rejected[0].n.source) : 'the peer';
  const why = rejected.find((r) => r.n.data.why !== undefined)?.n.data.why;
  const faults = faultNotes(x, a.source, 'no-priority');
  const priority = why?.includes('PRIORITY') ?? false;
  const fault = faults.length > 0 ? ' (fault injected on purpose: no-priority)' : '';
  const what = why ? `: ${why}${priority ? ', which RFC 8445 §7.1.1 requires in every check' : ''}` : ': the check lacked an attribute the peer requires (RFC 8445 §7.3)';
  return {
    cause: 'ice.check-bad-request',
    text: `${label(p)}: ${peer} answered ${errors.length} check(s) with 400 Bad Request${what}${fault}`,
    facts: { kind: 'pair-bad-request', local: p.local, remote: p.remote, peer, answers: errors.length, why: why ?? '', priority: priority ? 1 : 0, fault: faults.length > 0 ? 'no-priority' : '' },
    evidence: evidence(answerHops(x, errors), [...errors.map((e) => e.i), pair.i, ...rejected.map((r) => r.i), ...faults.map((f) => f.i)]),
    fix: faults.length > 0
      ? `remove no-priority from ${a.host}'s faults: every check carries PRIORITY (RFC 8445 §7.1.1)`
      : priority
        ? `make ${a.host}'s checks carry PRIORITY (RFC 8445 §7.1.1)`
        : 'send checks with USERNAME, MESSAGE-INTEGRITY, PRIORITY and the role attribute',
    fixFacts: faults.length > 0 ? { fixKind: 'remove-fault', fixA: a.host, fixB: 'no-priority' } : priority ? { fixKind: 'check-priority', fixA: a.host } : { fixKind: 'check-attributes' },
    headline: { text: `${peer} refused ${a.host}'s checks with 400 Bad Request${why ? ` (${why})` : ''}${fault}`, facts: { peer, why: why ?? '', fault: faults.length > 0 ? 'no-priority' : '', answers: errors.length } },
  };
}
