/**
 * Presets that fail, one cause each, so that `rtclab run` shows its diagnosis (sim/diagnosis, docs/diagnosis.md):
 * wrong TURN credentials, a TURN quota, UDP blocked with only a UDP TURN server, symmetric NATs without TURN, both DTLS sides
 * active, both passive, an SRTP key derived wrong, RTP on SSRCs never signaled. sim/diagnosis/presets.test.ts pins
 * the cause each one is diagnosed with.
 */
import { p2p } from './calls.ts';
import { icePairScenario, sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const dtlsPeer = (host: 'alice' | 'bob', setup: 'active' | 'passive'): Json => ({
  kind: 'dtls-peer',
  host,
  bind: host === 'alice' ? '203.0.113.50:50000' : '198.51.100.20:50000',
  remote: host === 'alice' ? '198.51.100.20:50000' : '203.0.113.50:50000',
  setup,
  peer: host === 'alice' ? 'bob' : 'alice',
  media: { audio: true },
});

function dtlsPair(name: string, title: string, description: string, setup: 'active' | 'passive'): Json {
  return {
    name, title, description, seed: 1, duration: '15s',
    nodes: {
      internet: { kind: 'router' },
      alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '20ms' } },
      bob: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.20/24'], link: { delay: '15ms' } },
    },
    apps: [dtlsPeer('alice', setup), dtlsPeer('bob', setup)],
  };
}

export function failurePresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  const meta = (name: string, title: string, description: string): Json => ({ name, title, description });
  add('fail-turn-wrong-password', 'Failure: wrong TURN passwords behind symmetric NATs', "Both peers sit behind symmetric NATs, so only a relay can connect them, and both were given a wrong TURN password: each Allocate gets 401 with a nonce, the retry with MESSAGE-INTEGRITY gets 401 again, no relayed candidate is gathered, and every direct pair is filtered. The diagnosis names the TURN credentials and the NATs' mapping.", (n, t, d) =>
    icePairScenario(sideNodes('alice', 'symmetric'), sideNodes('bob', 'symmetric'), {
      ...meta(n, t, d), duration: '45s',
      alice: { turn: [{ server: '198.51.100.10:3478', username: 'alice', password: 'not-alice-secret' }] },
      bob: { turn: [{ server: '198.51.100.10:3478', username: 'bob', password: 'not-bob-secret' }] },
    }),
  );
  add('fail-udp-blocked-no-tcp-turn', 'Failure: UDP blocked, and TURN over UDP only', "Alice's firewall drops all UDP. Her STUN Binding requests, her TURN Allocate and every check are dropped there; she was given TURN over UDP only, so nothing reaches the relay. A TURN server over TCP or TLS on port 443 would have connected the call.", (n, t, d) =>
    icePairScenario(sideNodes('alice', 'udp-blocked'), sideNodes('bob', 'port-restricted-cone'), { ...meta(n, t, d), duration: '45s' }),
  );
  add('fail-turn-quota', 'Failure: the TURN server refuses every allocation (quota)', "Both peers sit behind symmetric NATs, so only a relay can connect them, but the TURN server allows no allocation per user (`userQuota: 0`): each authenticated Allocate gets 486 Allocation Quota Reached (RFC 8656 §7.2), no relayed candidate is gathered, and every direct pair is filtered. The diagnosis names the quota and the NATs' mapping.", (n, t, d) => {
    const s = icePairScenario(sideNodes('alice', 'symmetric'), sideNodes('bob', 'symmetric'), { ...meta(n, t, d), duration: '45s' });
    return { ...s, apps: (s.apps as Json[]).map((a) => (a.kind === 'turn-server' ? { ...a, userQuota: 0 } : a)) };
  });
  add('fail-symmetric-no-turn', 'Failure: symmetric NATs on both sides, no TURN', 'Both NATs map address-and-port-dependently: the port each peer shows the STUN server is not the one it uses toward the other peer, so every check arrives at the other NAT from a port it never sent to and is filtered. With no TURN server, ICE fails when the checks time out.', (n, t, d) =>
    icePairScenario(sideNodes('alice', 'symmetric'), sideNodes('bob', 'symmetric'), { ...meta(n, t, d), turn: false, duration: '45s' }),
  );
  add('fail-dtls-both-active', 'Failure: both sides a=setup:active', 'Both DTLS peers were told to be active (RFC 8842 §5.1 wants one active and one passive): each sends ClientHellos and neither plays the server, so the handshake never completes and no SRTP key is made.', (n, t, d) =>
    dtlsPair(n, t, d, 'active'),
  );
  add('fail-dtls-both-passive', 'Failure: both sides a=setup:passive', 'Both DTLS peers wait as server for a ClientHello that nobody sends: not a single DTLS datagram crosses the network.', (n, t, d) =>
    dtlsPair(n, t, d, 'passive'),
  );
  add('fail-srtp-auth', 'Failure: Bob derives a wrong SRTP key for receiving', "ICE connects and the DTLS handshake completes with both fingerprints verified, but Bob's stack derives the key it receives with wrong (fault injection: `corruptSrtpKey: \"receive\"` flips one bit of Alice's master key as Bob holds it). Every SRTP and SRTCP packet from Alice fails its authentication tag check at Bob (RFC 3711 §3.3) and is discarded: Bob hears and sees nothing, while Alice receives Bob's media as usual.", (n, t, d) =>
    p2p(n, t, d, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone'), { bob: { corruptSrtpKey: 'receive' } }),
  );
  add('fail-unknown-ssrc', 'Failure: Alice sends RTP on SSRCs she never signaled, without MID', "ICE, DTLS and SRTP all work, but Alice's stack sends its audio and video on other SSRCs than its a=ssrc lines announce and leaves out the MID header extension it negotiated (fault injection: `rtpFaults: [\"unsignaled-ssrc\", \"strip-mid\"]`). Bob decrypts every packet but cannot associate any with an m= section of the BUNDLE group: the MID extension would have named it, a signaled SSRC would have, and with MID negotiated a browser does not guess from the payload type (RFC 8843 §9.2). Bob drops Alice's media, noting each stream once; Alice receives Bob's as usual.", (n, t, d) =>
    p2p(n, t, d, sideNodes('alice', 'port-restricted-cone'), sideNodes('bob', 'port-restricted-cone'), { alice: { rtpFaults: ['unsignaled-ssrc', 'strip-mid'] } }),
  );
  return out;
}
