import { agents } from '../agents.ts';
import { evidence, seconds, type TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/** The selected pair is relayed although a direct pair had succeeded: the call pays a relay's delay and cost. */
export function selectedPairFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  for (const a of agents(x)) {
    const selected = x.from('ice.selected', a.source).filter((s) => (s.n.data.generation ?? 0) === a.generation);
    const sel = selected[selected.length - 1];
    if (!sel || (sel.n.data.localType !== 'relay' && sel.n.data.remoteType !== 'relay')) continue;
    const direct = x
      .from('ice.pair.state', a.source)
      .find((p) => (p.n.data.generation ?? 0) === a.generation && p.n.data.state === 'succeeded' && p.n.data.localType !== 'relay' && p.n.data.remoteType !== 'relay');
    if (!direct) continue;
    const before = direct.n.t <= sel.n.t;
    const kind = `${direct.n.data.localType ?? '?'} → ${direct.n.data.remoteType ?? '?'}`;
    out.push({
      cause: 'ice.relay-selected',
      severity: 'degradation',
      subject: a.host,
      t: sel.n.t,
      text: before
        ? `${a.host} selected the relayed pair ${sel.n.data.pair} at ${seconds(sel.n.t)} although the direct pair ${direct.n.data.pair} (${kind}) had succeeded at ${seconds(direct.n.t)}`
        : `${a.host} selected the relayed pair ${sel.n.data.pair} at ${seconds(sel.n.t)} and kept it after the direct pair ${direct.n.data.pair} (${kind}) succeeded at ${seconds(direct.n.t)}: media goes through the relay for the rest of the call`,
      evidence: evidence([], [sel.i, direct.i]),
      fix: before
        ? `let ${a.host} nominate the highest-priority valid pair (regular nomination, RFC 8445 §8.1.1)`
        : `let ${a.host} nominate later, or renominate when a direct pair becomes valid (the direct pair needed ${seconds(direct.n.t)})`,
      details: [],
    });
  }
  return out;
}
