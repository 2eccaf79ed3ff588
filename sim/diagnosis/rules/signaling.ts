import { agents } from '../agents.ts';
import { evidence, seconds, TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/**
 * Signaling that kept ICE or DTLS from starting: messages sent and never delivered, a description or candidates
 * that never came, end-of-candidates missing while every pair had failed, and descriptions the peer could not use
 * (RFC 8829 / RFC 8839 / RFC 8842 mismatches the peer reported).
 */
export function signalingFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  const received = x.of('signaling.received');
  const delivered = new Set(received.map((r) => messageKey(r.n.data)));
  // a message the signaling server forwarded changed (its mangle rules) arrived, though not as it was sent
  const changed = x.of('signaling.mangled').filter((m) => !m.n.data.dropped).map((m) => `${m.n.data.from}\u0000${m.n.data.to}\u0000${m.n.data.message}`);
  const lost = x.of('signaling.sent').filter((s) => {
    if (s.n.data.arrives !== undefined && s.n.data.arrives > x.end) return false;
    if (delivered.has(messageKey(s.n.data))) return false;
    const i = changed.indexOf(`${s.n.data.from}\u0000${s.n.data.to}\u0000${s.n.data.message}`);
    if (i < 0) return true;
    changed.splice(i, 1);
    return false;
  });
  const droppedBy = x.of('signaling.mangled').filter((m) => m.n.data.dropped);
  const byPair = new Map<string, typeof lost>();
  for (const s of lost) {
    const k = `${s.n.data.from} → ${s.n.data.to}`;
    byPair.set(k, [...(byPair.get(k) ?? []), s]);
  }
  const failed = new Set(agents(x).filter((a) => !a.up).map((a) => a.host));
  for (const [k, list] of byPair) {
    const to = list[0]!.n.data.to;
    const what = [...new Set(list.map((s) => s.n.data.message))].join(', ');
    out.push({
      cause: list.some((s) => s.n.data.message === 'candidate') ? 'signaling.candidates-lost' : 'signaling.message-lost',
      severity: failed.has(TraceIndex.host(to)) ? 'failure' : 'degradation',
      subject: list[0]!.n.data.from,
      t: list[0]!.n.t,
      text: `${list.length} signaling message(s) ${k} (${what}) were sent and never delivered${droppedBy.some((m) => m.n.data.from === list[0]!.n.data.from && m.n.data.to === to) ? ': the signaling server dropped them' : ''}`,
      evidence: evidence([], [...list.map((s) => s.i), ...droppedBy.filter((m) => m.n.data.from === list[0]!.n.data.from && m.n.data.to === to).map((m) => m.i)]),
      fix: `make the signaling channel deliver every message from ${list[0]!.n.data.from} to ${to}`,
      details: list.slice(0, 20).map((s) => ({ text: `${seconds(s.n.t)}: ${s.n.text}`, evidence: evidence([], [s.i]) })),
      facts: { from: list[0]!.n.data.from, to, messages: list.length, what, byServer: droppedBy.some((m) => m.n.data.from === list[0]!.n.data.from && m.n.data.to === to) ? 1 : 0 },
    });
  }
  for (const e of x.of('signaling.error')) {
    out.push({ cause: 'signaling.error', severity: 'failure', subject: e.n.data.from, t: e.n.t, text: e.n.text, evidence: evidence([], [e.i]), fix: `fix the message ${e.n.data.from} sends to ${e.n.data.to}`, details: [], facts: { from: e.n.data.from, to: e.n.data.to } });
  }
  for (const a of agents(x)) {
    // an ICE-lite agent (RFC 8445 §2.5) forms no pairs and needs no candidates: it answers the checks that reach it,
    // and an SFU's learns nothing from a description; the controlling side's findings say why none came
    if (a.up || a.lite) continue;
    const descriptions = x.from('ice.remote.description', a.source);
    const sent = x.of('ice.signal.sent').filter((s) => s.n.source !== a.source && s.n.data.message === 'description');
    if (descriptions.length === 0) {
      out.push({
        cause: 'signaling.no-description',
        severity: 'failure',
        subject: a.host,
        t: x.end,
        text: `${a.host}'s ICE never started checking: no remote description (offer or answer) reached it`,
        evidence: evidence([], [a.states[0]!.i, ...sent.map((s) => s.i)]),
        fix: `deliver the peer's description to ${a.host}`,
        details: [],
        facts: { host: a.host },
      });
      continue;
    }
    const candidates = x.from('ice.candidate.remote', a.source).filter((c) => c.n.data.generation === a.generation);
    const eoc = x.from('ice.remote.end-of-candidates', a.source).filter((c) => c.n.data.generation === a.generation);
    const pairs = x.from('ice.pair.state', a.source).filter((p) => (p.n.data.generation ?? 0) === a.generation);
    if (candidates.length === 0 && pairs.length === 0) {
      out.push({
        cause: 'signaling.no-candidates',
        severity: 'failure',
        subject: a.host,
        t: descriptions[0]!.n.t,
        text: `${a.host} got the peer's description at ${seconds(descriptions[0]!.n.t)} but never one of its candidates: no pair could be formed`,
        evidence: evidence([], [descriptions[0]!.i, ...eoc.map((e) => e.i)]),
        fix: `deliver the peer's candidates to ${a.host} (trickled, or in the description)`,
        details: [],
        facts: { host: a.host, at: descriptions[0]!.n.t },
      });
    } else if (eoc.length === 0 && a.final === 'checking') {
      const last = new Map<string, string>();
      for (const p of pairs) last.set(p.n.data.pair, p.n.data.state);
      if ([...last.values()].every((s) => s === 'failed')) {
        out.push({
          cause: 'signaling.no-end-of-candidates',
          severity: 'failure',
          subject: a.host,
          t: x.end,
          text: `every pair of ${a.host} had failed, but it kept waiting in checking for more candidates: end-of-candidates never came (RFC 8838 §8.2)`,
          evidence: evidence([], [descriptions[0]!.i, ...pairs.filter((p) => p.n.data.state === 'failed').map((p) => p.i)]),
          fix: `send end-of-candidates (a=end-of-candidates) to ${a.host} once gathering is complete`,
          details: [],
          facts: { host: a.host },
        });
      }
    }
  }
  // descriptions a peer could not use, or used with a problem
  for (const s of x.of('peer.sdp.invalid')) {
    const host = TraceIndex.host(s.n.source);
    const d = s.n.data;
    const error = 'error' in d ? d.error : 'it came in the wrong signaling state';
    out.push({
      cause: sdpCause(error),
      severity: 'failure',
      subject: host,
      t: s.n.t,
      text: `${host} could not use the remote ${'type' in d ? d.type : 'description'}: ${error}`,
      evidence: evidence([], [s.i]),
      fix: sdpFix(error, host),
      details: [],
      facts: { variant: 'invalid', host, type: 'type' in d ? d.type : '', error },
    });
  }
  for (const s of x.of('peer.sdp.problem')) {
    const host = TraceIndex.host(s.n.source);
    const problem = 'problem' in s.n.data ? s.n.data.problem : 'the remote fingerprint changed';
    out.push({ cause: sdpCause(problem), severity: 'degradation', subject: host, t: s.n.t, text: `${host}: the remote description has a problem: ${problem}`, evidence: evidence([], [s.i]), fix: sdpFix(problem, host), details: [], facts: { variant: 'problem', host, error: problem } });
  }
  // RFC 8842 §5.1: one side must be active and the other passive
  const roles = x.of('peer.dtls-role');
  for (const role of ['client', 'server'] as const) {
    const same = roles.filter((r) => r.n.data.role === role);
    // a side whose handshake finished had a peer in the other role (an SFU client is a client of the SFU); a side
    // whose DTLS never started (its ICE never connected) sent no ClientHello and waited for none: its role proves nothing
    const stuck = same.filter((r) => {
      const states = x.from('dtls.state', r.n.source);
      return !states.some((s) => s.n.data.to === 'connected') && states.some((s) => s.n.data.to === 'connecting');
    });
    const hosts = [...new Set(stuck.map((r) => TraceIndex.host(r.n.source)))];
    if (hosts.length < 2) continue;
    const setup = role === 'client' ? 'active' : 'passive';
    out.push({
      cause: role === 'client' ? 'sdp.setup-both-active' : 'sdp.setup-both-passive',
      severity: 'failure',
      subject: hosts.join(' and '),
      t: stuck[1]!.n.t,
      text: `${hosts.join(' and ')} both took the DTLS ${role} role: a=setup:${setup} on both sides (RFC 8842 §5.1), so ${role === 'client' ? 'each sends a ClientHello and neither answers one' : 'each waits for a ClientHello that nobody sends'}`,
      evidence: evidence([], stuck.map((r) => r.i)),
      // RFC 8842 §5.1: the offerer says actpass, the answerer picks active or passive; exactly one side ends up active
      fix: role === 'client'
        ? 'only one side may be active: offer a=setup:actpass and answer with a=setup:active (or passive), and never make the other side active too'
        : 'one side must be active: offer a=setup:actpass and answer it with a=setup:active, not passive',
      details: [],
      facts: { hostA: hosts[0]!, hostB: hosts[1]! },
    });
  }
  return out;
}

