import { agents } from '../agents.ts';
import { dropFacts, dropGroups, describeDrop, classifyDrop, type Drop } from '../drops.ts';
import { evidence, seconds, TraceIndex, type Indexed } from '../trace-index.ts';
import type { Finding } from '../types.ts';
import { dtlsDropsOnTheWay, lastFlight } from './dtls-flights.ts';
import { handshakeTimeout } from './dtls-timeout.ts';

/** RFC 5246 §7.2 alert descriptions by number (the ones a DTLS-SRTP handshake meets). */
const ALERTS: Readonly<Record<number, string>> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 40: 'handshake_failure', 42: 'bad_certificate', 43: 'unsupported_certificate',
  44: 'certificate_revoked', 45: 'certificate_expired', 46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 50: 'decode_error',
  51: 'decrypt_error', 70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error', 90: 'user_canceled', 110: 'unsupported_extension',
};

/** An endpoint's DTLS notes by source (simulated endpoints: they know their role). */
function endpoints(x: TraceIndex): Map<string, Indexed<'dtls.state'>[]> {
  const out = new Map<string, Indexed<'dtls.state'>[]>();
  for (const s of x.of('dtls.state')) {
    if (s.n.inferred || s.n.data.role === undefined) continue;
    out.set(s.n.source, [...(out.get(s.n.source) ?? []), s]);
  }
  return out;
}

/** Drops of DTLS records (RFC 7983: first byte 20–63) sent by or to a host. */
function dtlsDrops(x: TraceIndex, host: string): Drop[] {
  const out: Drop[] = [];
  for (const h of x.hops) {
    if (h.drop === undefined || (h.from !== host && h.to !== host && !h.link.startsWith(host))) continue;
    const ihl = h.bytes[0]! >> 4 === 4 ? (h.bytes[0]! & 0x0f) * 4 : 40;
    const first = h.bytes[ihl + 8];
    if (first === undefined || first < 20 || first > 63) continue;
    const d = classifyDrop(h);
    if (d) out.push(d);
  }
  return out;
}

/**
 * DTLS that failed or never finished: a certificate that is not the signaled fingerprint, fatal alerts, both sides
 * in one role, a server that never got a ClientHello after ICE selected a pair, flights lost until the timer gave up.
 */
