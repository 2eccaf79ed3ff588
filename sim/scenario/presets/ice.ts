/**
 * ICE presets (RFC 8445): an ICE-lite server, a role conflict, consent lost then an ICE restart, trickle against
 * all-at-once candidates, a lossy link that needs check retransmissions, and symmetric NATs falling back to TURN.
 * Each is two ice-agent apps and a STUN/TURN server at 198.51.100.10:3478 (./ice-pair.ts builds the JSON).
 */
import { icePairScenario, sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

export function icePresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (name: string, title: string, description: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  const meta = (name: string, title: string, description: string): { name: string; title: string; description: string } => ({ name, title, description });

  add('ice-lite-server', 'ICE-lite media server', 'A mediasoup-style ICE-lite server on a public address: it only answers. Alice, behind a port-restricted cone NAT, is controlling: she sends every check and nominates; the server accepts USE-CANDIDATE.', (n, t, d) =>
    icePairScenario(sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'open'), {
      ...meta(n, t, d), turn: false, duration: '10s',
      bob: { lite: true, stun: [] },
    }),
  );
  add('ice-role-conflict', 'ICE role conflict', 'Both agents start controlling (RFC 8445 §7.3.1.1): the first check carries ICE-CONTROLLING to an agent that also controls; the larger tie-breaker keeps the role, the other gets 487 Role Conflict or switches.', (n, t, d) =>
    icePairScenario(sideNodes('alice', 'full-cone'), sideNodes('bob', 'port-restricted-cone'), {
      ...meta(n, t, d), turn: false, duration: '10s',
      bob: { role: 'controlling' },
    }),
  );
  add('ice-consent-restart', 'Consent lost, then ICE restart', "Alice's NAT loses its uplink at 10 s: consent checks (RFC 7675) go unanswered, the state turns disconnected after 10 s and failed when consent is lost at 30 s; alice restarts ICE with new credentials (RFC 8445 §9); the link returns at 45 s and the new checks succeed.", (n, t, d) =>
    icePairScenario(sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'open'), {
      ...meta(n, t, d), turn: false, duration: '60s',
      alice: { restartOnFailure: true },
      events: [
        { at: '10s', link: 'natA-wan', set: { down: true } },
        { at: '45s', link: 'natA-wan', set: { down: false } },
      ],
    }),
  );
  const trickle = (on: boolean) => (n: string, t: string, d: string): Json =>
    icePairScenario(sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'restricted-cone'), {
      ...meta(n, t, d), trickle: on, duration: '10s',
      alice: { signalingDelay: '100ms' }, bob: { signalingDelay: '100ms' },
    });
  add('ice-trickle', 'Trickle ICE', 'Candidates leave as soon as they are gathered (RFC 8838), with end-of-candidates at the end: checks start on host candidates while STUN and TURN are still answering.', trickle(true));
  add('ice-no-trickle', 'ICE without trickle', 'The same pair of peers, but each sends its candidates in one description once gathering has finished (STUN, then the TURN 401 dance): connecting takes longer by the gathering time.', trickle(false));
  add('ice-lossy-link', 'ICE over a lossy link', "Alice's uplink loses 30% of datagrams both ways: checks are retransmitted (RFC 8489 §6.2.1: 500 ms, doubling) until answers get through.", (n, t, d) =>
    icePairScenario(
      { natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms', loss: 0.3 } }, alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } } },
      sideNodes('bob', 'full-cone'),
      { ...meta(n, t, d), turn: false, duration: '8s' },
    ),
  );
  add('ice-symmetric-turn', 'Symmetric NATs on both sides fall back to TURN', 'Every remote endpoint sees another external port (address-and-port-dependent mapping), and the NATs only let in what answers their own flows: every direct pair fails and the selected pair goes through the TURN relay as ChannelData.', (n, t, d) =>
    icePairScenario(sideNodes('alice', 'symmetric'), sideNodes('bob', 'symmetric'), { ...meta(n, t, d), duration: '15s' }),
  );
  add('ice-same-nat', 'Both peers behind the same NAT', 'Alice and bob share one home NAT and one LAN: their host candidates reach each other directly, so the host pair wins (priority 126 on both sides) and nothing crosses the NAT.', (n, t, d) =>
    icePairScenario(
      {
        natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
        alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
        bob: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.20/24'], link: { delay: '1ms' } },
      },
      {},
      { ...meta(n, t, d), duration: '10s' },
    ),
  );
  add('ice-double-nat', 'ICE through a double NAT', "Alice sits behind a home NAT behind a carrier-grade NAT; both map endpoint-independently, so the STUN server's view of her (the CGN's outer mapping) is a server-reflexive candidate bob can reach.", (n, t, d) =>
    icePairScenario(
      {
        cgnat: { kind: 'nat', uplink: 'internet', preset: 'cgnat', internal: '100.64.0.1/10', external: ['203.0.113.10'], link: { delay: '10ms' } },
        home: { kind: 'nat', uplink: 'cgnat', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['100.64.0.42'], link: { delay: '3ms' } },
        alice: { kind: 'host', uplink: 'home', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
      },
      sideNodes('bob', 'port-restricted-cone'),
      { ...meta(n, t, d), duration: '10s' },
    ),
  );
  add('ice-stun-port-unreachable', 'A STUN server port nobody serves: ICMP ends the wait', "Alice was given the STUN server's address with the wrong port (3479). The server's host answers her Binding request with ICMP Port Unreachable, her NAT translates it back to her by the mapping the request made (RFC 5508), and her agent ends the transaction at once instead of retransmitting for 39.5 s (RFC 8445 §7.2.5.2.2): gathering finishes in one round trip, without a server-reflexive candidate, and the call still connects on the peer-reflexive candidate the checks reveal.", (n, t, d) =>
    icePairScenario(sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'open'), {
      ...meta(n, t, d), turn: false, duration: '5s',
      alice: { stun: ['198.51.100.10:3479'] },
    }),
  );
  return out;
}
