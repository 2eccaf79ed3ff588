import type { TransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { CURVES, SRTP_PROFILE_IDS, type DtlsCurveName, type DtlsSrtpProfileName } from '../dtls/config.ts';
import { generateDtlsIdentity, type DtlsIdentity } from '../dtls/identity.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { join, type Check } from '../scenario/check.ts';
import { DtlsPeer } from './dtls-peer.ts';

/**
 * The scenario app "dtls-peer": a DTLS-SRTP peer without ICE (until the ICE agent hands it a selected pair).
 *
 *   { "kind": "dtls-peer", "host": "alice", "bind": "10.0.0.1:5000", "remote": "10.0.0.2:6000",
 *     "setup": "active", "peer": "bob", "curves": ["x25519"], "srtpProfiles": ["SRTP_AEAD_AES_128_GCM"],
 *     "mtu": 1200, "media": { "audio": true, "video": { "fps": 30 } } }
 *
 * `setup` is the SDP a=setup value (active = DTLS client, passive = server, RFC 5763 §5). `peer` names the host
 * whose certificate fingerprint signaling delivered: the check fails when someone else answers. A passive side
 * may leave `remote` out and answer whoever sends a ClientHello with a valid cookie.
 */
export const DTLS_PEER_APP_KIND = 'dtls-peer';

export interface DtlsPeerAppSpec {
  readonly kind: 'dtls-peer';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly remote?: TransportAddress;
  readonly role: 'client' | 'server';
  readonly peer?: string;
  readonly curves?: readonly DtlsCurveName[];
  readonly srtpProfiles?: readonly DtlsSrtpProfileName[];
  readonly mtu?: number;
  readonly media: { readonly audio: boolean; readonly video: false | { readonly fps?: number; readonly keyframeInterval?: number } };
  readonly start: Micros;
}

const KEYS = ['kind', 'host', 'bind', 'remote', 'setup', 'peer', 'curves', 'srtpProfiles', 'mtu', 'media', 'start'];

export function parseDtlsPeerApp(c: Check, path: string, o: Record<string, unknown>, kinds: Map<string, string>): DtlsPeerAppSpec | undefined {
  c.onlyKeys(path, o, KEYS);
  const host = c.string(join(path, 'host'), o.host);
  if (host !== undefined && kinds.get(host) !== 'host') c.fail(join(path, 'host'), `no host named ${JSON.stringify(host)}`);
  const bind = c.transport(join(path, 'bind'), o.bind);
  const remote = o.remote === undefined ? undefined : c.transport(join(path, 'remote'), o.remote);
  const setup = c.oneOf(join(path, 'setup'), o.setup, ['active', 'passive'] as const);
  if (setup === 'active' && o.remote === undefined) c.fail(join(path, 'remote'), 'an active (client) side needs the remote address to send its ClientHello to');
  const peer = o.peer === undefined ? undefined : c.string(join(path, 'peer'), o.peer);
  if (peer !== undefined && kinds.get(peer) !== 'host') c.fail(join(path, 'peer'), `no host named ${JSON.stringify(peer)}`);
  const list = <T extends string>(key: string, options: readonly T[]): T[] | undefined => {
    if (o[key] === undefined) return undefined;
    const arr = c.array(join(path, key), o[key]) ?? [];
    if (arr.length === 0) c.fail(join(path, key), 'give at least one');
    return arr.map((v, i) => c.oneOf(join(join(path, key), i), v, options)).filter((v): v is T => v !== undefined);
  };
  const curves = list('curves', Object.keys(CURVES) as DtlsCurveName[]);
  const srtpProfiles = list('srtpProfiles', Object.keys(SRTP_PROFILE_IDS) as DtlsSrtpProfileName[]);
  const mtu = o.mtu === undefined ? undefined : c.integer(join(path, 'mtu'), o.mtu, 128, 65507);
  const start = o.start === undefined ? 0 : (c.duration(join(path, 'start'), o.start) ?? 0);
  let media: DtlsPeerAppSpec['media'] = { audio: false, video: false };
  if (o.media !== undefined) {
    const m = c.object(join(path, 'media'), o.media);
    if (m) {
      c.onlyKeys(join(path, 'media'), m, ['audio', 'video']);
      const audio = m.audio === undefined ? false : (c.boolean(join(join(path, 'media'), 'audio'), m.audio) ?? false);
      let video: DtlsPeerAppSpec['media']['video'] = false;
      if (typeof m.video === 'boolean') video = m.video ? {} : false;
      else if (m.video !== undefined) {
        const vp = join(join(path, 'media'), 'video');
        const v = c.object(vp, m.video);
        if (v) {
          c.onlyKeys(vp, v, ['fps', 'keyframeInterval']);
          const fps = v.fps === undefined ? undefined : c.integer(join(vp, 'fps'), v.fps, 1, 120);
          const ki = v.keyframeInterval === undefined ? undefined : c.number(join(vp, 'keyframeInterval'), v.keyframeInterval, 0.1, 600);
          video = { ...(fps !== undefined ? { fps } : {}), ...(ki !== undefined ? { keyframeInterval: ki } : {}) };
        }
      }
      media = { audio, video };
    }
  }
  if (host === undefined || !bind || !setup) return undefined;
  return {
    kind: 'dtls-peer',
    host,
    bind,
    ...(remote ? { remote } : {}),
    role: setup === 'active' ? 'client' : 'server',
    ...(peer !== undefined ? { peer } : {}),
    ...(curves ? { curves } : {}),
    ...(srtpProfiles ? { srtpProfiles } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
    media,
    start,
  };
}

const identities = new WeakMap<Network, Map<string, DtlsIdentity>>();

/** One certificate per host (as a browser keeps one per RTCPeerConnection), from the host's own RNG stream. */
export function identityFor(net: Network, host: string): DtlsIdentity {
  let m = identities.get(net);
  if (!m) {
    m = new Map();
    identities.set(net, m);
  }
  let id = m.get(host);
  if (!id) {
    id = generateDtlsIdentity(net.rng.fork(`${host}/dtls-identity`), host);
    m.set(host, id);
  }
  return id;
}

export function buildDtlsPeerApp(
  net: Network,
  host: Host,
  spec: DtlsPeerAppSpec,
  source: string,
  own: (addr: { ip: string }, field: string) => void,
): { endpoint: DtlsPeer; driver: EndpointDriver } {
  own(spec.bind, 'bind');
  const rng = net.rng.fork(`${source}/dtls`);
  const endpoint = new DtlsPeer({
    role: spec.role,
    rng,
    identity: identityFor(net, spec.host),
    local: spec.bind,
    ...(spec.remote ? { remote: spec.remote } : {}),
    ...(spec.peer ? { remoteFingerprint: `sha-256 ${identityFor(net, spec.peer).fingerprint}` } : {}),
    ...(spec.curves ? { curves: spec.curves } : {}),
    ...(spec.srtpProfiles ? { srtpProfiles: spec.srtpProfiles } : {}),
    ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
    media: { audio: spec.media.audio, video: spec.media.video === false ? false : spec.media.video },
    name: spec.host,
    mediaRng: net.rng.fork(`${source}/media`),
  });
  const driver = new EndpointDriver(net, host, endpoint, source);
  driver.bind(spec.bind.ip, spec.bind.port);
  // held back until its start time: its first poll then only asks to be woken at that moment
  if (spec.start > 0) endpoint.holdUntil(spec.start);
  return { endpoint, driver };
}

/** `summary.dtls`, `summary.srtp` and `summary.media`, keyed by app source ("alice/dtls-peer"); empty without peers. */
export function dtlsPeerSummary(apps: readonly { readonly endpoint: unknown; readonly driver: EndpointDriver }[]): { [key: string]: JsonValue } {
  const dtls: { [key: string]: JsonValue } = {};
  const srtp: { [key: string]: JsonValue } = {};
  const media: { [key: string]: JsonValue } = {};
  for (const a of apps) {
    if (!(a.endpoint instanceof DtlsPeer)) continue;
    const s = a.endpoint.summary();
    dtls[a.driver.source] = s.dtls;
    srtp[a.driver.source] = s.srtp;
    media[a.driver.source] = s.media;
  }
  return Object.keys(dtls).length === 0 ? {} : { dtls, srtp, media };
}
