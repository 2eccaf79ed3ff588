import type { TransportAddress } from '../core/endpoint.ts';
import { MS, type Micros } from '../core/time.ts';
import { CURVES, SRTP_PROFILE_IDS, type DtlsCurveName, type DtlsSrtpProfileName } from '../dtls/config.ts';
import type { TurnServerConfig } from '../ice/agent.ts';
import { WebRtcPeer } from '../peer/webrtc-peer.ts';
import { join, type Check } from '../schema/check.ts';
import type { Obj, SummaryPart } from './app-kind.ts';
import { DTLS_SECTION, ICE_SECTION, MEDIA_SECTION, PEER_SECTION, SRTP_SECTION } from './sections.ts';
import type { World } from './world.ts';

/** What the browser-like app kinds share: webrtc-peer and sfu-client (ICE servers, DTLS options, media, summary). */

export type MediaSpec = { readonly audio: boolean; readonly video: false | { readonly fps?: number; readonly keyframeInterval?: number } };

/** The `stun` and `turn` server lists an ICE-speaking app takes (ice-agent, webrtc-peer, sfu-client). */
export function parseIceServers(c: Check, path: string, o: Record<string, unknown>) {
  const stun = o.stun === undefined ? [] : (c.array(join(path, 'stun'), o.stun) ?? []).map((s, i) => c.transport(join(join(path, 'stun'), i), s));
  const turn = o.turn === undefined ? [] : (c.array(join(path, 'turn'), o.turn) ?? []).map((t, i) => {
    const tp = join(join(path, 'turn'), i);
    const to = c.object(tp, t);
    if (!to) return undefined;
    c.onlyKeys(tp, to, ['server', 'username', 'password']);
    const server = c.transport(join(tp, 'server'), to.server);
    const username = c.string(join(tp, 'username'), to.username);
    const password = c.string(join(tp, 'password'), to.password);
    return server && username !== undefined && password !== undefined ? { server, username, password } : undefined;
  });
  return { stun, turn };
}

export function parseMedia(c: Check, path: string, v: unknown): MediaSpec {
  if (v === undefined) return { audio: true, video: { fps: 30 } };
  const m = c.object(path, v);
  if (!m) return { audio: false, video: false };
  c.onlyKeys(path, m, ['audio', 'video']);
  const audio = m.audio === undefined ? false : (c.boolean(join(path, 'audio'), m.audio) ?? false);
  if (m.video === undefined || m.video === false) return { audio, video: false };
  if (m.video === true) return { audio, video: {} };
  const vp = join(path, 'video');
  const o = c.object(vp, m.video);
  if (!o) return { audio, video: false };
  c.onlyKeys(vp, o, ['fps', 'keyframeInterval']);
  const fps = o.fps === undefined ? undefined : c.integer(join(vp, 'fps'), o.fps, 1, 120);
  const ki = o.keyframeInterval === undefined ? undefined : c.number(join(vp, 'keyframeInterval'), o.keyframeInterval, 0.1, 600);
  return { audio, video: { ...(fps !== undefined ? { fps } : {}), ...(ki !== undefined ? { keyframeInterval: ki } : {}) } };
}

/** A list of names from `options` under `key` (curves, SRTP profiles): at least one when given. */
export function nameList<T extends string>(c: Check, path: string, o: Record<string, unknown>, key: string, options: readonly T[]): T[] | undefined {
  if (o[key] === undefined) return undefined;
  const arr = c.array(join(path, key), o[key]) ?? [];
  if (arr.length === 0) c.fail(join(path, key), 'give at least one');
  return arr.map((v, i) => c.oneOf(join(join(path, key), i), v, options)).filter((v): v is T => v !== undefined);
}

export const SRTP_PROFILE_NAMES = Object.keys(SRTP_PROFILE_IDS) as DtlsSrtpProfileName[];
export const CURVE_NAMES = Object.keys(CURVES) as DtlsCurveName[];

export interface PeerCommon {
  readonly stun: readonly TransportAddress[];
  readonly turn: readonly TurnServerConfig[];
  readonly trickle: boolean;
  readonly media: MediaSpec;
  readonly signalingDelay: Micros;
  readonly srtpProfiles?: readonly DtlsSrtpProfileName[];
  readonly curves?: readonly DtlsCurveName[];
  readonly mtu?: number;
  readonly port: number;
  readonly startAt: Micros;
}

