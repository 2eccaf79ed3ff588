import { describeDrop, dropFacts, dropGroups } from '../drops.ts';
import { evidence, seconds, type Indexed } from '../trace-index.ts';
import type { Finding } from '../types.ts';
import { dtlsDropsOnTheWay, lastFlight } from './dtls-flights.ts';

const MESSAGE_NAMES: Readonly<Record<string, string>> = {
  client_hello: 'ClientHello', server_hello: 'ServerHello', certificate: 'Certificate', server_key_exchange: 'ServerKeyExchange',
  certificate_request: 'CertificateRequest', server_hello_done: 'ServerHelloDone', client_key_exchange: 'ClientKeyExchange',
  certificate_verify: 'CertificateVerify', finished: 'Finished', hello_verify_request: 'HelloVerifyRequest',
};

/**
 * A DTLS handshake given up by its retransmission timer (RFC 6347 §4.2.4.1: a flight is sent again when the timer
 * fires, the timer doubles up to 60 s, and an implementation gives up after some tries): the flight it sent last,
 * how often, and where its copies were dropped. Undefined when the endpoint noted no flight (the caller words it).
 */
export function handshakeTimeout(x: Parameters<typeof lastFlight>[0], source: string, host: string, role: string, failed: Indexed<'dtls.state'>): Finding | undefined {
  const f = lastFlight(x, source);
  if (!f) return undefined;
  const drops = dtlsDropsOnTheWay(x, host).filter((d) => x.hops[d.hop]!.t >= f.sentAt);
  const groups = dropGroups(drops);
  const g = groups[0];
  const copies = f.retransmits + 1;
  const names = f.messages.map((m) => MESSAGE_NAMES[m] ?? m).join(', ');
  // the host behind the box that drops it is the one a TURN server over TLS would carry past it
  const behind = g ? x.nodes.filter((n) => n.kind === 'host' && x.gatewayOf(n.name)?.name === g.drop.where).map((n) => n.name) : [];
  const relayed = behind.length === 1 ? behind[0]! : host;
  const where = g ? (g.drop.kind === 'firewall' ? `let DTLS (UDP whose first byte is 20–63, RFC 7983) through ${g.drop.where}, or give ${relayed} a TURN server over TLS on port 443 so that the handshake passes it inside TLS` : `fix what drops the handshake ${describeDrop(g.drop)}`) : 'keep a path between the peers during the handshake';
  return {
    cause: 'dtls.timeout',
    severity: 'failure',
    subject: host,
    t: failed.n.t,
    text: `${host}'s DTLS ${role} gave up at ${seconds(failed.n.t)}: its flight ${f.flight} (${names}) was sent at ${seconds(f.sentAt)} and retransmitted ${f.retransmits} time(s) as its timer doubled (RFC 6347 §4.2.4.1), with no answer${g ? `; ${g.count === copies ? `all ${copies} copies were` : `${g.count} of its ${drops.length === g.count ? '' : 'dropped '}DTLS datagram(s) were`} dropped ${describeDrop(g.drop)}` : ''}`,
    evidence: evidence(drops.map((d) => d.hop), [...f.notes, failed.i]),
    fix: where,
    details: groups.map((d) => ({ text: `${d.count} DTLS datagram(s) from ${host} dropped ${describeDrop(d.drop)}`, evidence: evidence(d.hops, []) })),
    facts: { variant: 'flight', host, role, relayHost: relayed, at: failed.n.t, flight: f.flight, messages: names, sentAt: f.sentAt, retransmits: f.retransmits, copies, timeout: 1, reason: failed.n.data.reason, ...dropFacts(g) },
  };
}
