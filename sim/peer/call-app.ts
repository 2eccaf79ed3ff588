import type { Endpoint, TransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { CURVES, SRTP_PROFILE_IDS, type DtlsCurveName, type DtlsSrtpProfileName } from '../dtls/config.ts';
import type { TurnServerConfig } from '../ice/agent.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { join, type Check } from '../scenario/check.ts';
import { SignalingHub } from '../signaling/hub.ts';
import { identityFor } from './scenario-app.ts';
import { WebRtcPeer } from './webrtc-peer.ts';
import { parseIceServers } from '../ice/scenario-app.ts';

/**
 * The scenario app "webrtc-peer": a browser-like peer calling another webrtc-peer app through a signaling server
 * (JSEP offer/answer and trickled candidates, each message delayed by `signalingDelay`).
 *
 *   { "kind": "webrtc-peer", "host": "alice", "peer": "bob", "offerer": true, "stun": ["198.51.100.10:3478"],
 *     "turn": [{ "server": "198.51.100.10:3478", "username": "alice", "password": "alice-secret" }],
 *     "media": { "audio": true, "video": { "fps": 30 } }, "signalingDelay": "50ms", "restartIceAt": "8s" }
 */
export const WEBRTC_PEER_APP_KIND = 'webrtc-peer';

export type MediaSpec = { readonly audio: boolean; readonly video: false | { readonly fps?: number; readonly keyframeInterval?: number } };

export interface WebRtcPeerAppSpec {
  readonly kind: 'webrtc-peer';
  readonly host: string;
  readonly peer: string;
  readonly offerer: boolean;
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
  readonly restartIceAt?: Micros;
  /** ICE-lite (RFC 8445 §2.5): only host candidates, no checks of its own, controlled. */
  readonly lite?: boolean;
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

/** The ICE servers, DTLS options and media that a webrtc-peer and an sfu-client share. */
export function parsePeerCommon(c: Check, path: string, o: Record<string, unknown>) {
  const { stun, turn } = parseIceServers(c, path, o);
  const list = <T extends string>(key: string, options: readonly T[]): T[] | undefined => {
    if (o[key] === undefined) return undefined;
    const arr = c.array(join(path, key), o[key]) ?? [];
    if (arr.length === 0) c.fail(join(path, key), 'give at least one');
    return arr.map((v, i) => c.oneOf(join(join(path, key), i), v, options)).filter((v): v is T => v !== undefined);
  };
  const srtpProfiles = list('srtpProfiles', Object.keys(SRTP_PROFILE_IDS) as DtlsSrtpProfileName[]);
  const curves = list('curves', Object.keys(CURVES) as DtlsCurveName[]);
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

const COMMON_KEYS = ['kind', 'host', 'stun', 'turn', 'trickle', 'media', 'signalingDelay', 'srtpProfiles', 'curves', 'mtu', 'port', 'startAt'];

export function parseWebRtcPeerApp(c: Check, path: string, o: Record<string, unknown>, kinds: Map<string, string>): WebRtcPeerAppSpec | undefined {
  c.onlyKeys(path, o, [...COMMON_KEYS, 'peer', 'offerer', 'restartIceAt', 'lite']);
  const lite = o.lite === undefined ? false : c.boolean(join(path, 'lite'), o.lite);
  const host = c.string(join(path, 'host'), o.host);
  if (host !== undefined && kinds.get(host) !== 'host') c.fail(join(path, 'host'), `no host named ${JSON.stringify(host)}`);
  const peer = c.string(join(path, 'peer'), o.peer);
  if (peer !== undefined && kinds.get(peer) !== 'host') c.fail(join(path, 'peer'), `no host named ${JSON.stringify(peer)}`);
  const offerer = o.offerer === undefined ? false : c.boolean(join(path, 'offerer'), o.offerer);
  const restartIceAt = o.restartIceAt === undefined ? undefined : c.duration(join(path, 'restartIceAt'), o.restartIceAt);
  const common = parsePeerCommon(c, path, o);
  if (host === undefined || peer === undefined || offerer === undefined) return undefined;
  return { kind: 'webrtc-peer', host, peer, offerer, ...common, ...(restartIceAt !== undefined ? { restartIceAt } : {}), ...(lite ? { lite } : {}) };
}

const hubs = new WeakMap<Network, SignalingHub>();

/** The scenario's signaling server (one per network; every party keeps its own one-way delay). */
export function signalingHubFor(net: Network): SignalingHub {
  let h = hubs.get(net);
  if (!h) {
    h = new SignalingHub(net);
    hubs.set(net, h);
  }
  return h;
}

/** A WebRtcPeer built from common options (shared with the SFU client). */
export function makePeer(net: Network, source: string, host: string, spec: Omit<WebRtcPeerAppSpec, 'kind' | 'host' | 'peer' | 'offerer'>, offerer: boolean, autoStart = true, signalingPeer?: string): WebRtcPeer {
  return new WebRtcPeer({
    name: host, rng: net.rng.fork(source), identity: identityFor(net, host), offerer, autoStart, startAt: spec.startAt, ...(signalingPeer !== undefined ? { signalingPeer } : {}),
    stunServers: spec.stun, turnServers: spec.turn, trickle: spec.trickle, ...(spec.lite ? { lite: true } : {}),
    media: { audio: spec.media.audio, video: spec.media.video === false ? false : spec.media.video },
    ...(spec.srtpProfiles ? { srtpProfiles: spec.srtpProfiles } : {}), ...(spec.curves ? { curves: spec.curves } : {}), ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
  });
}

export function buildWebRtcPeerApp(net: Network, host: Host, spec: WebRtcPeerAppSpec, source: string): { endpoint: WebRtcPeer; driver: EndpointDriver } {
  const endpoint = makePeer(net, source, spec.host, spec, spec.offerer, true, spec.peer);
  const driver = new EndpointDriver(net, host, endpoint, source);
  for (const ip of host.addresses()) endpoint.addLocalAddress(driver.bind(ip, spec.port));
  driver.joinSignaling(signalingHubFor(net), spec.host, { delay: spec.signalingDelay });
  if (spec.restartIceAt !== undefined) {
    net.scheduler.at(spec.restartIceAt, 'ice restart', () => {
      endpoint.restartIce(net.now);
      driver.pump();
    });
  }
  return { endpoint, driver };
}

type Obj = { [key: string]: JsonValue };

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

/** `summary.ice[host]`, `summary.peer`, `summary.dtls`, `summary.srtp`, `summary.media` (keyed by app source) for webrtc peers. */
export function webRtcPeerSummary(apps: readonly { readonly endpoint: Endpoint; readonly driver: EndpointDriver }[]): { [key: string]: Obj } {
  const out: { [key: string]: Obj } = { ice: {}, peer: {}, dtls: {}, srtp: {}, media: {} };
  for (const a of apps) {
    // an sfu-client endpoint wraps its peer as `.peer`
    const inner = (a.endpoint as unknown as { peer?: unknown }).peer;
    const p = a.endpoint instanceof WebRtcPeer ? a.endpoint : inner instanceof WebRtcPeer ? inner : undefined;
    if (!p) continue;
    const s = p.summary();
    out.ice![a.driver.host.name] = peerIceSummary(p);
    out.peer![a.driver.source] = s.peer;
    if (s.dtls) out.dtls![a.driver.source] = s.dtls;
    out.srtp![a.driver.source] = s.srtp;
    out.media![a.driver.source] = s.media;
  }
  for (const k of Object.keys(out)) if (Object.keys(out[k]!).length === 0) delete out[k];
  return out;
}

/** Merges per-key summary objects (`summary.dtls` from dtls-peer apps and webrtc peers side by side). */
export function mergeSummaries(target: { [key: string]: JsonValue }, more: { [key: string]: Obj }): void {
  for (const [k, v] of Object.entries(more)) {
    const have = target[k];
    target[k] = have && typeof have === 'object' && !Array.isArray(have) ? { ...have, ...v } : v;
  }
}
