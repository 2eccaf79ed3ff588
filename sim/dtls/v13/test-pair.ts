import { Rng } from '../../core/rng.ts';
import type { LinkDirection } from '../../net/link-params.ts';
import { EndpointDriver } from '../../net/endpoint-driver.ts';
import { twoHosts } from '../../net/test-topology.ts';
import type { Network } from '../../net/network.ts';
import type { DtlsEndpointOptions } from '../config.ts';
import { generateDtlsIdentity } from '../identity.ts';
import { createDtlsEndpoint, type AnyDtlsEndpoint } from './factory.ts';

/** Two DTLS endpoints of any versions (factory.ts) on two simulated hosts joined by one link, for tests. */
export interface VersionedPair {
  readonly net: Network;
  readonly client: AnyDtlsEndpoint;
  readonly server: AnyDtlsEndpoint;
}

type Extra = Partial<Omit<DtlsEndpointOptions, 'role' | 'rng' | 'identity' | 'local' | 'remote'>>;

export function versionedPair(opts: { link?: Partial<LinkDirection>; seed?: number; client?: Extra; server?: Extra; wrongFingerprint?: boolean; remoteBySetRemote?: boolean } = {}): VersionedPair {
  const { net, a, b } = twoHosts(opts.link ?? { delay: 20_000 }, opts.seed ?? 1);
  const rng = Rng.fromSeed(opts.seed ?? 1);
  const ca = { ip: '10.0.0.1', port: 5000 };
  const sa = { ip: '10.0.0.2', port: 6000 };
  const cid = generateDtlsIdentity(rng.fork('client-id'), 'client');
  const sid = generateDtlsIdentity(rng.fork('server-id'), 'server');
  const mallory = generateDtlsIdentity(rng.fork('mallory-id'), 'mallory');
  // remoteBySetRemote: the client learns its remote later, from setRemote, as over ICE (a WebRtcPeer's transport)
  const client = createDtlsEndpoint({ role: 'client', rng: rng.fork('client'), identity: cid, local: ca, ...(opts.remoteBySetRemote ? {} : { remote: sa }), remoteFingerprint: `sha-256 ${opts.wrongFingerprint ? mallory.fingerprint : sid.fingerprint}`, ...opts.client });
  const server = createDtlsEndpoint({ role: 'server', rng: rng.fork('server'), identity: sid, local: sa, remoteFingerprint: `sha-256 ${cid.fingerprint}`, ...opts.server });
  const dc = new EndpointDriver(net, a, client, 'client/dtls');
  const ds = new EndpointDriver(net, b, server, 'server/dtls');
  dc.bind(ca.ip, ca.port);
  ds.bind(sa.ip, sa.port);
  net.scheduler.at(0, 'start', () => {
    if (opts.remoteBySetRemote) client.setRemote(sa);
    ds.pump();
    dc.pump();
  });
  return { net, client, server };
}
