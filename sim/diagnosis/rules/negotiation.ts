import type { JsonValue } from '../../core/trace.ts';
import { agents } from '../agents.ts';
import { evidence, TraceIndex, type Indexed } from '../trace-index.ts';
import type { Finding, Severity } from '../types.ts';

type Obj = { readonly [key: string]: JsonValue };
const obj = (v: JsonValue | undefined): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);

/**
 * What offer/answer itself cost a call: media sections the answerer rejected (no codec in common, JSEP §5.3.1),
 * media that one side negotiated not to send because the description it received said so (RFC 8829 §5.3.1
 * direction rules), and messages a signaling server changed on the way (its `mangle` rules).
 */
export function negotiationFindings(x: TraceIndex): Finding[] {
  return [...rejectedSections(x), ...directionOneWay(x), ...rewritten(x)];
}

function rejectedSections(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  for (const d of x.of('peer.description')) {
    const rejected = d.n.data.rejected ?? [];
    const codec = rejected.filter((r) => /codec in common/.test(r.reason));
    if (codec.length === 0) continue;
    const host = TraceIndex.host(d.n.source);
    const all = rejected.length >= d.n.data.mids.length;
    out.push({
      cause: 'sdp.no-common-codec',
      severity: all ? 'failure' : 'degradation',
      subject: host,
      t: d.n.t,
      text: `${host} rejected ${codec.map((r) => `mid ${r.mid}`).join(', ')} of the offer (port 0, JSEP §5.3.1): ${codec.map((r) => r.reason).join('; ')}${all ? '; nothing is left to send' : ''}`,
      evidence: evidence([], [d.i, ...received(x, host, 'offer').map((r) => r.i)]),
      fix: `offer ${host} a codec it can decode (Opus for audio, VP8 or H.264 for video) in each media section`,
      details: [],
      facts: { variant: 'rejected', host, mids: codec.map((r) => r.mid).join(', '), all: all ? 1 : 0 },
    });
  }
  return out;
}

/** The remote descriptions a host received (signaling notes at `<host>/signaling`). */
function received(x: TraceIndex, host: string, type: 'offer' | 'answer'): Indexed<'signaling.received'>[] {
  return x.of('signaling.received').filter((r) => r.n.data.to === host && r.n.data.message === type);
}

function directionOneWay(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  const srtp = obj(x.summary?.srtp);
  if (!srtp) return out;
  const entries = Object.entries(srtp).map(([source, v]) => ({ source, host: TraceIndex.host(source), s: obj(v) ?? {} }));
  for (const quiet of entries) {
    if (num(quiet.s.rtpSent) > 0) continue;
    // the description this side received told it not to send: a=sendonly (it must answer recvonly) or a=inactive
    const told = x.of('signaling.received').filter((r) => r.n.data.to === quiet.host && 'sdp' in r.n.data && /\r?\na=(sendonly|inactive)\r?\n/.test(r.n.data.sdp));
    if (told.length === 0) continue;
    const dir = /\r?\na=(sendonly|inactive)\r?\n/.exec('sdp' in told[0]!.n.data ? told[0]!.n.data.sdp : '')?.[1] ?? 'sendonly';
    for (const listener of entries) {
      // one way only: the listener's own media went the other way (a data-channel-only call sends none at all)
      if (listener === quiet || listener.s.keyed !== true || num(listener.s.rtpReceived) > 0 || num(listener.s.rtpSent) === 0) continue;
      const negotiated = x.of('peer.negotiated').filter((n) => TraceIndex.host(n.n.source) === quiet.host);
      out.push({
        cause: 'media.one-way',
        severity: 'degradation',
        subject: listener.host,
        t: told[0]!.n.t,
        text: `media flowed one way only: ${listener.host} received nothing because ${quiet.host} negotiated to send nothing: the ${told[0]!.n.data.message} ${quiet.host} received said a=${dir} (RFC 8829 §5.3.1: it answers ${dir === 'sendonly' ? 'recvonly' : 'inactive'})`,
        evidence: evidence([], [...new Set([told[0]!.i, ...negotiated.map((n) => n.i)])]),
        fix: `send ${quiet.host} a description with a=sendrecv where ${listener.host} wants to receive`,
        details: [],
        facts: { variant: 'direction', host: listener.host, quiet: quiet.host, message: told[0]!.n.data.message, direction: dir },
      });
    }
  }
  return out;
}

function rewritten(x: TraceIndex): Finding[] {
  const notes = x.of('signaling.mangled');
  if (notes.length === 0) return [];
  const failed = agents(x).some((a) => !a.up) || x.of('peer.dtls-role').some((r) => !x.from('dtls.state', r.n.source).some((s) => s.n.data.to === 'connected'));
  const severity: Severity = failed ? 'failure' : 'degradation';
  const server = TraceIndex.host(notes[0]!.n.source);
  return [{
    cause: 'signaling.rewritten',
    severity,
    subject: server,
    t: notes[0]!.n.t,
    text: `the signaling server on ${server} changed or dropped ${notes.length} message(s) it forwarded: ${[...new Set(notes.map((n) => `${n.n.data.message} ${n.n.data.from} → ${n.n.data.to}: ${n.n.data.changes.join('; ')}`))].slice(0, 4).join(' | ')}`,
    evidence: evidence([], notes.map((n) => n.i)),
    fix: `make the signaling server on ${server} forward every offer, answer and candidate unchanged`,
    details: notes.slice(0, 20).map((n) => ({ text: n.n.text, evidence: evidence([], [n.i]) })),
    facts: { server, messages: notes.length },
  }];
}