/** The fields of PeerCommon, as an app object names them. */
export const PEER_COMMON_KEYS = ['kind', 'host', 'stun', 'turn', 'trickle', 'media', 'signalingDelay', 'srtpProfiles', 'curves', 'mtu', 'port', 'startAt'];

/** The ICE servers, DTLS options and media that a webrtc-peer and an sfu-client share. */
export function parsePeerCommon(c: Check, path: string, o: Record<string, unknown>): PeerCommon {
  const { stun, turn } = parseIceServers(c, path, o);
  const srtpProfiles = nameList(c, path, o, 'srtpProfiles', SRTP_PROFILE_NAMES);
  const curves = nameList(c, path, o, 'curves', CURVE_NAMES);
  const mtu = o.mtu === undefined ? undefined : c.integer(join(path, 'mtu'), o.mtu, 128, 65507);
  const trickle = o.trickle === undefined ? true : (c.boolean(join(path, 'trickle'), o.trickle) ?? true);
  const signalingDelay = o.signalingDelay === undefined ? 50 * MS : (c.duration(join(path, 'signalingDelay'), o.signalingDelay) ?? 50 * MS);
  const port = o.port === undefined ? 0 : (c.integer(join(path, 'port'), o.port, 0, 65535) ?? 0);
  const startAt = o.startAt === undefined ? 0 : (c.duration(join(path, 'startAt'), o.startAt) ?? 0);
  return {
    stun: stun.filter((s) => s !== undefined), turn: turn.filter((t) => t !== undefined), trickle, signalingDelay, port, startAt,
    media: parseMedia(c, join(path, 'media'), o.media),
    ...(srtpProfiles ? { srtpProfiles } : {}), ...(curves ? { curves } : {}), ...(mtu !== undefined ? { mtu } : {}),
  };
}

/** A WebRtcPeer built from common options (webrtc-peer and sfu-client). */
export function makePeer(world: World, source: string, host: string, spec: PeerCommon & { readonly lite?: boolean }, offerer: boolean, autoStart = true): WebRtcPeer {
  return new WebRtcPeer({
    name: host, rng: world.rng(source), identity: world.identity(host), offerer, autoStart, startAt: spec.startAt,
    stunServers: spec.stun, turnServers: spec.turn, trickle: spec.trickle, ...(spec.lite ? { lite: true } : {}),
    media: { audio: spec.media.audio, video: spec.media.video === false ? false : spec.media.video },
    ...(spec.srtpProfiles ? { srtpProfiles: spec.srtpProfiles } : {}), ...(spec.curves ? { curves: spec.curves } : {}), ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
  });
}

/** The ICE part of a peer's summary, in the shape `summary.ice[host]` has for ice-agent apps. */
export function peerIceSummary(p: WebRtcPeer): Obj {
  const g = p.agent;
  const types: Obj = {};
  for (const c of g.local) types[c.type] = ((types[c.type] as number | undefined) ?? 0) + 1;
  return {
    state: g.state, role: g.controlling ? 'controlling' : 'controlled', lite: g.lite, trickle: g.trickle, selectedPair: g.selectedPair(),
    connectedAt: g.connectedAt ?? null, timeToConnected: g.connectedAt !== undefined && g.startedAt !== undefined ? g.connectedAt - g.startedAt : null,
    selectedAt: g.selectedAt ?? null, localCandidates: types, pairs: g.checklist.pairs.length, ...g.counters,
  };
}

/** The sections a browser-like peer adds to. */
export const PEER_SECTIONS = [ICE_SECTION, PEER_SECTION, DTLS_SECTION, SRTP_SECTION, MEDIA_SECTION] as const;

/** `summary.ice[host]`, `summary.peer`, `summary.dtls`, `summary.srtp`, `summary.media` (keyed by app source). */
export function peerSummaryParts(p: WebRtcPeer, host: string, source: string): SummaryPart[] {
  const s = p.summary();
  return [
    { section: ICE_SECTION, key: host, value: peerIceSummary(p) },
    { section: PEER_SECTION, key: source, value: s.peer },
    ...(s.dtls ? [{ section: DTLS_SECTION, key: source, value: s.dtls }] : []),
    { section: SRTP_SECTION, key: source, value: s.srtp },
    { section: MEDIA_SECTION, key: source, value: s.media },
  ];
}

/** The note kinds a browser-like peer emits (its ICE agent, DTLS, SRTP, media and the signaling hub). */
export const PEER_NOTES = ['ice.*', 'dtls.*', 'srtp.*', 'media.*', 'rtcp.*', 'peer.*', 'sdp.*', 'signaling.*', 'stun.*', 'turn.*'];
