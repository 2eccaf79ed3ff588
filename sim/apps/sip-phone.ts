import { SIP_NOTE_KINDS } from '../sip/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { bool, duration, integer, list, object, oneOf, optional, required, text, transport, withDefault } from '../schema/fields.ts';
import { SipPhone } from '../sip/phone.ts';
import { SipTcpTransport, tcpHostStreams } from '../sip/tcp-transport.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';

/**
 * The scenario app "sip-phone": a SIP user agent over UDP that registers, answers and places calls with plain
 * RTP/AVP G.711 audio (sim/sip/phone.ts).
 *
 *   { "kind": "sip-phone", "host": "desk", "bind": "203.0.113.20:5060", "user": "1001", "password": "s3cret",
 *     "domain": "rtclab.test", "registrar": "198.51.100.5:5060" }
 */
export interface SipPhoneAppSpec {
  readonly kind: 'sip-phone';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly transport: 'udp' | 'tcp';
  readonly rtpPort: number;
  readonly user: string;
  readonly authUser?: string;
  readonly displayName?: string;
  readonly password: string;
  readonly domain: string;
  readonly registrar?: TransportAddress;
  readonly registerAt: Micros;
  readonly expires: number;
  readonly call?: { readonly to: string; readonly at: Micros; readonly talkFor: Micros; readonly via?: TransportAddress; readonly cancelAfter?: Micros };
  readonly ringFor: Micros;
  readonly codecs: ('PCMU' | 'PCMA')[];
  readonly echo: boolean;
}

