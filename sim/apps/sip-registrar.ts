import { SIP_NOTE_KINDS } from '../sip/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { bool, integer, oneOf, record, required, text, transport, withDefault } from '../schema/fields.ts';
import { SipRegistrar } from '../sip/registrar.ts';
import { SipTcpTransport, tcpHostStreams } from '../sip/tcp-transport.ts';
import type { DigestAlgorithm } from '../wire/sip/digest.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';

/**
 * The scenario app "sip-registrar": a SIP registrar with digest authentication and a redirect server for its
 * domain (sim/sip/registrar.ts).
 *
 *   { "kind": "sip-registrar", "host": "pbx", "listen": "198.51.100.5:5060", "realm": "rtclab.test",
 *     "users": { "1001": "s3cret", "1002": "hunter2" } }
 */
export interface SipRegistrarAppSpec {
  readonly kind: 'sip-registrar';
  readonly host: string;
  readonly listen: TransportAddress;
  readonly transport: 'udp' | 'tcp';
  readonly realm: string;
  readonly users: Record<string, string>;
  readonly algorithm: DigestAlgorithm;
  readonly badCredentials: 'challenge' | 'forbidden';
  readonly defaultExpires: number;
  readonly maxExpires: number;
  readonly authenticateInvites: boolean;
}

export const sipRegistrarApp = defineApp({
  kind: 'sip-registrar',
  about: 'a SIP registrar (RFC 3261 §10.3) with digest authentication, and a redirect server (302) for its users',
  fields: [
    kindField('sip-registrar'),
    HOST_FIELD,
    required('listen', transport, 'Where it listens for SIP (5060 is the port RFC 3261 §18.1.1 names for UDP and TCP).', '198.51.100.5:5060'),
    withDefault('transport', oneOf(['udp', 'tcp'] as const), 'udp' as const, '`"udp"`', 'SIP over UDP datagrams, or over TCP (RFC 3261 §18): it accepts connections on `listen` and answers on the connection each request came in on.', 'tcp'),
    required('realm', text, 'Its domain: the host part of the addresses of record it serves, and the digest realm (RFC 3261 §22.1).', 'rtclab.test'),
    required('users', record(text, 'password'), 'Users it knows and their passwords: a REGISTER for sip:<user>@<realm> must prove the password.', { '1001': 's3cret', '1002': 'hunter2' }),
    withDefault('algorithm', oneOf(['MD5', 'SHA-256'] as const), 'MD5' as const, '`"MD5"`', 'The digest algorithm it challenges with (RFC 8760 adds SHA-256).', 'SHA-256'),
    withDefault('badCredentials', oneOf(['challenge', 'forbidden'] as const), 'challenge' as const, '`"challenge"`', 'What wrong credentials get: a fresh 401 challenge, as Kamailio\'s default configuration does, or 403 Forbidden, as Asterisk does.', 'forbidden'),
    withDefault('defaultExpires', integer(1, 86400), 3600, '`3600`', 'Seconds a binding lasts when the REGISTER names none (RFC 3261 §10.3 step 7).', 600),
    withDefault('maxExpires', integer(1, 86400), 3600, '`3600`', 'The longest binding it grants, in seconds.', 7200),
    withDefault('authenticateInvites', bool, false, '`false`', 'Challenges an INVITE from one of its users with 407 Proxy-Authenticate until its Proxy-Authorization verifies (RFC 3261 §22.3), as Kamailio\'s default configuration does; calls from elsewhere are not challenged.', true),
  ],
  spec: ({ kind: _k, ...v }): SipRegistrarAppSpec => ({ kind: 'sip-registrar', ...v }),
  build(world, host, spec: SipRegistrarAppSpec, ctx) {
    const listen = spec.listen;
    ctx.own(listen, 'listen');
    const holder: { registrar?: SipRegistrar; driver?: EndpointDriver } = {};
    const tcp = spec.transport === 'tcp'
      ? new SipTcpTransport(tcpHostStreams(world.tcp(host)), listen, (now, from, bytes) => holder.registrar?.stack.handleDatagram(now, from, bytes), (_t, n) => world.net.note(ctx.source, n), () => holder.driver?.pump())
      : undefined;
    const endpoint = new SipRegistrar({ name: spec.host, ...(tcp ? { sipStream: tcp } : {}), rng: world.rng(ctx.source), local: listen, realm: spec.realm, users: spec.users, algorithm: spec.algorithm, badCredentials: spec.badCredentials, defaultExpires: spec.defaultExpires, maxExpires: spec.maxExpires, authenticateInvites: spec.authenticateInvites, server: 'rtclab-registrar' });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    holder.registrar = endpoint;
    holder.driver = driver;
    if (!tcp) driver.bind(listen.ip, listen.port);
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ endpoint: e }) => ({ listen: e.address, challenges: e.challenges, registrations: e.registrations, rejected: e.rejected, redirects: e.redirects, bindings: e.bindingList() }),
  appLines(a) {
    const b = (a.bindings as Obj[]).map((x) => `${String(x.aor)} → ${String(x.contact)} (${String(x.expiresIn)} s)`);
    return [`  SIP registrar on ${String(a.host)} (${String(a.listen)}): ${String(a.registrations)} registration(s), ${String(a.challenges)} challenge(s), ${String(a.rejected)} wrong credential(s), ${String(a.redirects)} redirect(s); bindings: ${b.join(', ') || 'none'}`];
  },
  notes: [SIP_NOTE_KINDS],
});
