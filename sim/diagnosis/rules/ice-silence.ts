import type { AgentStory } from '../agents.ts';
import { evidence, seconds, TraceIndex, type Indexed } from '../trace-index.ts';
import type { PairVerdict } from './ice-pairs.ts';

/**
 * Checks that were delivered and never answered, none dropped on the way (ice-pairs.ts tells the dropped ones): where
 * they ended (the node the last hop of each delivered them to, and that hop), and what the peer's agent did with them:
 * nothing noted at all (it ignored them: a fault noted on purpose says so), or noted and answered with nothing that
 * came back.
 */
export function silentPeerVerdict(
  x: TraceIndex,
  a: AgentStory,
  pair: Indexed<'ice.pair.state'>,
  sent: readonly Indexed<'ice.check.sent'>[],
  transmissions: number,
  timeouts: readonly Indexed<'ice.check.timeout'>[],
): PairVerdict | undefined {
  if (x.capture || sent.length === 0) return undefined;
  const p = pair.n.data;
  const tids = new Set(sent.map((c) => c.n.data.transactionId));
  // each check datagram's last hop: the one that handed it to the node it ended at
  const lastOfPacket = new Map<number, number>();
  for (const h of x.stunHops()) {
    if (h.stun.cls !== 'request' || !tids.has(h.stun.tid)) continue;
    const hop = x.hops[h.hop]!;
    if (hop.drop !== undefined) return undefined; // a drop is dropVerdict's to tell
    lastOfPacket.set(hop.packet, h.hop);
  }
  const last = [...lastOfPacket.values()].sort((u, v) => u - v);
  const lastHop = last.length ? x.hops[last[last.length - 1]!] : undefined;
  if (!lastHop) return undefined;
  const answers = x.stunHops().filter((h) => h.stun.cls !== 'request' && h.stun.cls !== 'indication' && tids.has(h.stun.tid));
  if (answers.length > 0) return undefined; // answered, then lost or refused: other verdicts tell it
  const device = lastHop.to;
  const peerSources = new Set(x.of('ice.state').filter((s) => TraceIndex.host(s.n.source) === device).map((s) => s.n.source));
  const received = x.of('ice.check.received').filter((r) => peerSources.has(r.n.source) && tids.has(r.n.data.transactionId));
  const faults = x.of('ice.fault').filter((f) => peerSources.has(f.n.source) && f.n.data.fault === 'ignore-checks');
  const when = timeouts[0] ? ` before the check timed out at ${seconds(timeouts[0].n.t)}` : ' by the end of the trace';
  const where = `all ${last.length} reached ${device}, the last on hop #${lastHop.index} at ${seconds(lastHop.arrive)}`;
  const peer = peerSources.size === 0
    ? `${device} runs no ICE agent that read them`
    : received.length === 0
      ? `${device}'s ICE agent noted none of them and sent no answer${faults.length ? ' (fault injected on purpose: ignore-checks)' : ''}`
      : `${device}'s ICE agent read ${received.length} of them but no answer left it`;
  const fix = faults.length
    ? `remove ignore-checks from ${device}'s faults: an agent answers every authentic check (RFC 8445 §7.3)`
    : peerSources.size === 0
      ? `send the checks to the address ${device}'s ICE agent listens on`
      : `make ${device}'s ICE agent answer the checks it receives (RFC 8445 §7.3)`;
  return {
    cause: 'ice.no-response',
    text: `${p.local} → ${p.remote}: no answer to ${transmissions} transmission(s)${when}; none was dropped on the way: ${where}, and ${peer}`,
    facts: {
      kind: 'pair-silent', local: p.local, remote: p.remote, transmissions, ...(timeouts[0] ? { timedOutAt: timeouts[0].n.t } : {}), count: last.length, device, lastHop: lastHop.index, lastAt: lastHop.arrive,
      peerState: peerSources.size === 0 ? 'none' : received.length === 0 ? 'ignored' : 'read', read: received.length, fault: faults.length ? 'ignore-checks' : '',
    },
    evidence: evidence(last, [pair.i, ...timeouts.map((t) => t.i), ...received.map((r) => r.i), ...faults.map((f) => f.i)]),
    fix,
    agentAtFault: peerSources.size > 0,
    fixFacts: faults.length ? { fixKind: 'remove-fault', fixA: device, fixB: 'ignore-checks' } : { fixKind: 'answer-checks', fixA: device },
    headline: {
      text: `${a.host}'s checks reached ${device} (the last on hop #${lastHop.index}) and ${received.length === 0 ? 'were never answered' : 'were read but never answered'}${faults.length ? ' (fault injected on purpose: ignore-checks)' : ''}`,
      facts: { device, lastHop: lastHop.index, read: received.length, fault: faults.length ? 'ignore-checks' : '' },
    },
  };
}
