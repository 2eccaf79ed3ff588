import { DTLS_NOTE_KINDS } from '../dtls/notes.ts';
import { SRTP_NOTE_KINDS } from '../srtp/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsCurveName, DtlsSrtpProfileName, DtlsVersionName } from '../dtls/config.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { DtlsPeer } from '../peer/dtls-peer.ts';
import { join } from '../schema/check.ts';
import { bool, duration, hostName, oneOf, optional, required, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import { CURVES_FIELD, DTLS_GROUPS13_FIELD, DTLS_KEY_SHARES13_FIELD, DTLS_VERSIONS_FIELD, mediaType, MTU_FIELD, SRTP_PROFILES_FIELD, type Dtls13GroupName } from './peer-common.ts';
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
  readonly mtuFallback: boolean;
  readonly versions?: readonly DtlsVersionName[];
  readonly groups13?: readonly Dtls13GroupName[];
  readonly keyShares13?: readonly Dtls13GroupName[];
  readonly media: { readonly audio: boolean; readonly video: false | { readonly fps?: number; readonly keyframeInterval?: number } };
  readonly start: Micros;
}

export const dtlsPeerApp = defineApp({
  kind: 'dtls-peer',
  about: 'a DTLS-SRTP peer (RFC 5763/5764) with a fixed remote address and no ICE',
  fields: [
    kindField('dtls-peer'),
    HOST_FIELD,
    required('bind', transport, 'The local address and port.', '10.0.0.1:5000'),
    optional('remote', transport, 'Where to send the ClientHello. A passive side without it answers whoever sends a ClientHello with a valid cookie.', '10.0.0.2:6000', 'required when `setup` is `active`'),
    required('setup', oneOf(['active', 'passive'] as const), 'The SDP `a=setup` value (RFC 5763 §5): `active` is the DTLS client, `passive` the server.', 'active'),
    optional('peer', hostName, 'The host whose certificate fingerprint is expected; someone else answering fails the check. Without it, any certificate is accepted unchecked.', 'bob'),
    CURVES_FIELD,
    SRTP_PROFILES_FIELD,
    MTU_FIELD,
    withDefault('mtuFallback', bool, false, '`false`', 'After a flight goes unanswered through more than two timer retransmissions, send at most 548 bytes (576 for IPv4 less the headers), as OpenSSL and BoringSSL on a datagram socket do; browsers do not (sim/dtls/pmtu.ts).', true),
    DTLS_VERSIONS_FIELD,
    DTLS_GROUPS13_FIELD,
    DTLS_KEY_SHARES13_FIELD,
    withDefault('media', mediaType, { audio: false, video: false }, 'no media', 'What it sends once keyed: `audio` and `video`.', { audio: true, video: { fps: 30 } }),
    withDefault('start', duration, 0, '`0`', 'When it starts (the DTLS client sends its ClientHello then).', '0s'),
  ],
  check(c, path, v, o) {
    if (v.setup === 'active' && o.remote === undefined) c.fail(join(path, 'remote'), 'an active (client) side needs the remote address to send its ClientHello to');
  },
  spec: ({ host, bind, remote, setup, peer, curves, srtpProfiles, mtu, mtuFallback, versions, groups13, keyShares13, media, start }): DtlsPeerAppSpec => ({
    kind: 'dtls-peer', host, bind, ...(remote ? { remote } : {}), role: setup === 'active' ? 'client' : 'server',
    ...(versions ? { versions } : {}), ...(groups13 ? { groups13 } : {}), ...(keyShares13 ? { keyShares13 } : {}),
    ...(peer !== undefined ? { peer } : {}), ...(curves ? { curves } : {}), ...(srtpProfiles ? { srtpProfiles } : {}), ...(mtu !== undefined ? { mtu } : {}), mtuFallback,
    media, start,
  }),
  build(world, host, spec: DtlsPeerAppSpec, ctx) {
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
      ...(spec.mtuFallback ? { mtuFallback: true } : {}),
      ...(spec.versions ? { versions: spec.versions } : {}),
      ...(spec.groups13 ? { groups13: spec.groups13 } : {}),
      ...(spec.keyShares13 ? { keyShares13: spec.keyShares13 } : {}),
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
  notes: [DTLS_NOTE_KINDS, SRTP_NOTE_KINDS],
});
