import type { CaptureServerRequest } from '../capture-facts.ts';
import { evidence, ipOf, seconds, type TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

/** RFC 8489 §6.2.1: a client gives up after Rc = 7 transmissions over 39.5 s; a request this old unanswered is lost, not late. */
const LOST_AFTER = 1_000_000;

/**
 * Requests to a STUN or TURN server over UDP that a capture shows leaving and never answered (no response with their
 * transaction id), from the capture's facts. When the same client reached the same server over TCP, the server was
 * up and UDP alone failed: UDP is blocked on the way (`stun.udp-blocked`, `turn.udp-blocked`); with several capture
 * interfaces, a request seen on some and never on the others, where TCP between the same hosts crossed them all, was
 * dropped between them. Without that, the server is only said unreachable (`stun.unreachable`, `turn.unreachable`).
 */
export function captureUnansweredFindings(x: TraceIndex): Finding[] {
  const f = x.captureFacts;
  if (!x.capture || !f?.serverRequests || !f.answered || !f.seenOn) return [];
  const answered = f.answered;
  const end = f.end ?? x.end;
  // per client, server and kind (Binding or TURN): the UDP requests, kept only if none was ever answered
  const groups = new Map<string, CaptureServerRequest[]>();
  for (const r of f.serverRequests) {
    if (r.transport !== 'UDP') continue;
    const key = `${r.src} ${r.dst} ${r.method === 'Binding' ? 'stun' : 'turn'}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Finding[] = [];
  for (const [key, requests] of groups) {
    // answered, or refused by an ICMP error (a closed port, an expired TTL: not what this rule tells)
    if (requests.some((r) => answered.has(r.tid) || f.icmpRefused?.has(r.tid))) continue;
    const last = requests[requests.length - 1]!;
    // a response to any transmission answers the transaction (RFC 8489 §6.2.1): its first transmission has had the
    // longest to be answered; younger than LOST_AFTER when the capture stopped, the answer may still have been due
    if (end - requests[0]!.t < LOST_AFTER) continue;
    const [client, server, kind] = key.split(' ') as [string, string, 'stun' | 'turn'];
    const cIp = ipOf(client);
    const sIp = ipOf(server);
    const seen = f.seenOn.get([cIp, sIp].sort().join(' '));
    const udpOn = new Set(requests.map((r) => r.vantage ?? ''));
    const tcpOn = seen?.get('TCP') ?? new Set<string>();
    // the same client (by address) reached the same server over TCP: answered STUN/TURN over TCP between them
    const tcpAnswered = f.serverRequests.filter((r) => r.transport === 'TCP' && ipOf(r.src) === cIp && ipOf(r.dst) === sIp && answered.has(r.tid));
    const tcpAllocated = [...f.allocated].some((a) => ipOf(a) === cIp) && tcpAnswered.some((r) => r.method === 'Allocate');
    // the relay that TCP got: the relayed address of an allocation made by an Allocate over TCP, and its client
    const tcpRelay = tcpAnswered.flatMap((r) => (r.method === 'Allocate' && f.relayed?.has(r.src) ? [{ client: r.src, relayed: f.relayed.get(r.src)! }] : []))[0];
    const missingOn = [...tcpOn].filter((v) => v !== '' && !udpOn.has(v));
    const where = missingOn.length > 0 ? `, seen on ${[...udpOn].join(', ')} and never on ${missingOn.join(', ')}, where TCP between the same hosts passed: dropped between them` : '';
    const blocked = tcpAnswered.length > 0;
    const transmissions = requests.length;
    const tids = new Set(requests.map((r) => r.tid)).size;
    const what = kind === 'turn' ? `TURN ${[...new Set(requests.map((r) => r.method))].join('/')}` : 'STUN Binding';
    out.push({
      cause: `${kind}.${blocked ? 'udp-blocked' : 'unreachable'}`,
      severity: kind === 'turn' && tcpAllocated ? 'degradation' : kind === 'stun' && tcpAnswered.length > 0 ? 'degradation' : 'failure',
      subject: client,
      t: requests[0]!.t,
      text: `${client}'s ${what} request(s) over UDP to ${server} were never answered: ${tids} transaction(s), ${transmissions} transmission(s) ${transmissions > 1 ? `from ${seconds(requests[0]!.t)} to ${seconds(last.t)}` : `at ${seconds(last.t)}`}${where}${
        blocked ? `; over TCP the same server answered ${tcpAnswered.length} request(s)${tcpAllocated ? ` and allocated a relay${tcpRelay ? ` (${tcpRelay.relayed}, to ${tcpRelay.client} over TCP)` : ''}` : ''}, so the server is up and UDP is blocked on the way` : ''
      }${kind === 'stun' ? ': no server-reflexive candidate from it' : tcpAllocated ? ': the relay runs over TCP instead of UDP' : ': no relayed candidate from it'}`,
      evidence: evidence([...requests.map((r) => r.packet), ...tcpAnswered.slice(0, 3).map((r) => r.packet)], []),
      fix: blocked
        ? `let UDP from ${cIp} to ${server} through the firewall${missingOn.length ? ` between ${[...udpOn].join(', ')} and ${missingOn.join(', ')}` : ''}${kind === 'turn' ? (tcpAllocated ? ' (TURN over TCP works, at the cost of head-of-line blocking)' : ', or give the client TURN over TCP or TLS on port 443') : ''}`
        : `check that ${server} runs a ${kind.toUpperCase()} server and that UDP reaches it from ${cIp}${kind === 'turn' ? ', or give the client TURN over TCP or TLS on port 443' : ''}`,
      details: [],
      // the figures of the sentences above, for a page that words them in another language (viz/i18n-diagnosis.ts)
      facts: {
        variant: 'capture', host: client, server, clientIp: cIp, what, transactions: tids, transmissions, from: requests[0]!.t, to: last.t,
        tcpAnswered: tcpAnswered.length, tcpAllocated: tcpAllocated ? 1 : 0, ...(tcpAllocated && tcpRelay ? { relayed: tcpRelay.relayed, relayClient: tcpRelay.client } : {}), seenOn: [...udpOn].join(', '), missingOn: missingOn.join(', '),
      },
    });
  }
  return out;
}