export function dtlsFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  const explained = new Set<string>();
  for (const m of x.of('dtls.fingerprint.mismatch')) {
    const host = m.n.inferred ? (m.n.data.sender ?? m.n.source) : TraceIndex.host(m.n.source);
    const alerts = x.of('dtls.alert.sent').filter((a) => a.n.source === m.n.source && a.n.t >= m.n.t).slice(0, 1);
    const failedState = x.from('dtls.state', m.n.source).filter((s) => s.n.data.to === 'failed');
    const d = m.n.data;
    explained.add(m.n.source);
    out.push({
      cause: 'dtls.fingerprint-mismatch',
      severity: 'failure',
      subject: host,
      t: m.n.t,
      text: m.n.inferred
        ? `the DTLS certificate from ${d.sender ?? 'a peer'} does not match the a=fingerprint its signaling gave (sha-256 ${d.actual.slice(0, 23)}…)`
        : `${host} got a DTLS certificate whose fingerprint ${d.actual.slice(0, 23)}… is not the signaled ${d.expected ? `${d.expected.slice(0, 23)}…` : 'one'}, so it ended the handshake${alerts[0] ? ` with a fatal ${ALERTS[alerts[0].n.data.description] ?? alerts[0].n.data.description} alert` : ''} (RFC 8842 §5)`,
      evidence: evidence(x.hopsOfNote(m.i), [m.i, ...alerts.map((a) => a.i), ...failedState.map((s) => s.i)]),
      fix: `make sure the peer ${host} talks to is the one that signaled: if it is, signal the fingerprint of the certificate it really uses; if not, someone else answers at that address`,
      details: [],
      facts: { variant: m.n.inferred ? 'capture' : 'sim', host, sender: d.sender ?? '', actual: d.actual.slice(0, 23), expected: d.expected ? d.expected.slice(0, 23) : '', alert: alerts[0] ? (ALERTS[alerts[0].n.data.description] ?? alerts[0].n.data.description) : '' },
    });
  }
  const eps = endpoints(x);
  for (const [source, states] of eps) {
    if (explained.has(source)) continue;
    const host = TraceIndex.host(source);
    const last = states[states.length - 1]!;
    const role = last.n.data.role!;
    if (last.n.data.to === 'failed') {
      const received = x.from('dtls.alert.received', source).filter((a) => a.n.data.level === 2);
      const sent = x.from('dtls.alert.sent', source).filter((a) => a.n.data.level === 2);
      // the side that received the alert defers to the one that sent it (its own finding says why)
      const peerExplained = received.length > 0 && [...explained].some((s) => s !== source);
      if (peerExplained) continue;
      // a client that receives a ClientHello talks to another client: both sides were a=setup:active
      if (role === 'client' && /client_hello/i.test(last.n.data.reason)) {
        if (x.of('peer.dtls-role').filter((r) => r.n.data.role === 'client').length >= 2) continue; // signaling.ts told the a=setup mismatch
        const other = [...eps].find(([s, st]) => s !== source && st[st.length - 1]!.n.data.role === 'client' && /client_hello/i.test(st[st.length - 1]!.n.data.reason));
        if (other && other[0] < source) continue; // one finding for the two
        const hosts = [host, ...(other ? [TraceIndex.host(other[0])] : [])];
        out.push({
          cause: 'dtls.both-client',
          severity: 'failure',
          subject: hosts.join(' and '),
          t: last.n.t,
          text: `${hosts.join(' and ')} ${other ? 'are both DTLS clients' : 'is a DTLS client that got a ClientHello'} (a=setup:active on both sides): each got the other's ClientHello where it waited for a ServerHello and ended the handshake (${last.n.data.reason})`,
          evidence: evidence([], [last.i, ...sent.map((a) => a.i), ...(other ? [other[1][other[1].length - 1]!.i] : [])]),
          fix: 'make one side a=setup:active and the other a=setup:passive (RFC 8842 §5.1)',
          details: [],
          facts: { variant: 'failed', hostA: hosts[0]!, hostB: hosts[1] ?? '', reason: last.n.data.reason },
        });
        continue;
      }
      const alert = sent[0] ?? received[0];
      const timeout = /timeout|retransmi|gave up/i.test(last.n.data.reason);
      // the last flight retransmitted until the timer gave up, and where its copies died (dtls-timeout.ts)
      const story = !alert && timeout ? handshakeTimeout(x, source, host, role, last) : undefined;
      if (story) {
        out.push(story);
        continue;
      }
      const drops = timeout ? dropGroups(dtlsDrops(x, host)) : [];
      out.push({
        cause: alert ? 'dtls.alert' : timeout ? 'dtls.timeout' : 'dtls.failed',
        severity: 'failure',
        subject: host,
        t: last.n.t,
        text: `${host}'s DTLS ${role} failed at ${seconds(last.n.t)}: ${last.n.data.reason}${alert ? ` (${alert === sent[0] ? 'sent' : 'received'} fatal ${ALERTS[alert.n.data.description] ?? alert.n.data.description})` : ''}${drops[0] ? `; ${drops[0].count} DTLS datagram(s) dropped ${describeDrop(drops[0].drop)}` : ''}`,
        evidence: evidence(drops.flatMap((d) => d.hops), [last.i, ...(alert ? [alert.i] : [])]),
        fix: timeout ? (drops[0] ? `fix what drops the handshake ${describeDrop(drops[0].drop)}` : 'keep a path between the peers during the handshake') : alert ? 'fix what the alert names on the side that sent it' : 'see the reason on the DTLS state note',
        details: [],
        facts: { variant: 'failed', host, role, at: last.n.t, reason: last.n.data.reason, timeout: timeout ? 1 : 0, ...(alert ? { alert: ALERTS[alert.n.data.description] ?? alert.n.data.description, alertSent: alert === sent[0] ? 1 : 0 } : {}), ...dropFacts(drops[0]) },
      });
      continue;
    }
    if (last.n.data.to !== 'connecting') continue;
    // still connecting when the trace ends
    const others = [...eps].filter(([s]) => s !== source);
    const sameRole = others.filter(([, st]) => st[st.length - 1]!.n.data.role === role && st[st.length - 1]!.n.data.to === 'connecting');
    if (sameRole.length > 0) {
      const pair = [source, sameRole[0]![0]].sort();
      if (source !== pair[0]) continue; // one finding for the two
      if (x.of('peer.dtls-role').length >= 2) continue; // signaling.ts already told the a=setup mismatch
      const hosts = pair.map((s) => TraceIndex.host(s));
      out.push({
        cause: role === 'client' ? 'dtls.both-client' : 'dtls.both-server',
        severity: 'failure',
        subject: hosts.join(' and '),
        t: last.n.t,
        text: role === 'client'
          ? `${hosts.join(' and ')} are both DTLS clients (a=setup:active on both): each sends ClientHellos and neither answers one, so the handshake never finishes`
          : `${hosts.join(' and ')} both wait as DTLS server (a=setup:passive on both): nobody sends a ClientHello`,
        evidence: evidence([], [...states.map((s) => s.i), ...sameRole[0]![1].map((s) => s.i)]),
        fix: 'make one side a=setup:active and the other a=setup:passive (RFC 8842 §5.1)',
        details: [],
        facts: { variant: 'stuck', hostA: hosts[0]!, hostB: hosts[1]! },
      });
      continue;
    }
    const selected = x.of('ice.selected').filter((s) => TraceIndex.host(s.n.source) === host && !s.n.inferred);
    const waited = x.end - (selected[0]?.n.t ?? last.n.t);
    if (waited < 5_000_000) continue; // a handshake may still be under way
    // without a selected pair there was nowhere to send a ClientHello: the ICE findings say why
    if (selected.length === 0 && agents(x).some((a) => a.host === host && !a.up)) continue;
    // a server that never saw a ClientHello because a client's flights died on the way: the client's finding tells
    const clientLost = [...eps].some(([s, st]) => s !== source && st[st.length - 1]!.n.data.role === 'client' && lastFlight(x, s) !== undefined && dtlsDropsOnTheWay(x, TraceIndex.host(s)).length > 0);
    if (role === 'server' && x.from('dtls.client-hello', source).length === 0 && clientLost) continue;
    if (role === 'server' && x.from('dtls.client-hello', source).length === 0) {
      out.push({
        cause: 'dtls.no-client-hello',
        severity: 'failure',
        subject: host,
        t: selected[0]?.n.t ?? last.n.t,
        text: `${host} waited as DTLS server${selected[0] ? ` from the selection of ${selected[0].n.data.pair} at ${seconds(selected[0].n.t)}` : ''}, but no ClientHello ever reached it`,
        evidence: evidence([], [last.i, ...(selected[0] ? [selected[0].i] : [])]),
        fix: `make the DTLS client (the a=setup:active side) start its handshake toward ${host} once ICE selects a pair`,
        details: [],
        facts: { host, ...(selected[0] ? { pair: selected[0].n.data.pair, selectedAt: selected[0].n.t } : {}) },
      });
    } else {
      const drops = dropGroups(dtlsDrops(x, host));
      out.push({
        cause: 'dtls.timeout',
        severity: 'failure',
        subject: host,
        t: last.n.t,
        text: `${host}'s DTLS ${role} handshake had not finished ${seconds(waited)} after it could start${drops[0] ? `: ${drops[0].count} DTLS datagram(s) dropped ${describeDrop(drops[0].drop)}` : ''}`,
        evidence: evidence(drops.flatMap((d) => d.hops), [last.i]),
        fix: drops[0] ? `fix what drops the handshake ${describeDrop(drops[0].drop)}` : 'keep a path between the peers during the handshake',
        details: [],
        facts: { variant: 'stuck', host, role, waited, timeout: 1, ...dropFacts(drops[0]) },
      });
    }
  }
  // a capture's handshakes that ended in an alert, when its alerts were not collected (capture.ts reads those)
  for (const s of x.captureFacts ? [] : x.of('dtls.state')) {
    if (!s.n.inferred || s.n.data.progress !== 'alert') continue;
    if (x.of('dtls.fingerprint.mismatch').some((m) => m.n.inferred)) continue;
    out.push({
      cause: 'dtls.alert',
      severity: 'failure',
      subject: s.n.source.replace(/^capture\/dtls /, ''),
      t: s.n.t,
      text: `the DTLS handshake on ${s.n.source.replace(/^capture\/dtls /, '')} ended with an alert: ${s.n.text}`,
      evidence: evidence(x.hopsOfNote(s.i), [s.i]),
      fix: 'read the alert (decrypt with the key log if it is encrypted) and fix what it names',
      details: [],
      facts: { variant: 'capture-state', flow: s.n.source.replace(/^capture\/dtls /, '') },
    });
  }
  return out;
}
