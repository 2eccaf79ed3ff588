/**
 * Presets where a TURN server answers with an error the client has to understand (sim/diagnosis names each): a peer
 * refused by the server's policy (403), a second Allocate on a 5-tuple that holds one (437), a nonce the server
 * rotated (438), recovered from or not. sim/diagnosis/presets.test.ts pins the cause each one is diagnosed with.
 */
import { icePairScenario, sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

/** The ice-pair scenario with the turn-server app's config changed. */
function withServer(s: Json, server: Json): Json {
  return { ...s, apps: (s.apps as Json[]).map((a) => (a.kind === 'turn-server' ? { ...a, ...server } : a)) };
}

export function turnFailurePresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (meta: Json) => Json): void => {
    out.push({ name, title, description, build: () => build({ name, title, description }) });
  };
  add(
    'fail-turn-peer-forbidden',
    'Failure: the TURN server refuses to relay to the peer (403)',
    "Both peers sit behind symmetric NATs; only Alice was given the TURN server, so the call needs her relay to reach Bob's NAT at 203.0.113.20. The server's operator denies peers in 203.0.113.16/28 (coturn's denied-peer-ip, RFC 8656 §21.2.3): Alice's allocation succeeds, but every ChannelBind to one of Bob's addresses there gets 403 Forbidden (RFC 8656 §12.2), so no permission is installed, the server drops what she sends through the relay, and what Bob sends to her relayed address is not let in. ICE fails. The diagnosis names the 403, the peer and the denied range.",
    (meta) =>
      withServer(icePairScenario(sideNodes('alice', 'symmetric'), sideNodes('bob', 'symmetric'), { ...meta, duration: '45s', bob: { turn: [] } }), { deniedPeers: ['10.0.0.0/8', '203.0.113.16/28'] }),
  );
  add(
    'fail-turn-allocation-mismatch',
    'Failure: a restarted TURN client meets its old allocation (437)',
    "Alice's TURN client allocates from 192.168.1.10:5000 behind her NAT, talks to Bob through the relay, then restarts at 20 s on the same port without deleting its allocation (no Refresh with LIFETIME 0). Her NAT keeps the same mapping, so the server sees the same 5-tuple, which still holds the old allocation: the new Allocate, past the 401 challenge, gets 437 Allocation Mismatch (RFC 8656 §7.2). The client has no relayed address until the old allocation expires (RFC 8656 §7.4: it may retry from another local port).",
    (meta) => ({
      ...meta,
      seed: 1,
      duration: '30s',
      nodes: {
        internet: { kind: 'router' },
        turn: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.20/24'], link: { delay: '15ms' } },
        bob: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '12ms' } },
        natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
        alice: { kind: 'host', uplink: 'natA', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
      },
      apps: [
        { kind: 'turn-server', host: 'turn', listen: '198.51.100.20:3478', relay: '198.51.100.20:49152-49167', realm: 'example.org', users: { alice: 's3cr3t-pass' } },
        { kind: 'udp-echo', host: 'bob', listen: ['203.0.113.50:7000'] },
        {
          kind: 'turn-client', host: 'alice', bind: '192.168.1.10:5000', server: '198.51.100.20:3478', username: 'alice', password: 's3cr3t-pass',
          script: [
            { at: '0s', do: 'allocate' },
            { at: '1s', do: 'permission', peers: ['203.0.113.50:7000'] },
            { at: '2s', do: 'send', peer: '203.0.113.50:7000', data: 'hello bob, before the restart' },
            { at: '20s', do: 'restart' },
            { at: '20s', do: 'allocate' },
          ],
        },
      ],
    }),
  );
  // RFC 8489 §9.2: a server may let its nonces go stale whenever it likes; a client answers 438 by retrying with the new one
  const staleNonce = (meta: Json, duration: string, bob: Json): Json =>
    withServer(icePairScenario(sideNodes('alice', 'symmetric'), sideNodes('bob', 'symmetric'), { ...meta, duration, bob }), { nonceLifetime: '60s' });
  add(
    'turn-stale-nonce-recovered',
    'A TURN server rotates its nonce; the clients retry (438)',
    "Both peers sit behind symmetric NATs and talk through their TURN relays. The server's nonces last 60 s (coturn's stale-nonce option), so when the clients refresh their channel bindings' permissions at 240 s, each ChannelBind gets 438 Stale Nonce with a new NONCE; each client retries with it at once (RFC 8489 §9.2.4) and the relay goes on. Nothing failed: the diagnosis has no finding.",
    (meta) => staleNonce(meta, '250s', {}),
  );
  add(
    'fail-turn-stale-nonce',
    'Failure: a TURN client that does not retry after 438 Stale Nonce',
    "As turn-stale-nonce-recovered, but Alice's TURN client treats 438 Stale Nonce as a failure (fault injection: `retryStaleNonce: false`): the ChannelBind that refreshes her permission for Bob at 240 s gets 438 and is not retried, so the permission lapses at 300 s (RFC 8656 §9), the server drops everything between her relayed address and Bob from then on, and consent over the relayed pair is lost. The diagnosis names the 438 Alice did not retry.",
    (meta) => staleNonce(meta, '340s', { turn: [{ server: '198.51.100.10:3478', username: 'bob', password: 'bob-secret', retryStaleNonce: false }] }),
  );
  return out;
}
