import { agents } from '../agents.ts';
import { describeDrop, dropFacts, dropGroups, transactionFate } from '../drops.ts';
import { evidence, mergeEvidence, seconds, TraceIndex } from '../trace-index.ts';
import type { Finding, Severity } from '../types.ts';
import { udpBlocked } from './relay-fix.ts';
import { turnAttempts } from './turn-attempts.ts';
import { mismatchStory } from './turn-mismatch.ts';

/** RFC 8656 §6.4 / RFC 8489 §14.8 error codes an Allocate can end with, and what each means for the client. */
const TURN_ERRORS: Readonly<Record<number, { cause: string; why: string; fix: (host: string, server: string) => string }>> = {
  401: { cause: 'turn.auth', why: 'the Allocate with MESSAGE-INTEGRITY was refused with 401 Unauthorized again: wrong username or password for the realm', fix: (h, s) => `give ${h} the right TURN username and password for ${s}` },
  403: { cause: 'turn.forbidden', why: '403 Forbidden: the server refuses this client or its request', fix: (h, s) => `ask ${s}'s operator to allow ${h}` },
  437: { cause: 'turn.allocation-mismatch', why: '437 Allocation Mismatch: the 5-tuple already has an allocation, or none for a refresh', fix: (h) => `let ${h} allocate from a fresh local port` },
  438: { cause: 'turn.stale-nonce', why: '438 Stale Nonce that the client did not retry with the new NONCE', fix: (h) => `make ${h} retry with the NONCE of the 438 answer (RFC 8489 §9.2.4)` },
  441: { cause: 'turn.wrong-credentials', why: '441 Wrong Credentials: the request used other credentials than the allocation', fix: (h) => `make ${h} use one set of credentials per allocation` },
  486: { cause: 'turn.quota', why: '486 Allocation Quota Reached: the user already holds as many allocations as the server allows', fix: (h, s) => `release ${h}'s old allocations on ${s}, or raise its quota` },
  508: { cause: 'turn.capacity', why: '508 Insufficient Capacity: the server has no relayed port left', fix: (_h, s) => `give ${s} a larger relay port range` },
};

/**
 * The server's notes about the requests whose answers were dropped (`stun.binding.answered`, about the same
 * datagram's request): where the answers left from.
 */
function answeredFrom(x: TraceIndex, server: string, dropHops: readonly number[]): { source: string | undefined; notes: number[] } {
  const answered = x.of('stun.binding.answered').filter((n) => n.n.data.to === server);
  // each dropped answer was sent when the server noted it: the last such note before the answer entered its first link
  const notes = dropHops.flatMap((h) => {
    const packet = x.hops[h]!.packet;
    const sentAt = Math.min(...x.hopsOfPacket(packet).map((i) => x.hops[i]!.t), x.hops[h]!.t);
    const n = answered.filter((a) => a.n.t <= sentAt).pop();
    return n ? [n] : [];
  });
  return { source: notes[0]?.n.data.source, notes: [...new Set(notes.map((n) => n.i))] };
}

/** Whether the host's call (or ICE) failed: gathering problems then are part of why, else they only cost a fallback. */
function severityFor(x: TraceIndex, host: string): Severity {
  const a = agents(x).filter((s) => s.host === host);
  // a scripted TURN client (no ICE agent) asked for the allocation itself: without it, its script failed
  if (a.length === 0) return 'failure';
  return a.some((s) => !s.up) ? 'failure' : 'degradation';
}

