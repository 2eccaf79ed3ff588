import { agents } from '../agents.ts';
import { describeDrop, dropGroups, transactionFate } from '../drops.ts';
import { evidence, mergeEvidence, seconds, TraceIndex } from '../trace-index.ts';
import type { Finding, Severity } from '../types.ts';
import { udpBlocked } from './relay-fix.ts';
import { turnAttempts } from './turn-attempts.ts';

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

/** Whether the host's call (or ICE) failed: gathering problems then are part of why, else they only cost a fallback. */
function severityFor(x: TraceIndex, host: string): Severity {
  const a = agents(x).filter((s) => s.host === host);
  return a.length > 0 && a.some((s) => !s.up) ? 'failure' : 'degradation';
}

/** TURN allocations that failed (401/403/437/438/486 with reasons, or no answer) and STUN servers that never answered. */
export function gatheringFindings(x: TraceIndex): Finding[] {
  if (x.capture) return [];
  const out: Finding[] = [];
  const sources = new Set(x.of('turn.allocate').map((a) => a.n.source));
  for (const source of sources) {
    const host = TraceIndex.host(source);
    for (const a of turnAttempts(x, source)) {
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
      out.push({
        cause: 'stun.answer-filtered',
        severity: severityFor(x, host),
        subject: host,
        t: t.n.t,
        text: `${host} got no server-reflexive candidate: STUN server ${server} answered, but ${filtered.drop.where} dropped the answer (${filtered.drop.why})`,
        evidence: ev,
        fix: `make ${filtered.drop.where} let in answers from the server it was sent to (endpoint-independent or address-dependent filtering)`,
        details: [],
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
      });
    }
  }
  return out;
}