export const sipPhoneApp = defineApp({
  kind: 'sip-phone',
  about: 'a SIP phone over UDP: registers with digest authentication, answers (100, 180, 200) and places calls, plain RTP G.711 audio',
  fields: [
    kindField('sip-phone'),
    HOST_FIELD,
    required('bind', transport, 'Its SIP address (UDP, or the TCP port it listens on).', '203.0.113.20:5060'),
    withDefault('transport', oneOf(['udp', 'tcp'] as const), 'udp' as const, '`"udp"`', 'SIP over UDP datagrams, or over TCP (RFC 3261 §18): Via says TCP, messages are framed by Content-Length, nothing is retransmitted, a connection to a peer is reused (the registrar\'s for REGISTER and INVITE), responses go back on the connection their request came in on; its Contact says transport=tcp. RTP stays on UDP.', 'tcp'),
    withDefault('rtpPort', integer(1, 65535), 4000, '`4000`', 'Its RTP port on the same address (plain RTP/AVP, RFC 3551; no RTCP).', 16384),
    required('user', text, 'Its user part: the address of record is sip:<user>@<domain>.', '1001'),
    optional('authUser', text, 'The digest user name when it differs from `user`.', 'alice-auth', '`user`'),
    optional('displayName', text, 'The display name in From and To.', 'Alice'),
    withDefault('password', text, '', '`""`', 'The digest password.', 's3cret'),
    required('domain', text, 'The domain of its address of record, the registrar\'s realm.', 'rtclab.test'),
    optional('registrar', transport, 'Registers there (RFC 3261 §10.2): REGISTER, the 401 challenge answered with digest credentials, refreshed at half the granted time. None: it does not register.', '198.51.100.5:5060'),
    withDefault('registerAt', duration, 0, '`0`', 'When it registers.', '100ms'),
    withDefault('expires', integer(0, 86400), 3600, '`3600`', 'The registration time it asks for, in seconds.', 600),
    optional(
      'call',
      object([
        required('to', text, 'Whom: a user of the domain ("1002") or a SIP URI.', '1002'),
        withDefault('at', duration, SECOND, '`1s`', 'When it calls.', '2s'),
        withDefault('talkFor', duration, 3 * SECOND, '`3s`', 'How long after the answer it hangs up with BYE.', '5s'),
        optional('via', transport, 'Where the INVITE goes (a proxy or redirect server); default the registrar.', '198.51.100.5:5060'),
        optional('cancelAfter', duration, 'Hangs up while it still rings this long after the INVITE: CANCEL, the callee answers 200 to it and 487 Request Terminated to the INVITE (RFC 3261 §9). None: it waits for the answer.', '2s'),
      ]),
      'Places one call: INVITE with a plain RTP/AVP offer, follows a 302 to the Contact, ACKs the 200, sends its tone, BYE after `talkFor`.',
      { to: '1002', at: '2s', talkFor: '3s' },
    ),
    withDefault('ringFor', duration, SECOND, '`1s`', 'How long it rings (180 Ringing) before it answers an INVITE with 200 OK.', '2s'),
    withDefault('codecs', list(oneOf(['PCMU', 'PCMA'] as const), { nonEmpty: 'a phone needs a codec' }), ['PCMU' as const, 'PCMA' as const], '`["PCMU", "PCMA"]`', 'The G.711 codecs it offers and accepts, in preference order (payload types 0 and 8, RFC 3551).', ['PCMA']),
    withDefault('echo', bool, false, '`false`', 'Sends back every RTP packet it receives, besides its own 440 Hz tone (an echo phone, to hear a path both ways).', true),
  ],
  spec: ({ kind: _k, ...v }): SipPhoneAppSpec => ({ kind: 'sip-phone', ...v }),
  build(world, host, spec: SipPhoneAppSpec, ctx) {
    ctx.own(spec.bind, 'bind');
    const holder: { phone?: SipPhone; driver?: EndpointDriver } = {};
    const tcp = spec.transport === 'tcp'
      ? new SipTcpTransport(tcpHostStreams(world.tcp(host)), spec.bind, (now, from, bytes) => holder.phone?.stack.handleDatagram(now, from, bytes), (_t, n) => world.net.note(ctx.source, n), () => holder.driver?.pump())
      : undefined;
    const endpoint = new SipPhone({
      name: spec.host,
      ...(tcp ? { sipStream: tcp } : {}),
      rng: world.rng(ctx.source),
      local: spec.bind,
      rtpPort: spec.rtpPort,
      user: spec.user,
      ...(spec.authUser !== undefined ? { authUser: spec.authUser } : {}),
      ...(spec.displayName !== undefined ? { displayName: spec.displayName } : {}),
      password: spec.password,
      domain: spec.domain,
      ...(spec.registrar ? { registrar: spec.registrar } : {}),
      registerAt: spec.registerAt,
      expires: spec.expires,
      ...(spec.call ? { call: spec.call } : {}),
      ringFor: spec.ringFor,
      codecs: spec.codecs.map((c) => (c === 'PCMU' ? 0 : 8)),
      echo: spec.echo,
      userAgent: 'rtclab-phone',
    });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    holder.phone = endpoint;
    holder.driver = driver;
    if (!tcp) driver.bind(spec.bind.ip, spec.bind.port);
    driver.bind(spec.bind.ip, spec.rtpPort);
    return { endpoint, driver };
  },
  check(c, path, v) {
    if (v.bind && v.rtpPort === v.bind.port) c.fail(`${path}.rtpPort`, `is the SIP port ${v.bind.port}: RTP needs a port of its own`);
  },
  sections: [],
  appEntry: ({ endpoint: e }) => ({
    aor: `sip:${e.registration?.aor ?? ''}`.replace(/^sip:sip:/, 'sip:'),
    registration: e.registration ? { state: e.registration.state, status: e.registration.lastStatus, expires: e.registration.expires, attempts: e.registration.attempts } : null,
    calls: e.history.map((h) => ({ callId: h.callId, role: h.role, state: h.state })).concat(e.calls.filter((c) => c.state !== 'ended' && c.state !== 'failed').map((c) => ({ callId: c.callId, role: c.role, state: c.state }))),
    media: e.mediaSummary(),
    sip: { sent: e.stack.sent, received: e.stack.received, retransmissions: e.stack.retransmissions, malformed: e.stack.malformed },
  }),
  appLines(a) {
    const r = a.registration as Obj | null;
    const reg = r ? `registration ${String(r.state)} (${String(r.status)})` : 'no registration';
    const calls = (a.calls as Obj[]).map((c) => `${String(c.role)} call ${String(c.state)}`);
    const media = (a.media as Obj[]).map((m) => `RTP PT ${String(m.payloadType)} to ${String(m.to)}: ${String(m.sent)} sent, ${String(m.received)} received`);
    return [`  SIP phone on ${String(a.host)}: ${reg}; ${calls.join(', ') || 'no calls'}${media.length ? `; ${media.join('; ')}` : ''}`];
  },
  notes: [SIP_NOTE_KINDS],
});
