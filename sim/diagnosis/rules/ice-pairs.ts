import type { IcePairFacts } from '../../ice/notes.ts';
import { agents, type AgentStory } from '../agents.ts';
import { describeDrop, dropGroups, transactionFate, type Drop } from '../drops.ts';
import { evidence, ipOf, mergeEvidence, seconds, TraceIndex, type Indexed } from '../trace-index.ts';
import type { Evidence, Finding, FindingFacts } from '../types.ts';
import { relayFacts, relayFix, relayNeed } from './relay-fix.ts';
import { badRequestVerdict, roleConflictVerdict } from './ice-refusals.ts';
import { silentPeerVerdict } from './ice-silence.ts';

/** Why one candidate pair did not work, as a cause id, a sentence, its evidence and what would have fixed it. */
export interface PairVerdict {
  readonly cause: string;
  readonly text: string;
  readonly evidence: Evidence;
  /** The figures `text` is made of, `kind` naming its shape (viz/i18n-diagnosis-pairs.ts words each in Chinese). */
  readonly facts: FindingFacts;
  readonly fix?: string;
  /** The fix's figures: `fixKind` names which fix (nat-mapping, nat-filtering, firewall, link-up …), `fixA`/`fixB` its names. */
  readonly fixFacts?: FindingFacts;
  /** When this verdict explains the agent's failure best: a clause for the finding's text, and its figures. */
  readonly headline?: { readonly text: string; readonly facts: FindingFacts };
  /** The peer's agent is what failed: a relayed candidate would not have helped (its checks reach the same agent). */
  readonly agentAtFault?: boolean;
}

/** Causes in the order a finding prefers them: the one that explains a run best comes first. */
const CAUSE_RANK = ['ice.check-unauthorized', 'ice.check-bad-request', 'ice.role-conflict', 'ice.nat-mapping', 'ice.nat-filtering', 'ice.firewall', 'ice.private-candidate', 'ice.link-down', 'ice.loss', 'ice.relay-refused', 'ice.no-response', 'ice.unroutable', 'ice.non-symmetric'];

const ERROR_CAUSE: Readonly<Record<number, { cause: string; why: string; fix: string; fixKind: string }>> = {
  401: { cause: 'ice.check-unauthorized', why: "401 Unauthorized: the check's USERNAME or MESSAGE-INTEGRITY did not match the ice-ufrag/ice-pwd the peer gave (RFC 8445 §7.3)", fix: 'signal each side the other\'s exact a=ice-ufrag and a=ice-pwd', fixKind: 'ice-credentials' },
  400: { cause: 'ice.check-bad-request', why: '400 Bad Request: the check lacked an attribute the peer requires (RFC 8445 §7.3)', fix: 'send checks with USERNAME, MESSAGE-INTEGRITY, PRIORITY and the role attribute', fixKind: 'check-attributes' },
  487: { cause: 'ice.role-conflict', why: '487 Role Conflict that was never resolved (RFC 8445 §7.3.1.1)', fix: 'make one side controlling and the other controlled (the offerer controls)', fixKind: 'roles' },
};

/** Causes a relayed candidate would not have avoided: the peer refuses the checks, or the address is wrong. */
const NO_RELAY_FIX = new Set(['ice.private-candidate', 'ice.role-conflict', 'ice.check-bad-request']);

/** A pair's last note in the agent's last generation, by pair id. */
function lastPairs(x: TraceIndex, a: AgentStory): Map<string, Indexed<'ice.pair.state'>> {
  const out = new Map<string, Indexed<'ice.pair.state'>>();
  for (const p of x.from('ice.pair.state', a.source)) {
    if ((p.n.data.generation ?? 0) !== a.generation) continue;
    out.set(p.n.data.pair, p);
  }
  return out;
}

function label(p: IcePairFacts): string {
  return `${p.local} → ${p.remote}`;
}