/** TURN allocations that failed (401/403/437/438/486 with reasons, or no answer) and STUN servers that never answered. */
export function gatheringFindings(x: TraceIndex): Finding[] {
  if (x.capture) return [];
  const out: Finding[] = [];
  const sources = new Set(x.of('turn.allocate').map((a) => a.n.source));
  for (const source of sources) {
    const host = TraceIndex.host(source);
    for (const a of turnAttempts(x, source)) {
      if (a.outcome === 'error' && a.code === 437) {
        const m = mismatchStory(x, source, a.server, a.t);
        if (m) {
          out.push({
            cause: 'turn.allocation-mismatch',
            severity: severityFor(x, host),
            subject: host,
            t: a.t,
            text: `${host}'s Allocate to TURN server ${a.server} got 437 Allocation Mismatch at ${seconds(a.t)}: the server still holds the allocation it made at ${seconds(m.since)} for the same 5-tuple (client ${m.client}, relayed ${m.relayed}${m.lifetime !== undefined ? `, lifetime ${m.lifetime} s` : ''}), which ${host} ${m.restartAt !== undefined ? `forgot when it restarted at ${seconds(m.restartAt)}` : 'no longer uses'} without deleting it (RFC 8656 §7.2)`,
            evidence: mergeEvidence(a.evidence, evidence([], m.notes)),
            fix: `make ${host} delete its allocation before it goes (Refresh with LIFETIME 0, RFC 8656 §7), or allocate from another local port after a restart (RFC 8656 §7.4)`,
            details: [],
            facts: { host, server: a.server, code: 437, at: a.t, client: m.client, relayed: m.relayed, since: m.since, ...(m.lifetime !== undefined ? { lifetime: m.lifetime } : {}), ...(m.restartAt !== undefined ? { restartAt: m.restartAt } : {}) },
          });
          continue;
        }
      }
      if (a.outcome === 'error') {
        const e = TURN_ERRORS[a.code ?? 0];
        out.push({
          cause: e?.cause ?? 'turn.error',
          severity: severityFor(x, host),
          subject: host,
          t: a.t,
          text: `${host} got no relayed candidate from TURN server ${a.server}: ${e?.why ?? `the Allocate ended with error ${a.code}`}`,
          evidence: a.evidence,
          fix: e ? e.fix(host, a.server) : `fix ${host}'s TURN request (error ${a.code})`,
          details: [],
          facts: { host, server: a.server, ...(a.code !== undefined ? { code: a.code } : {}) },
        });
      } else if (a.outcome === 'timeout') {
        const fw = udpBlocked(a.drops);
        const g = dropGroups(a.drops)[0];
        out.push({
          cause: fw ? 'turn.udp-blocked' : 'turn.unreachable',
          severity: severityFor(x, host),
          subject: host,
          t: a.t,
          text: fw
            ? `${host} got no relayed candidate: UDP to TURN server ${a.server} is blocked at ${fw}, and no TURN server over TCP or TLS was given`
            : `${host} got no relayed candidate: TURN server ${a.server} never answered${g ? ` (${g.count} datagram(s) dropped ${describeDrop(g.drop)})` : ''}`,
          evidence: a.evidence,
          fix: fw ? `give ${host} a TURN server over TCP or TLS on port 443` : `give ${host} a TURN server it can reach`,
          details: dropGroups(a.drops).map((d) => ({ text: `${d.count} dropped ${describeDrop(d.drop)}`, evidence: evidence(d.hops, []) })),
          facts: { host, server: a.server, ...(fw ? { firewall: fw } : dropFacts(g)) },
        });
      }
    }
  }
  // STUN servers that never answered a gathering Binding request: no server-reflexive candidate
  for (const t of x.of('ice.gathering.timeout')) {
    const source = t.n.source;
    const host = TraceIndex.host(source);
    const server = t.n.data.server;
    const requests = x.from('stun.retransmit', source).filter((r) => r.n.data.to === server);
    const asked = x.from('ice.gathering.request', source).filter((r) => r.n.data.server === server);
    const fate = transactionFate(x, requests.map((r) => r.n.data.transactionId));
    const groups = dropGroups(fate.drops);
    const fw = groups.find((g) => g.drop.kind === 'firewall');
    const filtered = groups.find((g) => g.drop.kind === 'nat-filtering' || g.drop.kind === 'nat-no-mapping');
    const ev = mergeEvidence(fate.evidence, evidence([], [t.i, ...asked.map((a) => a.i)]));
    if (filtered) {
      // the answers' source: the server's own notes say where each left from (stun.binding.answered `source`)
      const answered = answeredFrom(x, server, filtered.hops);
      const elsewhere = answered.source !== undefined && answered.source !== server ? answered.source : undefined;
      out.push({
        cause: 'stun.answer-filtered',
        severity: severityFor(x, host),
        subject: host,
        t: t.n.t,
        text: elsewhere
          ? `${host} got no server-reflexive candidate: STUN server ${server} answered ${filtered.count} request(s) from another address, ${elsewhere}, and ${filtered.drop.where} dropped every answer (${filtered.drop.why})`
          : `${host} got no server-reflexive candidate: STUN server ${server} answered, but ${filtered.drop.where} dropped the answer (${filtered.drop.why})`,
        evidence: mergeEvidence(ev, evidence([], answered.notes)),
        fix: elsewhere
          ? `make STUN server ${server} answer from the address it is asked at (RFC 8489 §6.3), or make ${filtered.drop.where} filter endpoint-independently (RFC 4787 REQ-8)`
          : `make ${filtered.drop.where} let in answers from the server it was sent to (endpoint-independent or address-dependent filtering)`,
        details: dropGroups(fate.drops).map((d) => ({ text: `${d.count} answer(s) dropped ${describeDrop(d.drop)}`, evidence: evidence(d.hops, []) })),
        facts: { host, server, nat: filtered.drop.where, ...(elsewhere ? { from: elsewhere, count: filtered.count } : {}) },
      });
    } else {
      out.push({
        cause: fw ? 'stun.udp-blocked' : 'stun.unreachable',
        severity: severityFor(x, host),
        subject: host,
        t: t.n.t,
        text: fw
          ? `${host} got no server-reflexive candidate: its Binding requests to STUN server ${server} were dropped at ${fw.drop.where} (${fw.drop.why})`
          : `${host} got no server-reflexive candidate: STUN server ${server} never answered by ${seconds(t.n.t)}${groups[0] ? ` (${groups[0].count} dropped ${describeDrop(groups[0].drop)})` : ''}`,
        evidence: ev,
        fix: fw ? `let UDP to ${server} through ${fw.drop.where}, or give ${host} a TURN server over TCP or TLS on port 443` : `give ${host} a STUN server it can reach`,
        details: [],
        facts: { host, server, at: t.n.t, ...(fw ? { firewall: fw.drop.where } : dropFacts(groups[0])) },
      });
    }
  }
  return out;
}
