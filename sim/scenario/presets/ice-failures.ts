/**
 * Presets in which ICE fails, or works worse than it could, for a reason of the agents' own (sim/diagnosis names each,
 * docs/diagnosis.md lists them): a role conflict one agent never resolves, checks refused with 400, checks nobody
 * answers, a relayed pair chosen over a direct one, a STUN answer dropped on its way back.
 * sim/diagnosis/presets.test.ts pins the cause each one is diagnosed with.
 */
import { icePairScenario, sideNodes, TURN_USERS } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

export function iceFailurePresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  const meta = (name: string, title: string, description: string): Json => ({ name, title, description });
  add('fail-ice-role-conflict', 'Failure: a role conflict one agent never resolves', "Both agents start controlling, as in ice-role-conflict, but alice's stack ignores role conflicts (fault injection: `faults: [\"no-role-switch\"]`): bob's tie-breaker is the larger, so bob answers each of alice's checks with 487 Role Conflict (RFC 8445 §7.3.1.1); alice should switch to controlled and check again (§7.2.5.1), but takes each 487 for a failure of the pair and answers bob's checks as if nothing were wrong. Bob, still controlling, gets his answers and nominates; alice ignores his USE-CANDIDATE, since she believes she controls, and fails when every pair of hers has got its 487.", (n, t, d) =>
    icePairScenario(sideNodes('alice', 'full-cone'), sideNodes('bob', 'port-restricted-cone'), {
      ...meta(n, t, d), turn: false, duration: '45s',
      alice: { tieBreaker: '1000', faults: ['no-role-switch'] },
      bob: { role: 'controlling', tieBreaker: '2000' },
    }),
  );
  add('fail-ice-bad-request', 'Failure: checks refused with 400 Bad Request', "Alice's stack leaves PRIORITY out of its connectivity checks (fault injection: `faults: [\"no-priority\"]`). Bob authenticates each check, then refuses it with a signed 400 Bad Request: without PRIORITY he could not give a peer-reflexive candidate its priority (RFC 8445 §7.1.1, §7.3). Bob's own checks are answered, but he is controlled and waits for a nomination alice, with no valid pair, never sends: alice fails when every pair of hers has been refused.", (n, t, d) =>
    icePairScenario(sideNodes('alice', 'full-cone'), sideNodes('bob', 'port-restricted-cone'), {
      ...meta(n, t, d), turn: false, duration: '45s',
      alice: { faults: ['no-priority'] },
    }),
  );
  add('fail-ice-no-response', 'Failure: a peer that never answers checks', "Bob's stack reads alice's connectivity checks and answers none of them (fault injection: `faults: [\"ignore-checks\"]`). Nothing on the way drops them: every one is delivered to bob, and alice retransmits each until it times out (RFC 8489 §6.2.1: 7 transmissions over 39.5 s). Bob's own checks are answered, but he is controlled and alice, with no valid pair, never nominates. The diagnosis follows the checks to the hop that delivered the last of them and to the agent that never answered.", (n, t, d) =>
    icePairScenario(sideNodes('alice', 'full-cone'), sideNodes('bob', 'port-restricted-cone'), {
      ...meta(n, t, d), turn: false, duration: '45s',
      bob: { faults: ['ignore-checks'] },
    }),
  );
  add('call-relay-over-direct', 'Degraded: a relay nominated before the direct candidates arrived', "Both peers sit behind port-restricted cone NATs, so srflx ↔ srflx works; but their STUN server is far away (1.5 s each way) while the TURN server is near, so the relayed candidates trickle in seconds before the server-reflexive ones. Alice nominates as RFC 8445 §8.1.1 says (regular nomination, 2 s after the first valid pair): a relayed pair is valid and nothing better is being checked yet, so she nominates it. When the srflx candidates arrive, bob (libwebrtc's semi-aggressive mode keeps checking after a selection) checks the direct pair, alice's triggered checks make it valid too, and regular nomination never nominates again: the media goes through the relay for the rest of the call.", (n, t, d) => {
    const tcpTurn = (host: string) => [{ url: 'turn:198.51.100.10:3478?transport=tcp', username: host, password: TURN_USERS[host] }];
    const s = icePairScenario(sideNodes('alice', 'full-cone'), sideNodes('bob', 'port-restricted-cone'), {
      ...meta(n, t, d), duration: '15s',
      alice: { stun: [FAR_STUN], turn: tcpTurn('alice') },
      bob: { stun: [FAR_STUN], turn: tcpTurn('bob'), nomination: 'semi-aggressive' },
    });
    return {
      ...s,
      nodes: { ...(s.nodes as Json), stun: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.30/24'], link: { delay: '1500ms' } } },
      apps: [...(s.apps as Json[]).map((a) => (a.kind === 'turn-server' ? { ...a, tcp: true } : a)), { kind: 'stun-server', host: 'stun', listen: FAR_STUN }],
    };
  });
  add('ice-stun-answer-filtered', 'Degraded: the STUN answer comes from another address and the NAT drops it', "Alice was given a STUN server whose host has two addresses: she asks 198.51.100.31, but the server answers every Binding request from 198.51.100.30 (`replyFrom`: a UDP server bound to the wildcard address answers from the host's primary address, not from the one the request came to, RFC 8489 §6.3). Her port-restricted cone NAT has never sent to 198.51.100.30 and drops each answer (RFC 4787 §5: filtering by the remote address and port). She retransmits for 39.5 s and gathers no server-reflexive candidate; the call still connects, through the peer-reflexive candidate bob (full cone, asking the other STUN server) learns from her checks.", (n, t, d) => {
    const s = icePairScenario(sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'full-cone'), {
      ...meta(n, t, d), turn: false, duration: '45s',
      alice: { stun: [MULTIHOMED_STUN] },
    });
    return {
      ...s,
      nodes: { ...(s.nodes as Json), stun: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.30/24', '198.51.100.31/24'], link: { delay: '10ms' } } },
      apps: [...(s.apps as Json[]), { kind: 'stun-server', host: 'stun', listen: MULTIHOMED_STUN, replyFrom: '198.51.100.30:3478' }],
    };
  });
  return out;
}

/** The address the peers are given of a STUN server that answers from its other address. */
const MULTIHOMED_STUN = '198.51.100.31:3478';

/** A STUN server 1.5 s away: its answers come long after the near TURN server's. */
const FAR_STUN = '198.51.100.30:3478';
