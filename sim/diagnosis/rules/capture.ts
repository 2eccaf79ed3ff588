import { alertDescriptionName } from '../../wire/handshake/names.ts';
import { evidence, type TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/** RFC 5246 §7.2 alerts that say the peer's certificate was refused. */
const CERTIFICATE_ALERTS = new Set([42, 43, 44, 45, 46, 48]);

/**
 * What a capture's own packets say went wrong (capture-facts.ts): fatal DTLS alerts, with who sent them, and TURN
 * Allocate requests refused for good.
 */
export function captureFindings(x: TraceIndex): Finding[] {
  const f = x.captureFacts;
  if (!x.capture || !f) return [];
  const out: Finding[] = [];
  const mismatch = x.of('dtls.fingerprint.mismatch').length > 0; // dtls.ts already tells it, from the signaling
  for (const a of f.alerts) {
    if (a.level !== 2 || mismatch) continue;
    const name = alertDescriptionName(a.description);
    const notes = x.of('dtls.state').filter((s) => s.n.inferred && s.n.data.progress === 'alert').map((s) => s.i);
    if (CERTIFICATE_ALERTS.has(a.description)) {
      out.push({
        cause: 'dtls.certificate-rejected',
        severity: 'failure',
        subject: a.src,
        t: a.t,
        text: `${a.src} refused the DTLS certificate of ${a.dst} with a fatal ${name} alert: the certificate's fingerprint is not the a=fingerprint ${a.src} was given (RFC 8842 §5), or it could not be checked`,
        evidence: evidence([a.packet], notes),
        fix: `signal ${a.src} the fingerprint of the certificate ${a.dst} really presents (and check that ${a.dst} is the peer that signaled)`,
        details: [],
        facts: { src: a.src, dst: a.dst, alert: name },
      });
    } else {
      out.push({
        cause: 'dtls.alert',
        severity: 'failure',
        subject: a.src,
        t: a.t,
        text: `${a.src} ended the DTLS handshake with ${a.dst} with a fatal ${name} alert`,
        evidence: evidence([a.packet], notes),
        fix: `fix what ${name} names on ${a.dst}'s side`,
        details: [],
        facts: { variant: 'capture', src: a.src, dst: a.dst, alert: name },
      });
    }
  }
  // TURN: Allocate errors to a client that never got an allocation (a 401 challenge followed by success is the normal dance)
  const byClient = new Map<string, typeof f.stunErrors>();
  for (const e of f.stunErrors) if (e.method === 'Allocate' && !f.allocated.has(e.dst)) byClient.set(e.dst, [...(byClient.get(e.dst) ?? []), e]);
  const iceUp = x.of('ice.pair.state').some((p) => p.n.inferred && p.n.data.state === 'succeeded');
  for (const [client, errors] of byClient) {
    const last = errors[errors.length - 1]!;
    const twice401 = errors.filter((e) => e.code === 401).length >= 2;
    if (last.code === 401 && !twice401) continue; // a challenge the capture does not show the answer to
    out.push({
      cause: last.code === 401 ? 'turn.auth' : last.code === 438 ? 'turn.stale-nonce' : last.code === 486 ? 'turn.quota' : last.code === 403 ? 'turn.forbidden' : last.code === 437 ? 'turn.allocation-mismatch' : 'turn.error',
      severity: iceUp ? 'degradation' : 'failure',
      subject: client,
      t: last.t,
      text: last.code === 401
        ? `TURN server ${last.src} refused ${client}'s credentials: its Allocate got 401 ${last.reason || 'Unauthorized'} again after the challenge (wrong username or password)`
        : `TURN server ${last.src} refused ${client}'s Allocate with ${last.code} ${last.reason}, and no allocation followed`,
      evidence: evidence(errors.map((e) => e.packet), []),
      fix: last.code === 401 ? `give ${client} the right TURN username and password for ${last.src}` : `fix ${client}'s Allocate for ${last.src} (error ${last.code})`,
      details: errors.map((e) => ({ text: `${e.method} error ${e.code} ${e.reason} from ${e.src}`, evidence: evidence([e.packet], []), facts: { kind: 'stun-error', method: e.method, code: e.code, reason: e.reason, src: e.src } })),
      facts: { variant: 'capture', host: client, server: last.src, code: last.code },
    });
  }
  return out;
}
