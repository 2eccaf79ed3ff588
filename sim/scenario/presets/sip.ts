/**
 * Presets for SIP over UDP (RFC 3261): a registrar with digest authentication, phones that register and call each
 * other with plain RTP/AVP G.711 audio, and a wrong password.
 */
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

export function sipPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'sip-register-call',
    'SIP: two phones register, one calls the other',
    'Two SIP phones register with a registrar over UDP: each REGISTER is challenged with 401 and a nonce, answered with digest credentials (RFC 7616, qop=auth) and accepted with 200 and the binding\'s expiry. At 1 s the desk phone calls 1002: the registrar answers the INVITE with 302 and the mobile phone\'s Contact (the 302 is ACKed inside the INVITE transaction), the INVITE goes there, the phone answers 100 Trying, 180 Ringing and after a second 200 OK with a plain RTP/AVP answer; the caller ACKs, both send G.711 audio every 20 ms, and after 3 s the caller hangs up with BYE, answered 200.',
    (n, t, d) => ({
      name: n,
      title: t,
      description: d,
      seed: 1,
      duration: '8s',
      nodes: NODES,
      apps: [REGISTRAR, phone('desk', '203.0.113.20:5060', '1001', 's3cret', { displayName: 'Desk', call: { to: '1002', at: '1s', talkFor: '3s' } }), phone('mobile', '192.0.2.30:5060', '1002', 'hunter2', { displayName: 'Mobile', rtpPort: 4002, registerAt: '50ms' })],
    }),
  );
  add(
    'sip-wrong-password',
    'SIP: a wrong password',
    'A phone registers with the wrong password. The registrar challenges the first REGISTER with 401; the phone answers with digest credentials made from its password; the response does not verify, so the registrar challenges again with a fresh nonce (as Kamailio\'s default configuration does). A second 401 after credentials means they were refused: the phone gives up and reports the registration as failed, as real phones do, instead of repeating the same wrong answer.',
    (n, t, d) => ({ name: n, title: t, description: d, seed: 1, duration: '3s', nodes: NODES, apps: [REGISTRAR, phone('desk', '203.0.113.20:5060', '1001', 'letmein')] }),
  );
  return out;
}
