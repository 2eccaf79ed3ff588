/**
 * Presets for SIP over UDP (RFC 3261): a registrar with digest authentication, phones that register and call each
 * other with plain RTP/AVP G.711 audio, and a wrong password.
 */
import { sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const NODES = {
  internet: { kind: 'router' },
  pbx: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.5/24'], link: { delay: '10ms' } },
  desk: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.20/24'], link: { delay: '20ms' } },
  mobile: { kind: 'host', uplink: 'internet', addresses: ['192.0.2.30/24'], link: { delay: '30ms' } },
};

const REGISTRAR: Json = { kind: 'sip-registrar', host: 'pbx', listen: '198.51.100.5:5060', realm: 'rtclab.test', users: { '1001': 's3cret', '1002': 'hunter2' } };

const phone = (host: string, bind: string, user: string, password: string, extra: Json = {}): Json => ({ kind: 'sip-phone', host, bind, user, password, domain: 'rtclab.test', registrar: '198.51.100.5:5060', ...extra });

/**
 * The registrar and two phones, the desk phone (1001) calling the mobile phone (1002) at 1 s to talk for 3 s: over
 * `transport` (UDP when absent), the caller giving up after `cancelAfter`, the callee ringing for `ringFor`.
 */
function deskCallsMobile(n: string, t: string, d: string, duration: string, o: { transport?: 'tcp'; cancelAfter?: string; ringFor?: string } = {}): Json {
  const via = o.transport ? { transport: o.transport } : {};
  return {
    name: n,
    title: t,
    description: d,
    seed: 1,
    duration,
    nodes: NODES,
    apps: [
      o.transport ? { ...REGISTRAR, ...via } : REGISTRAR,
      phone('desk', '203.0.113.20:5060', '1001', 's3cret', { ...via, displayName: 'Desk', call: { to: '1002', at: '1s', talkFor: '3s', ...(o.cancelAfter ? { cancelAfter: o.cancelAfter } : {}) } }),
      phone('mobile', '192.0.2.30:5060', '1002', 'hunter2', { ...via, displayName: 'Mobile', rtpPort: 4002, registerAt: '50ms', ...(o.ringFor ? { ringFor: o.ringFor } : {}) }),
    ],
  };
}

export function sipPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'sip-register-call',
    'SIP: two phones register, one calls the other',
    'Two SIP phones register with a registrar over UDP: each REGISTER is challenged with 401 and a nonce, answered with digest credentials (RFC 7616, qop=auth) and accepted with 200 and the binding\'s expiry. At 1 s the desk phone calls 1002: the registrar answers the INVITE with 302 and the mobile phone\'s Contact (the 302 is ACKed inside the INVITE transaction), the INVITE goes there, the phone answers 100 Trying, 180 Ringing and after a second 200 OK with a plain RTP/AVP answer; the caller ACKs, both send G.711 audio every 20 ms, and after 3 s the caller hangs up with BYE, answered 200.',
    (n, t, d) => deskCallsMobile(n, t, d, '8s'),
  );
  add(
    'sip-wrong-password',
    'SIP: a wrong password',
    'A phone registers with the wrong password. The registrar challenges the first REGISTER with 401; the phone answers with digest credentials made from its password; the response does not verify, so the registrar challenges again with a fresh nonce (as Kamailio\'s default configuration does). A second 401 after credentials means they were refused: the phone gives up and reports the registration as failed, as real phones do, instead of repeating the same wrong answer.',
    (n, t, d) => ({ name: n, title: t, description: d, seed: 1, duration: '3s', nodes: NODES, apps: [REGISTRAR, phone('desk', '203.0.113.20:5060', '1001', 'letmein')] }),
  );
  add(
    'sip-cancel',
    'SIP: the caller hangs up while it rings (CANCEL, 487)',
    'The desk phone calls 1002 as in sip-register-call, but the mobile phone rings for 5 s and the caller gives up after 2 s: it sends CANCEL (RFC 3261 §9.1: the INVITE\'s Request-URI, Call-ID, From, To, CSeq number and Via branch, method CANCEL) to where the INVITE went, after the 180 came. The mobile phone matches it to the INVITE transaction by its branch (§9.2), answers the CANCEL 200 OK and the INVITE 487 Request Terminated; the caller ACKs the 487 inside the INVITE transaction. No dialog, no media.',
    (n, t, d) => deskCallsMobile(n, t, d, '5s', { cancelAfter: '2s', ringFor: '5s' }),
  );
  add(
    'sip-tcp-call',
    'SIP over TCP: register and call',
    "The phones and registrar of sip-register-call with SIP over TCP (RFC 3261 §18): each phone opens a TCP connection to the registrar and registers over it (Via SIP/2.0/TCP, Contact with transport=tcp, every message framed by its Content-Length, §18.3); the desk phone's INVITE reuses that connection, the 302 comes back on it, and the INVITE to the mobile phone opens a new connection to its SIP port, on which the 100, 180 and 200 come back and the ACK and BYE go. Nothing is retransmitted over TCP (no Timer A, E or G, §17). The G.711 audio stays on UDP.",
    (n, t, d) => deskCallsMobile(n, t, d, '8s', { transport: 'tcp' }),
  );
  add(
    'janus-sip-call',
    'Janus SIP: register, call a phone, hang up',
    "A Firefox page behind a NAT attaches to janus.plugin.sip over the Janus HTTP API and sends `register` (username sip:1001@rtclab.test, secret, proxy): the plugin's REGISTER is challenged with 401 and accepted with digest credentials, events `registering` and `registered`. The page then sends `call` to sip:1002@rtclab.test with its Firefox offer (BUNDLE, opus 109, G722, PCMU, PCMA, telephone-event 101): the plugin sends an INVITE with a plain RTP/AVP SDP from the gateway's address, follows the registrar's 302 to the phone, which answers 100, 180 and 200 with PCMU; events `calling`, `ringing`, `accepted` with the JSEP answer (PCMU and telephone-event on mid 0). ICE and DTLS complete between the page and the gateway, which relays SRTP from the page as plain RTP to the phone and back. At 6 s the page hangs up: BYE, 200, the `hangup` event.",
    (n, t, d) => janusSip(n, t, d, 's3cret', '9s'),
  );
  add(
    'janus-sip-wrong-password',
    'Janus SIP: a wrong password',
    "The page of janus-sip-call registers with a wrong secret: the registrar challenges the plugin's REGISTER with 401, refuses its digest credentials with a second 401, and the plugin gives up: event `registration_failed` with code 401. The page never sends its call.",
    (n, t, d) => janusSip(n, t, d, 'letmein', '3s'),
  );
  add(
    'janus-sip-incoming',
    'Janus SIP: a phone calls the browser',
    "The gateway offering: the Firefox page registers sip:1001@rtclab.test through janus.plugin.sip and waits. At 1.5 s the mobile phone calls 1001: the registrar answers its INVITE with 302 and the plugin's Contact, the phone sends the INVITE to the gateway's SIP port (Request-URI that Contact, RFC 3261 §8.1.3.4), the plugin answers 100 and 180 and pushes the `incomingcall` event with a JSEP offer made from the phone's SDP (PCMU, PCMA, telephone-event on mid 0) to which the gateway adds its ICE credentials, candidates, fingerprint and a=setup:actpass, its agent controlling. A second later the page answers (a=setup:active) with `accept`: the plugin sends 200 OK with a plain RTP/AVP SDP made from the answer, the event `accepted`; the phone ACKs. ICE and DTLS complete with the gateway as the DTLS server, and G.711 flows both ways between the phone's plain RTP and the page's SRTP. After 4 s the phone hangs up: BYE, 200, the `hangup` event.",
    (n, t, d) => janusSip(n, t, d, 's3cret', '9s', {
      phone: { call: { to: '1001', at: '1500ms', talkFor: '4s' } },
      client: { answer: { body: { request: 'accept' }, after: '1s' }, body: { request: 'accept' }, hangupAt: undefined },
    }),
  );
  add(
    'janus-sip-hold',
    'Janus SIP: hold and resume a call (re-INVITE)',
    "The call of janus-sip-call, put on hold by the page at 3.5 s with janus.plugin.sip's `hold`: the plugin sends a re-INVITE in the dialog (CSeq 3: the INVITEs before and after the 302 had 1 and 2; Request-URI the phone's Contact) whose SDP is its own with a=sendonly and the o= version raised (RFC 3264 §8.4); the phone answers 200 with a=recvonly and stops sending its tone, the plugin ACKs; the event `holding`. No renegotiation with the browser: the page's audio still goes to the phone, but nothing comes back while the call is held. At 5.5 s `unhold` sends a re-INVITE with a=sendrecv again (CSeq 4, event `resuming`); the phone answers sendrecv and its tone reaches the page again. At 7 s the page hangs up.",
    (n, t, d) => janusSip(n, t, d, 's3cret', '9s', { client: { hangupAt: '7s', messages: [{ at: '3500ms', body: { request: 'hold' } }, { at: '5500ms', body: { request: 'unhold' } }] } }),
  );
  return out;
}

