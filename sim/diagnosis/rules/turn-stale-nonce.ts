import { agents } from '../agents.ts';
import { classifyDrop } from '../drops.ts';
import { evidence, seconds, TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/** What each TURN request kind keeps alive (session.ts TurnRequestKind). */
const WHAT: Readonly<Record<string, string>> = {
  refresh: 'Refresh',
  permission: 'CreatePermission',
  channel: 'ChannelBind',
  deallocate: 'Refresh (LIFETIME 0)',
  connect: 'Connect',
};

/**
 * 438 Stale Nonce that a client did not retry (RFC 8489 §9.2.4 asks it to retry at once with the NONCE of the
 * answer). A server may let a nonce go stale whenever it likes (coturn's stale-nonce); a client that recovers leaves
 * only its turn.auth 438 notes and no finding. One that gives up loses what the request kept alive: a permission
 * lapses after 300 s (RFC 8656 §9), a channel after 600 s (§12), the allocation at its lifetime's end (§8). The
 * finding names the 438 and what the server dropped afterwards for want of the permission. Allocate's 438 is
 * gathering.ts's (the attempt never got a relayed candidate).
 */
export function staleNonceFindings(x: TraceIndex): Finding[] {
  if (x.capture) return [];
  const out: Finding[] = [];
  const up = new Map(agents(x).map((a) => [a.host, a.up]));
  const given = x.of('turn.error').filter((e) => 'request' in e.n.data && e.n.data.code === 438 && e.n.data.request !== 'allocate');
  for (const source of new Set(given.map((g) => g.n.source))) {
    const host = TraceIndex.host(source);
    const mine = given.filter((g) => g.n.source === source);
    const first = mine[0]!;
    const server = 'server' in first.n.data ? first.n.data.server : '';
    const requests = [...new Set(mine.map((g) => ('request' in g.n.data ? WHAT[g.n.data.request] ?? g.n.data.request : '')))];
    // the relayed address of the client's allocation on that server, and what the server let lapse on it afterwards
    const relayed = x.from('turn.allocated', source).filter((a) => a.n.data.server === server).pop()?.n.data.relayed;
    const expired = relayed ? x.of('turn.permission.expired').filter((p) => p.n.data.relayed === relayed && p.n.t > first.n.t) : [];
    const peers = [...new Set(expired.map((p) => p.n.data.peer))];
    const dropped: number[] = [];
    if (relayed) {
      for (const h of x.hops) {
        if (h.t < first.n.t) continue;
        const d = classifyDrop(h);
        if (d && d.why.startsWith('TURN permission expired') && d.why.endsWith(`relayed address ${relayed}`)) dropped.push(h.index);
      }
    }
    const failed = up.get(host) === false || !up.has(host);
    const lapse = expired[0];
    out.push({
      cause: 'turn.stale-nonce',
      severity: failed && (lapse !== undefined || !up.has(host)) ? 'failure' : 'degradation',
      subject: host,
      t: first.n.t,
      text: `${host}'s ${requests.join(' and ')} to TURN server ${server} got 438 Stale Nonce at ${seconds(first.n.t)} (${mine.length} time(s)) and ${host} did not retry with the new NONCE the answer carried (RFC 8489 §9.2.4)${lapse ? `; its permission for ${peers.join(', ')} on ${relayed} lapsed at ${seconds(lapse.n.t)} (RFC 8656 §9), and the server dropped ${dropped.length} datagram(s) between ${peers.length > 1 ? 'those peers' : 'that peer'} and the relayed address from then on` : ''}`,
      evidence: evidence(dropped, [...mine.map((g) => g.i), ...expired.map((p) => p.i)]),
      fix: `make ${host} retry a request that gets 438 with the NONCE of that answer (RFC 8489 §9.2.4)`,
      details: [],
      facts: { host, server, requests: requests.join(', '), at: first.n.t, count: mine.length, ...(lapse ? { peers: peers.join(', '), relayed: relayed!, lapsedAt: lapse.n.t, dropped: dropped.length } : {}) },
    });
  }
  return out;
}