function dropVerdict(x: TraceIndex, p: IcePairFacts, drop: Drop, count: number, hops: readonly number[], notes: readonly number[]): Omit<PairVerdict, 'facts'> & { tail?: FindingFacts } {
  const ev = evidence(hops, notes);
  const what = `${count === 1 ? 'a check or its answer was' : `${count} checks or answers were`} dropped ${describeDrop(drop)}`;
  switch (drop.kind) {
    case 'nat-filtering': {
      // the filtered datagram came from an address the NAT had not sent to: when the sender's own NAT gave it a
      // port of its own for this peer (endpoint-dependent mapping), no outbound packet can ever have opened it
      const filtered = /no outbound packet from \S+ to (\S+) was seen/.exec(drop.why)?.[1];
      const senderNat = filtered ? x.natWithExternal(ipOf(filtered)) : undefined;
      if (senderNat && senderNat.details.mapping !== 'endpoint-independent') {
        return {
          cause: 'ice.nat-mapping',
          text: `${label(p)}: ${what}: ${senderNat.name} maps ${senderNat.details.mapping} (symmetric), so the check came from ${filtered}, a port the peer never saw in a candidate and ${drop.where} never sent to`,
          evidence: ev,
          fix: `make ${senderNat.name} map endpoint-independently (RFC 4787 REQ-1)`,
          fixFacts: { fixKind: 'nat-mapping', fixA: senderNat.name },
          tail: { tail: 'nat-mapping', nat: senderNat.name, mapping: String(senderNat.details.mapping), from: filtered ?? '' },
        };
      }
      const nat = x.nodes.find((n) => n.name === drop.where);
      const filtering = typeof nat?.details?.filtering === 'string' ? nat.details.filtering : undefined;
      return { cause: 'ice.nat-filtering', text: `${label(p)}: ${what}`, evidence: ev, fix: `make ${drop.where} filter endpoint-independently${filtering ? ` (it filters ${filtering})` : ''} (RFC 4787 REQ-8)`, fixFacts: { fixKind: 'nat-filtering', fixA: drop.where, ...(filtering ? { fixB: filtering } : {}) } };
    }
    case 'nat-no-mapping':
    case 'nat-other':
      return { cause: 'ice.nat-filtering', text: `${label(p)}: ${what}`, evidence: ev, fix: `let ${drop.where} keep a mapping for the pair`, fixFacts: { fixKind: 'nat-keep', fixA: drop.where } };
    case 'firewall':
      return { cause: 'ice.firewall', text: `${label(p)}: ${what}`, evidence: ev, fix: `let UDP through ${drop.where}`, fixFacts: { fixKind: 'firewall', fixA: drop.where } };
    case 'no-route': {
      // the address has no route, but a static 1:1 NAT makes it reachable as another: the peer signaled the inside
      // address it listens on where it should announce the outside one (a server behind a cloud VM's elastic IP)
      const ip = /no route to (\S+)/.exec(drop.why)?.[1];
      const bound = ip === undefined ? undefined : x.natWithStaticInternal(ip);
      if (bound && ip !== undefined) {
        const owner = x.hostOfAddress(ip);
        return {
          cause: 'ice.private-candidate',
          text: `${label(p)}: ${what}: ${ip} is ${owner ? `${owner}'s` : 'an'} inside address behind ${bound.name}'s static 1:1 binding, reachable from outside only as ${bound.external}; the candidate carries the address it listens on instead of the one it is reached at`,
          evidence: ev,
          fix: `make ${owner ?? 'the peer'} announce ${bound.external} in its ICE candidates (mediasoup: listenInfo.announcedAddress, the server's announcedIp)`,
          fixFacts: { fixKind: 'announce', fixA: owner ?? '', fixB: bound.external },
          tail: { tail: 'private', ip, owner: owner ?? '', nat: bound.name, external: bound.external },
        };
      }
      return { cause: 'ice.unroutable', text: `${label(p)}: ${what}: a private address is not reachable across the internet (expected for host candidates)`, evidence: ev, tail: { tail: 'unroutable' } };
    }
    case 'link-down':
      return { cause: 'ice.link-down', text: `${label(p)}: ${what}`, evidence: ev, fix: `bring link ${drop.where} back up`, fixFacts: { fixKind: 'link-up', fixA: drop.where } };
    case 'loss':
    case 'queue':
      return { cause: 'ice.loss', text: `${label(p)}: ${what}`, evidence: ev, fix: `fix the loss on link ${drop.where}`, fixFacts: { fixKind: 'link-loss', fixA: drop.where } };
    default:
      return { cause: 'ice.no-response', text: `${label(p)}: ${what}`, evidence: ev };
  }
}

/** Why one pair of an agent failed (or never succeeded). */
export function pairVerdict(x: TraceIndex, a: AgentStory, pair: Indexed<'ice.pair.state'>): PairVerdict {
  const p = pair.n.data;
  const responses = x.from('ice.check.response', a.source).filter((r) => r.n.data.pair === p.pair && (r.n.data.generation ?? 0) === a.generation);
  const error = responses.find((r) => r.n.data.result === 'error');
  if (error && error.n.data.result === 'error') {
    const code = error.n.data.code;
    const same = responses.filter((r) => r.n.data.result === 'error' && r.n.data.code === code);
    if (code === 487) return roleConflictVerdict(x, a, pair, same);
    if (code === 400) return badRequestVerdict(x, a, pair, same);
    const known = ERROR_CAUSE[code];
    const rejected = x.of('ice.check.rejected').filter((r) => r.n.data.code === code);
    return {
      cause: known?.cause ?? 'ice.check-error',
      text: `${label(p)}: the peer answered ${known?.why ?? `error ${code}`}`,
      facts: { kind: 'pair-error', local: p.local, remote: p.remote, code },
      evidence: evidence([], [error.i, pair.i, ...rejected.map((r) => r.i)]),
      ...(known ? { fix: known.fix, fixFacts: { fixKind: known.fixKind } } : {}),
    };
  }
  if (p.state === 'failed' && p.reason.startsWith('TURN ')) return relayRefusedVerdict(x, a, pair);
  const odd = responses.find((r) => r.n.data.result === 'non-symmetric' || r.n.data.result === 'bad-integrity');
  if (odd) {
    const integrity = odd.n.data.result === 'bad-integrity';
    return {
      cause: integrity ? 'ice.check-unauthorized' : 'ice.non-symmetric',
      text: integrity ? `${label(p)}: the answers failed MESSAGE-INTEGRITY: the peer signs with another ice-pwd than the one signaled` : `${label(p)}: the answer came from another address than the check went to (non-symmetric, RFC 8445 §7.2.5.2.1)`,
      facts: { kind: integrity ? 'pair-integrity' : 'pair-non-symmetric', local: p.local, remote: p.remote },
      evidence: evidence([], [odd.i, pair.i]),
      ...(integrity ? { fix: "signal each side the other's exact a=ice-pwd", fixFacts: { fixKind: 'ice-pwd' } } : {}),
    };
  }
  const sent = x.from('ice.check.sent', a.source).filter((c) => c.n.data.pair === p.pair && c.n.data.generation === a.generation);
  const fate = transactionFate(x, sent.map((c) => c.n.data.transactionId));
  const groups = dropGroups(fate.drops);
  const timeouts = x.from('ice.check.timeout', a.source).filter((c) => c.n.data.pair === p.pair && c.n.data.generation === a.generation);
  if (groups.length > 0) {
    // the most telling drop: one a NAT or firewall decided, before the links' and the unroutable ones
    const order = ['nat-filtering', 'nat-no-mapping', 'nat-other', 'firewall', 'link-down', 'loss', 'queue', 'other', 'no-route'];
    const g = [...groups].sort((u, v) => order.indexOf(u.drop.kind) - order.indexOf(v.drop.kind))[0]!;
    const { tail, ...v } = dropVerdict(x, p, g.drop, g.count, g.hops, fate.evidence.notes);
    const facts = { kind: 'pair-dropped', local: p.local, remote: p.remote, count: g.count, dropKind: g.drop.kind, dropWhere: g.drop.where, dropWhy: g.drop.why, ...tail };
    return { ...v, facts, evidence: mergeEvidence(v.evidence, evidence([], [pair.i, ...timeouts.map((t) => t.i)])) };
  }
  const transmissions = sent.length + x.from('ice.check.retransmit', a.source).filter((c) => c.n.data.pair === p.pair && c.n.data.generation === a.generation).length;
  const silent = silentPeerVerdict(x, a, pair, sent, transmissions, timeouts);
  if (silent) return silent;
  const when = timeouts[0] ? ` before the check timed out at ${seconds(timeouts[0].n.t)}` : p.state === 'failed' ? '' : ' by the end of the trace';
  const text = x.capture
    ? `${label(p)}: no answer to its checks was seen in the capture`
    : sent.length === 0
      ? `${label(p)}: never checked (${p.state} when the trace ends)`
      : `${label(p)}: no answer to ${transmissions} transmission(s)${when}, and none was dropped on the way: the peer never answered`;
  const facts = { kind: 'pair-unanswered', local: p.local, remote: p.remote, variant: x.capture ? 'capture' : sent.length === 0 ? 'never' : 'silent', state: p.state, transmissions, ...(timeouts[0] ? { timedOutAt: timeouts[0].n.t } : {}) };
  return { cause: 'ice.no-response', text, facts, evidence: mergeEvidence(evidence(fate.delivered, []), evidence([], [pair.i, ...timeouts.map((t) => t.i)])) };
}

/**
 * A relayed pair failed for its TURN server's refusal of the ChannelBind to the remote address (the agent's note
 * names the error, sim/ice/relay.ts; RFC 8656 §12.2): no permission, so the relay could carry nothing and no check
 * was sent. The TURN rules (turn-peers.ts) tell why the server refused; this says what it did to the pair.
 */
function relayRefusedVerdict(x: TraceIndex, a: AgentStory, pair: Indexed<'ice.pair.state'>): PairVerdict {
  const p = pair.n.data;
  const error = p.reason.slice('TURN '.length);
  const peer = p.remote.replace(/^\S+ /, '');
  const turn = x.of('turn.error').filter((e) => TraceIndex.host(e.n.source) === a.host && e.i < pair.i && 'request' in e.n.data && e.n.data.request === 'channel').pop();
  const server = turn && 'server' in turn.n.data ? turn.n.data.server : undefined;
  // "ChannelBind Request: 403 Forbidden: …" or "ChannelBind Request: timeout" (sim/turn/session.ts)
  const answer = /^[\w ]+: (\d+) ?(.*)$/.exec(error);
  return {
    cause: 'ice.relay-refused',
    facts: { kind: 'pair-relay-refused', local: p.local, remote: p.remote, peer, server: server ?? '', ...(answer ? { code: Number(answer[1]), reason: answer[2]! } : { code: 0, reason: '' }) },
    text: `${label(p)}: failed unchecked: ${server ? `TURN server ${server}` : 'the TURN server'} answered the ChannelBind to ${peer} with ${error.replace(/^ChannelBind Request: /, '')}, so the relay has no permission for it (RFC 8656 §12.2)`,
    evidence: evidence([...(turn ? x.hopsOfNote(turn.i) : [])], [pair.i, ...(turn ? [turn.i] : [])]),
    fix: `let ${server ? `TURN server ${server}` : 'the TURN server'} relay to ${peer.replace(/:\d+$/, '')}`,
    fixFacts: { fixKind: 'turn-peer', fixA: server ?? '', fixB: peer.replace(/:\d+$/, '') },
  };
}

/** ICE that failed or never connected: why each pair did not work, and what would have made one work. */
export function iceFailures(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  for (const a of agents(x)) {
    if (a.up || a.lite) continue;
    const states = a.states;
    const lastState = states[states.length - 1]!;
    // consent loss has its own rule (consent.ts); a failure after it is told there
    if (lastState.n.data.state === 'failed' && 'reason' in lastState.n.data && lastState.n.data.reason === 'consent lost') continue;
    // connected, then disconnected by unanswered consent checks: consent.ts tells it (its pairs did work)
    if (a.final === 'disconnected' && a.states.some((s) => s.n.data.generation === lastState.n.data.generation && (s.n.data.state === 'connected' || s.n.data.state === 'completed'))) continue;
    const remote = x.from('ice.remote.description', a.source);
    if (remote.length === 0) continue; // signaling never reached it: signaling.ts says why
    const all = [...lastPairs(x, a).values()];
    if (all.length === 0) continue; // no candidates, no pairs: signaling.ts says why
    const pairs = all.filter((p) => p.n.data.state !== 'succeeded');
    if (pairs.length === 0) continue; // every pair worked: what failed is not ICE's checks (consent.ts, dtls.ts)
    const verdicts = pairs.map((p) => pairVerdict(x, a, p));
    const ranked = [...verdicts].sort((u, v) => rank(u.cause) - rank(v.cause));
    const top = ranked[0];
    const relay = relayFix(x, a.source, a.host);
    const fixes = [...new Set(ranked.map((v) => v.fix).filter((f): f is string => f !== undefined))].slice(0, 2);
    // the same fixes as figures: fix0Kind/fix0A/fix0B, fix1…, and the relay clause's relayKind …
    const fixFacts: Record<string, string | number> = {};
    fixes.forEach((f, i) => {
      for (const [k, v] of Object.entries(ranked.find((r) => r.fix === f)?.fixFacts ?? {})) fixFacts[`fix${i}${k.replace(/^fix/, '')}`] = v;
    });
    // a relay cannot reach an inside address either: only announcing the public one helps
    // nor can it change what the peer's agent answers: a refusal by the peer is fixed at an agent
    const relayHelps = relay !== undefined && !NO_RELAY_FIX.has(top?.cause ?? '') && !top?.agentAtFault;
    if (relay && relayHelps) fixes.push(relay);
    const failed = lastState.n.data.state === 'failed';
    const head = failed
      ? `${a.host}'s ICE failed at ${seconds(lastState.n.t)}: ${pairs.length === all.length ? `all ${pairs.length} candidate pair(s) failed` : `${pairs.length} of ${all.length} candidate pair(s) failed`}`
      : `${a.host}'s ICE never connected: still ${a.final} when the trace ends at ${seconds(x.end)}, no pair succeeded`;
    out.push({
      cause: top?.cause ?? 'ice.no-response',
      severity: 'failure',
      subject: a.host,
      t: failed ? lastState.n.t : x.end,
      text: top && top.cause !== 'ice.unroutable' ? `${head}; ${top.headline?.text ?? describeCause(top.cause)}` : head,
      evidence: mergeEvidence(evidence([], [lastState.i]), ...(top ? [top.evidence] : [])),
      fix: fixes.length ? fixes.join(', or ') : 'give both peers a TURN server',
      details: verdicts.map((v) => ({ text: v.text, evidence: v.evidence, facts: v.facts })),
      facts: {
        variant: 'sim',
        host: a.host,
        failed: failed ? 1 : 0,
        at: failed ? lastState.n.t : x.end,
        pairsFailed: pairs.length,
        pairs: all.length,
        final: a.final,
        topCause: top && top.cause !== 'ice.unroutable' ? top.cause : '',
        ...fixFacts,
        ...(top?.headline ? Object.fromEntries(Object.entries(top.headline.facts).map(([k, v]) => [`top${k[0]!.toUpperCase()}${k.slice(1)}`, v])) : {}),
        ...(relayHelps ? relayFacts(relayNeed(x, a.source)) : {}),
      },
    });
  }
  return out;
}

function rank(cause: string): number {
  const i = CAUSE_RANK.indexOf(cause);
  return i < 0 ? CAUSE_RANK.length : i;
}

function describeCause(cause: string): string {
  switch (cause) {
    case 'ice.check-unauthorized':
      return 'the peer refused the checks (wrong ICE credentials)';
    case 'ice.check-bad-request':
      return 'the peer refused the checks as malformed';
    case 'ice.role-conflict':
      return 'a role conflict was never resolved';
    case 'ice.nat-mapping':
      return 'a symmetric NAT gave each peer another port, so the other NAT filtered every direct check';
    case 'ice.nat-filtering':
      return 'a NAT filtered the checks';
    case 'ice.firewall':
      return 'a firewall dropped the checks';
    case 'ice.private-candidate':
      return "the peer's candidates carry its inside address behind a 1:1 NAT instead of the public one it is reached at";
    case 'ice.link-down':
      return 'a link was down';
    case 'ice.loss':
      return 'the checks were lost on a link';
    case 'ice.non-symmetric':
      return 'the answers came from unexpected addresses';
    case 'ice.relay-refused':
      return 'the TURN server refused to relay to the peer';
    default:
      return 'the checks went unanswered';
  }
}

/**
 * A capture's ICE checklist (inferred pair notes) in which no pair ever succeeded although checks ran for a while:
 * each pair's last state, with the error its checks got when one was seen.
 */
export function captureIceFailures(x: TraceIndex): Finding[] {
  if (!x.capture) return [];
  const last = new Map<string, Indexed<'ice.pair.state'>>();
  for (const p of x.of('ice.pair.state')) if (p.n.inferred) last.set(p.n.data.pair, p);
  if (last.size === 0 || [...last.values()].some((p) => p.n.data.state === 'succeeded')) return [];
  const first = Math.min(...[...last.values()].map((p) => p.n.t));
  if (x.end - first < 5_000_000) return []; // the capture may simply stop before an answer
  const pairs = [...last.values()];
  const errors = pairs.filter((p) => p.n.data.state === 'failed');
  return [
    {
      cause: errors.some((p) => p.n.data.reason.includes('401')) ? 'ice.check-unauthorized' : errors.length ? 'ice.check-error' : 'ice.no-response',
      severity: 'failure',
      subject: pairs[0]!.n.data.local,
      t: x.end,
      text: `no ICE pair succeeded in the capture: ${pairs.length} pair(s) checked from ${seconds(first)} on, ${errors.length ? `${errors.length} answered with an error` : 'none answered'}`,
      evidence: evidence(pairs.flatMap((p) => x.hopsOfNote(p.i)), pairs.map((p) => p.i)),
      fix: errors.length ? 'make the checks use the ice-ufrag/ice-pwd the peer signaled' : 'find what drops the checks between the two addresses (capture on both sides), or give both a TURN server',
      details: pairs.map((p) => ({
        text: `${p.n.data.local} → ${p.n.data.remote}: ${p.n.data.state} (${p.n.data.reason})`,
        evidence: evidence(x.hopsOfNote(p.i), [p.i]),
        facts: { kind: 'capture-pair', local: p.n.data.local, remote: p.n.data.remote, state: p.n.data.state, reason: p.n.data.reason },
      })),
      facts: { variant: 'capture', pairs: pairs.length, from: first, errors: errors.length },
    },
  ];
}