function messageKey(d: { from: string; to: string; message: string; candidate?: string; sdp?: string; json?: string; ufrag?: string }): string {
  return `${d.from}\u0000${d.to}\u0000${d.message}\u0000${d.candidate ?? d.sdp ?? d.json ?? d.ufrag ?? ''}`;
}

function sdpCause(text: string): string {
  const t = text.toLowerCase();
  if (t.includes('fingerprint')) return 'sdp.fingerprint';
  if (t.includes('ufrag') || t.includes('pwd')) return 'sdp.ice-credentials';
  if (t.includes('codec') || t.includes('payload')) return 'sdp.no-common-codec';
  if (t.includes('bundle')) return 'sdp.bundle';
  if (t.includes('setup')) return 'sdp.setup';
  return 'sdp.invalid';
}

function sdpFix(text: string, host: string): string {
  switch (sdpCause(text)) {
    case 'sdp.fingerprint':
      return `send ${host} the a=fingerprint of the certificate the peer really uses`;
    case 'sdp.ice-credentials':
      return `send ${host} a description with a=ice-ufrag and a=ice-pwd (RFC 8839 §5.4)`;
    case 'sdp.no-common-codec':
      return `offer a codec ${host} supports (Opus, VP8)`;
    case 'sdp.bundle':
      return 'bundle every media section on one transport (RFC 9143)';
    case 'sdp.setup':
      return 'answer a=setup:actpass with active or passive (RFC 8842 §5.1)';
    default:
      return `send ${host} a description it can use`;
  }
}
