import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsCurveName, DtlsSrtpProfileName } from '../dtls/config.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { DtlsPeer } from '../peer/dtls-peer.ts';
import { join } from '../schema/check.ts';
import type { AppKind } from './app-kind.ts';
import { hostField } from './fields.ts';
import { CURVE_NAMES, nameList, SRTP_PROFILE_NAMES } from './peer-common.ts';
import { DTLS_SECTION, MEDIA_SECTION, SRTP_SECTION } from './sections.ts';

/**
 * The scenario app "dtls-peer": a DTLS-SRTP peer without ICE (sim/peer/dtls-peer.ts).
 *
 *   { "kind": "dtls-peer", "host": "alice", "bind": "10.0.0.1:5000", "remote": "10.0.0.2:6000",
 *     "setup": "active", "peer": "bob", "curves": ["x25519"], "srtpProfiles": ["SRTP_AEAD_AES_128_GCM"],
 *     "mtu": 1200, "media": { "audio": true, "video": { "fps": 30 } } }
 *
 * `setup` is the SDP a=setup value (active = DTLS client, passive = server, RFC 5763 §5). `peer` names the host
 * whose certificate fingerprint signaling delivered: the check fails when someone else answers. A passive side
 * may leave `remote` out and answer whoever sends a ClientHello with a valid cookie.
 */
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

export const dtlsPeerApp: AppKind<DtlsPeerAppSpec, DtlsPeer> = {
  kind: 'dtls-peer',
  about: 'a DTLS-SRTP peer (RFC 5763/5764) with a fixed remote address and no ICE',
  parse(c, path, o, ctx) {
    c.onlyKeys(path, o, KEYS);
    const host = hostField(c, path, 'host', o.host, ctx);
    const bind = c.transport(join(path, 'bind'), o.bind);
    const remote = o.remote === undefined ? undefined : c.transport(join(path, 'remote'), o.remote);
    const setup = c.oneOf(join(path, 'setup'), o.setup, ['active', 'passive'] as const);
    if (setup === 'active' && o.remote === undefined) c.fail(join(path, 'remote'), 'an active (client) side needs the remote address to send its ClientHello to');
    const peer = o.peer === undefined ? undefined : hostField(c, path, 'peer', o.peer, ctx);
    const curves = nameList(c, path, o, 'curves', CURVE_NAMES);
    const srtpProfiles = nameList(c, path, o, 'srtpProfiles', SRTP_PROFILE_NAMES);
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
      kind: 'dtls-peer', host, bind, ...(remote ? { remote } : {}), role: setup === 'active' ? 'client' : 'server',
      ...(peer !== undefined ? { peer } : {}), ...(curves ? { curves } : {}), ...(srtpProfiles ? { srtpProfiles } : {}), ...(mtu !== undefined ? { mtu } : {}),
      media, start,
    };
  },
  build(world, host, spec, ctx) {
    ctx.own(spec.bind, 'bind');
    const rng = world.rng(`${ctx.source}/dtls`);
    const endpoint = new DtlsPeer({
      role: spec.role,
      rng,
      identity: world.identity(spec.host),
      local: spec.bind,
      ...(spec.remote ? { remote: spec.remote } : {}),
      ...(spec.peer ? { remoteFingerprint: `sha-256 ${world.identity(spec.peer).fingerprint}` } : {}),
      ...(spec.curves ? { curves: spec.curves } : {}),
      ...(spec.srtpProfiles ? { srtpProfiles: spec.srtpProfiles } : {}),
      ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
      media: { audio: spec.media.audio, video: spec.media.video === false ? false : spec.media.video },
      name: spec.host,
      mediaRng: world.rng(`${ctx.source}/media`),
    });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    driver.bind(spec.bind.ip, spec.bind.port);
    // held back until its start time: its first poll then only asks to be woken at that moment
    if (spec.start > 0) endpoint.holdUntil(spec.start);
    return { endpoint, driver };
  },
  sections: [DTLS_SECTION, SRTP_SECTION, MEDIA_SECTION],
  summary({ endpoint, driver }) {
    const s = endpoint.summary();
    return [
      { section: DTLS_SECTION, key: driver.source, value: s.dtls },
      { section: SRTP_SECTION, key: driver.source, value: s.srtp },
      { section: MEDIA_SECTION, key: driver.source, value: s.media },
    ];
  },
  notes: ['dtls.*', 'srtp.*', 'media.*', 'rtcp.*'],
};