/** A page behind a NAT, a Janus gateway with the SIP plugin, a registrar and a phone. */
function janusSip(name: string, title: string, description: string, secret: string, duration: string, o: { phone?: Json; client?: Json } = {}): Json {
  const client: Json = {
    kind: 'janus-client', host: 'alice', gateway: '198.51.100.40:8088', plugin: 'janus.plugin.sip', browser: 'firefox', stun: ['198.51.100.10:3478'], media: { audio: true },
    prelude: { body: { request: 'register', username: 'sip:1001@rtclab.test', secret, display_name: 'Web', proxy: 'sip:198.51.100.5:5060', outbound_proxy: 'sip:198.51.100.5:5060' }, until: 'registered' },
    body: { request: 'call', uri: 'sip:1002@rtclab.test' },
    hangupAt: '6s',
    ...o.client,
  };
  for (const k of Object.keys(client)) if (client[k] === undefined) delete client[k];
  return {
    name, title, description, seed: 1, duration,
    nodes: {
      ...NODES,
      server: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24'], link: { delay: '10ms' } },
      janus: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.40/24'], link: { delay: '5ms' } },
      ...sideNodes('alice', 'port-restricted-cone'),
    },
    apps: [
      { kind: 'stun-server', host: 'server', listen: '198.51.100.10:3478' },
      REGISTRAR,
      phone('mobile', '192.0.2.30:5060', '1002', 'hunter2', { displayName: 'Mobile', rtpPort: 4002, ...o.phone }),
      { kind: 'janus', host: 'janus', port: 8088, plugins: ['janus.plugin.sip'] },
      client,
    ],
  };
}
