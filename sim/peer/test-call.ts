import { Rng } from '../core/rng.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { LinkDirection } from '../net/link-params.ts';
import type { Network } from '../net/network.ts';
import { twoHosts } from '../net/test-topology.ts';
import type { DtlsSrtpProfileName } from '../dtls/config.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { DtlsPeer } from './dtls-peer.ts';

/** Alice (DTLS client, a=setup:active) and Bob (server) on two hosts, sending audio and video, for tests. */
export function testCall(opts: { link?: Partial<LinkDirection>; seed?: number; profile?: DtlsSrtpProfileName } = {}): { net: Network; alice: DtlsPeer; bob: DtlsPeer } {
  const { net, a, b } = twoHosts(opts.link ?? { delay: 20_000 }, opts.seed ?? 1);
  const rng = Rng.fromSeed(opts.seed ?? 1);
  const aliceId = generateDtlsIdentity(rng.fork('alice-id'), 'alice');
  const bobId = generateDtlsIdentity(rng.fork('bob-id'), 'bob');
  const aAddr = { ip: '10.0.0.1', port: 5000 };
  const bAddr = { ip: '10.0.0.2', port: 6000 };
  const media = { audio: true, video: { fps: 30 } };
  const profiles = opts.profile ? [opts.profile] : undefined;
  const alice = new DtlsPeer({ role: 'client', rng: rng.fork('alice'), identity: aliceId, local: aAddr, remote: bAddr, remoteFingerprint: bobId.fingerprint, media, name: 'alice', ...(profiles ? { srtpProfiles: profiles } : {}) });
  const bob = new DtlsPeer({ role: 'server', rng: rng.fork('bob'), identity: bobId, local: bAddr, remote: aAddr, remoteFingerprint: aliceId.fingerprint, media, name: 'bob' });
  const da = new EndpointDriver(net, a, alice, 'alice/peer');
  const db = new EndpointDriver(net, b, bob, 'bob/peer');
  da.bind(aAddr.ip, aAddr.port);
  db.bind(bAddr.ip, bAddr.port);
  net.scheduler.at(0, 'start', () => {
    db.pump();
    da.pump();
  });
  return { net, alice, bob };
}
