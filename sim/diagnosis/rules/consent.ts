import { agents } from '../agents.ts';
import { describeDrop, dropFacts, dropGroups, transactionFate } from '../drops.ts';
import { evidence, mergeEvidence, seconds, type TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/**
 * Consent lost (RFC 7675 §5.1): the selected pair's consent checks went unanswered for 30 s. Why they did (the
 * drops of the checks sent since the last answer) and whether the agent got back (an ICE restart that connected).
 */
export function consentFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  for (const a of agents(x)) {
    for (const lost of x.from('ice.consent.lost', a.source)) {
      const pair = lost.n.data.pair;
      const gen = lost.n.data.generation;
      const answered = x.from('ice.check.response', a.source).filter((r) => r.n.data.pair === pair && r.n.data.generation === gen && r.n.data.result === 'success' && r.n.t <= lost.n.t);
      const since = answered.length ? answered[answered.length - 1]!.n.t : 0;
      const unanswered = x.from('ice.check.sent', a.source).filter((c) => c.n.data.pair === pair && c.n.data.generation === gen && c.n.t > since && c.n.t <= lost.n.t);
      const fate = transactionFate(x, unanswered.map((c) => c.n.data.transactionId));
      const g = dropGroups(fate.drops)[0];
      const disconnected = a.states.find((s) => s.n.data.generation === gen && s.n.data.state === 'disconnected' && s.n.t <= lost.n.t);
      const back = a.states.find((s) => s.n.t > lost.n.t && (s.n.data.state === 'connected' || s.n.data.state === 'completed'));
      const restart = x.from('ice.restart', a.source).find((r) => r.n.t >= lost.n.t);
      const linkChange = x.of('link.changed').filter((l) => l.n.t <= lost.n.t && (!g || l.n.data.link === g.drop.where));
      const why = g ? `its consent checks were dropped ${describeDrop(g.drop)}` : 'its consent checks went unanswered';
      out.push({
        cause: 'ice.consent-lost',
        severity: back ? 'degradation' : 'failure',
        subject: a.host,
        t: lost.n.t,
        text: `${a.host} lost consent on ${pair} at ${seconds(lost.n.t)}: no answer since ${seconds(since)} (RFC 7675 §5.1); ${why}${back ? `; it recovered at ${seconds(back.n.t)}${restart ? ' after an ICE restart' : ''}` : ''}`,
        evidence: mergeEvidence(fate.evidence, evidence([], [lost.i, ...(disconnected ? [disconnected.i] : []), ...linkChange.map((l) => l.i), ...(restart ? [restart.i] : []), ...(back ? [back.i] : [])])),
        fix: g?.drop.kind === 'link-down' ? `keep link ${g.drop.where} up, and restart ICE when consent is lost` : restart ? 'keep a path between the peers (the restart worked around it)' : `restart ICE when consent is lost (RFC 8445 §9), or keep a path between the peers`,
        details: [],
        facts: { host: a.host, pair, lostAt: lost.n.t, since, ...(back ? { backAt: back.n.t } : {}), restart: restart ? 1 : 0, ...dropFacts(g) },
      });
    }
  }
  return out;
}

/**
 * Disconnected when the trace ends: the agent had a working pair, then its consent checks went unanswered long
 * enough to call the path broken (RFC 7675 §5.1 leaves the transient state to the implementation; ours after 10 s),
 * and the trace ended before consent was either refreshed or lost for good. Not "never connected": it was.
 */
export function disconnectedFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  for (const a of agents(x)) {
    if (a.final !== 'disconnected') continue;
    const last = a.states[a.states.length - 1]!;
    const gen = last.n.data.generation;
    const up = a.states.filter((s) => s.n.data.generation === gen && s.n.t <= last.n.t && (s.n.data.state === 'connected' || s.n.data.state === 'completed'));
    const upAt = up[up.length - 1];
    if (!upAt) continue; // never up in this generation: ice-pairs.ts tells why its checks failed
    const selected = x.from('ice.selected', a.source).filter((s) => (s.n.data.generation ?? gen) === gen && s.n.t <= last.n.t);
    const pair = selected[selected.length - 1]?.n.data.pair;
    const answered = x.from('ice.check.response', a.source).filter((r) => r.n.data.generation === gen && r.n.data.result === 'success' && r.n.t <= last.n.t && (pair === undefined || r.n.data.pair === pair));
    // consent runs from the selection on (the agent's clock starts there, not at the pair's first answer)
    const since = Math.max(answered.length ? answered[answered.length - 1]!.n.t : 0, upAt.n.t);
    const unanswered = x.from('ice.check.sent', a.source).filter((c) => c.n.data.generation === gen && c.n.t > since && (pair === undefined || c.n.data.pair === pair));
    const fate = transactionFate(x, unanswered.map((c) => c.n.data.transactionId));
    const g = dropGroups(fate.drops)[0];
    const why = g ? `its consent checks were dropped ${describeDrop(g.drop)}` : 'its consent checks went unanswered';
    out.push({
      cause: 'ice.disconnected',
      severity: 'failure',
      subject: a.host,
      t: last.n.t,
      text: `${a.host} was connected${pair ? ` on ${pair}` : ''} at ${seconds(upAt.n.t)}, then disconnected at ${seconds(last.n.t)} and still was when the trace ends at ${seconds(x.end)}: no consent answer since ${seconds(since)}; ${why}`,
      evidence: mergeEvidence(fate.evidence, evidence([], [upAt.i, last.i, ...(selected.length ? [selected[selected.length - 1]!.i] : [])])),
      fix: g?.drop.kind === 'loss' ? `lower the loss on link ${g.drop.where}, or run longer: consent may yet be refreshed (RFC 7675 §5.1)` : g?.drop.kind === 'link-down' ? `keep link ${g.drop.where} up, and restart ICE when consent is lost` : 'keep a path between the peers, and restart ICE if consent is lost (RFC 8445 §9)',
      details: [],
      facts: { host: a.host, ...(pair ? { pair } : {}), upAt: upAt.n.t, downAt: last.n.t, end: x.end, since, ...dropFacts(g) },
    });
  }
  return out;
}
