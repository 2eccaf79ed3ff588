import { agents, type AgentStory } from '../agents.ts';
import { evidence, seconds, TraceIndex, type Indexed } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/** The agent's role at a moment: its first note's, then each `ice.role` switch up to then. */
function roleAt(x: TraceIndex, source: string, t: number): string | undefined {
  const first = x.from('ice.state', source)[0]?.n.data;
  let role = first && first.state === 'new' && 'role' in first ? first.role : undefined;
  for (const r of x.from('ice.role', source)) if (r.n.t <= t) role = r.n.data.role;
  return role;
}

const direct = (p: { localType?: string; remoteType?: string }): boolean => p.localType !== undefined && p.localType !== 'relay' && p.remoteType !== 'relay';

/**
 * The selected pair is relayed although a direct pair worked: the call pays a relay's delay and cost for nothing.
 * Told of the agent that nominated it (a controlled agent's selection follows its peer's nomination, and the peer's
 * finding says why), with when the direct candidates arrived, what made the agent nominate, and the direct pair's
 * success (its own, or, when it never checked it, its peer's on the same two addresses).
 */
export function selectedPairFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  const all = agents(x);
  for (const a of all) {
    const selected = x.from('ice.selected', a.source).filter((s) => (s.n.data.generation ?? 0) === a.generation);
    const sel = selected[selected.length - 1];
    if (!sel || (sel.n.data.localType !== 'relay' && sel.n.data.remoteType !== 'relay')) continue;
    const controlling = roleAt(x, a.source, sel.n.t) !== 'controlled';
    // a controlled agent selects what its peer nominated: tell it of the peer, if the trace has the peer's agent
    if (!controlling && all.some((b) => b.source !== a.source && !b.lite)) continue;
    const found = directSuccess(x, a, all);
    if (!found) continue;
    const { pair, by } = found;
    const before = pair.n.t <= sel.n.t;
    const kind = `${pair.n.data.localType ?? '?'} → ${pair.n.data.remoteType ?? '?'}`;
    const nominating = x.from('ice.nominating', a.source).filter((n) => (n.n.data.generation ?? 0) === a.generation && n.n.t <= sel.n.t && n.n.data.pair === sel.n.data.pair).pop();
    // the remote candidate of the direct pair: when signaling brought it
    const remoteAddress = pair.n.data.remote.split(' ').pop() ?? '';
    const arrived = x.from('ice.candidate.remote', a.source).find((c) => (c.n.data.generation ?? 0) === a.generation && c.n.data.address === remoteAddress && by === a.host);
    const late = arrived !== undefined && arrived.n.t > (nominating?.n.t ?? sel.n.t);
    const why = nominating ? ` (${nominating.n.data.reason})` : '';
    const whose = by === a.host ? '' : ` (checked by ${by}; ${a.host} never checked it)`;
    const text = before
      ? `${a.host} selected the relayed pair ${sel.n.data.pair} at ${seconds(sel.n.t)}${why} although the direct pair ${pair.n.data.pair} (${kind}) had succeeded at ${seconds(pair.n.t)}${whose}`
      : `${a.host} nominated the relayed pair ${sel.n.data.pair} at ${seconds(sel.n.t)}${why}${late ? `, before the direct candidate ${remoteAddress} arrived at ${seconds(arrived!.n.t)}` : ''}, and kept it after the direct pair ${pair.n.data.pair} (${kind}) succeeded at ${seconds(pair.n.t)}${whose}: media goes through the relay for the rest of the call`;
    const checkHops = x.capture ? [] : x.from('ice.check.response', by === a.host ? a.source : found.source).filter((r) => r.n.data.pair === pair.n.data.pair && r.n.data.result === 'success' && 'transactionId' in r.n.data).flatMap((r) => ('transactionId' in r.n.data ? x.transactionHops(r.n.data.transactionId) : []));
    out.push({
      cause: 'ice.relay-selected',
      severity: 'degradation',
      subject: a.host,
      t: sel.n.t,
      text,
      evidence: evidence(checkHops, [sel.i, pair.i, ...(nominating ? [nominating.i] : []), ...(late ? [arrived!.i] : [])]),
      fix: before
        ? `let ${a.host} nominate the highest-priority valid pair (regular nomination, RFC 8445 §8.1.1)`
        : `let ${a.host} renominate when a better pair becomes valid (libwebrtc's semi-aggressive nomination), or nominate later (the direct pair needed ${seconds(pair.n.t)})`,
      details: [],
      facts: { host: a.host, relayed: sel.n.data.pair, selectedAt: sel.n.t, direct: pair.n.data.pair, directKind: kind, directAt: pair.n.t, before: before ? 1 : 0, by, ...(late ? { arrivedAt: arrived!.n.t, candidate: remoteAddress } : {}) },
    });
  }
  return out;
}

/** A direct pair that succeeded: the agent's own, else its peer's (the agent never checked it, the peer did). */
function directSuccess(x: TraceIndex, a: AgentStory, all: readonly AgentStory[]): { pair: Indexed<'ice.pair.state'>; by: string; source: string } | undefined {
  const own = x.from('ice.pair.state', a.source).find((p) => (p.n.data.generation ?? 0) === a.generation && p.n.data.state === 'succeeded' && direct(p.n.data));
  if (own) return { pair: own, by: a.host, source: a.source };
  for (const b of all) {
    if (b.source === a.source) continue;
    const theirs = x.from('ice.pair.state', b.source).find((p) => (p.n.data.generation ?? 0) === b.generation && p.n.data.state === 'succeeded' && direct(p.n.data));
    if (theirs) return { pair: theirs, by: b.host, source: b.source };
  }
  return undefined;
}
