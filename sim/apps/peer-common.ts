import { DTLS_NOTE_KINDS } from '../dtls/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { ICE_NOTE_KINDS } from '../ice/notes.ts';
import { PEER_NOTE_KINDS } from '../peer/notes.ts';
import { SCTP_NOTE_KINDS } from '../sctp/notes.ts';
import { SIGNALING_NOTE_KINDS } from '../signaling/notes.ts';
import { SRTP_NOTE_KINDS } from '../srtp/notes.ts';
import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { TLS_NOTE_KINDS } from '../tls/notes.ts';
import { TURN_NOTE_KINDS } from '../turn/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import { MS, type Micros } from '../core/time.ts';
import { CURVES, SRTP_PROFILE_IDS, type DtlsCurveName, type DtlsSrtpProfileName } from '../dtls/config.ts';
import type { TurnServerConfig } from '../ice/agent.ts';
import { WebRtcPeer, type WebRtcPeerOptions } from '../peer/webrtc-peer.ts';
import { bool, custom, duration, integer, list, number, object, oneOf, optional, parseFields, required, text, transport, withDefault, type FieldType } from '../schema/fields.ts';
import type { Obj, SummaryPart } from './app-kind.ts';
import { join } from '../schema/check.ts';
import { parseTurnUrl } from '../turn/url.ts';
import { DATACHANNELS_SECTION, DTLS_SECTION, ICE_SECTION, MEDIA_SECTION, PEER_SECTION, SRTP_SECTION } from './sections.ts';
import type { DataChannelAction } from '../sctp/datachannels.ts';
import type { World } from './world.ts';

/** What the browser-like app kinds share: webrtc-peer and sfu-client (ICE servers, DTLS options, media, summary). */

export type MediaSpec = { readonly audio: boolean; readonly video: false | { readonly fps?: number; readonly keyframeInterval?: number } };

/** `stun`: STUN servers (ice-agent, webrtc-peer, sfu-client). */
export const STUN_FIELD = withDefault('stun', list(transport), [], '`[]`', 'STUN servers for server-reflexive candidates.', ['198.51.100.10:3478']);

const TURN_SERVER_FIELDS = [
  optional('url', text, 'The server as a browser\'s `RTCIceServer.urls` names it (RFC 7065): `"turn:198.51.100.10:3478?transport=udp"`, `"…?transport=tcp"` or `"turns:198.51.100.10:443"` (TLS); an IP address, the port 3478 (turn:) or 5349 (turns:) when left out. Give `url` or `server`.', 'turn:198.51.100.10:3478?transport=tcp'),
  optional('server', transport, 'The TURN server (a `turn-server` app), reached as `transport` says.', '198.51.100.10:3478'),
  optional('transport', oneOf(['udp', 'tcp', 'tls'] as const), 'With `server`: how the agent reaches it (RFC 8656 §3.1); the relayed side is UDP either way.', 'tcp', '`"udp"`'),
  required('username', text, 'A user of its `users`.', 'alice'),
  required('password', text, 'Its password.', 'alice-secret'),
  optional('retryStaleNonce', bool, 'Fault injection: `false` makes the client treat 438 Stale Nonce as a failure instead of retrying with the NONCE the answer carries (RFC 8489 §9.2.4).', false, '`true`'),
] as const;

/** One TURN server: `url` (browser style) or `server` with `transport`, and the credentials. */
const TURN_SERVER: FieldType<TurnServerConfig> = {
  text: 'object',
  fields: TURN_SERVER_FIELDS,
  parse(c, path, v, ctx) {
    const o = c.object(path, v);
    if (!o) return undefined;
    const f = parseFields(c, path, o, TURN_SERVER_FIELDS, ctx);
    if (!f) return undefined;
    if ((f.url === undefined) === (f.server === undefined)) return c.fail(path, 'give either `url` ("turn:…", "turns:…") or `server` (address:port), not both and not neither');
    if (f.url !== undefined) {
      if (f.transport !== undefined) return c.fail(join(path, 'transport'), 'the `url` already says the transport (`?transport=tcp`, or `turns:` for TLS)');
      const u = parseTurnUrl(f.url);
      if ('error' in u) return c.fail(join(path, 'url'), u.error);
      return { server: u.server, transport: u.transport, username: f.username, password: f.password, ...(f.retryStaleNonce === false ? { retryStaleNonce: false } : {}) };
    }
    return { server: f.server!, ...(f.transport && f.transport !== 'udp' ? { transport: f.transport } : {}), username: f.username, password: f.password, ...(f.retryStaleNonce === false ? { retryStaleNonce: false } : {}) };
  },
};

/** `turn`: TURN servers for relayed candidates, gathered from in the browser's order (UDP, TCP, then TLS). */
export const TURN_FIELD = withDefault('turn', list(TURN_SERVER), [], '`[]`', 'TURN servers for relayed candidates, each an object: `url` (`"turn:…?transport=udp|tcp"`, `"turns:…"`) or `server` (address:port) with `transport` (`"udp"`, `"tcp"`, `"tls"`), and `username` and `password`. Gathered from in the browser\'s order: UDP, then TCP, then TLS.', [
  { url: 'turn:198.51.100.10:3478?transport=udp', username: 'alice', password: 'alice-secret' },
  { url: 'turn:198.51.100.10:3478?transport=tcp', username: 'alice', password: 'alice-secret' },
]);

const VIDEO_FIELDS = [
  optional('fps', integer(1, 120), 'Frames per second.', 30, '`30`'),
  optional('keyframeInterval', number(0.1, 600), 'Seconds between keyframes.', 3, '`3`'),
] as const;

/** `video`: false, true (the defaults), or an object with `fps` and `keyframeInterval`. */
const video: FieldType<MediaSpec['video']> = {
  ...custom<MediaSpec['video']>('`false`, `true` or object', (c, path, v, ctx) => {
    if (v === false) return false;
    if (v === true) return {};
    const o = c.object(path, v);
    if (!o) return undefined;
    const vals = parseFields(c, path, o, VIDEO_FIELDS, ctx);
    return vals ? { ...vals } : undefined;
  }),
  fields: VIDEO_FIELDS,
};

const MEDIA_FIELDS = [
  withDefault('audio', bool, false, '`false`', 'Sends Opus audio.', true),
  withDefault('video', video, false, '`false`', 'Sends VP8 video: `true`, or an object with `fps` (1–120) and `keyframeInterval` (seconds).', { fps: 30 }),
] as const;

/** `media`: what a peer sends once keyed. */
export const mediaType: FieldType<MediaSpec> = { text: 'object', fields: MEDIA_FIELDS, parse: (c, path, v, ctx) => {
  const o = c.object(path, v);
  if (!o) return undefined;
  const vals = parseFields(c, path, o, MEDIA_FIELDS, ctx);
  return vals ? { audio: vals.audio, video: vals.video } : undefined;
} };

export const SRTP_PROFILE_NAMES = Object.keys(SRTP_PROFILE_IDS) as DtlsSrtpProfileName[];
export const CURVE_NAMES = Object.keys(CURVES) as DtlsCurveName[];

export const CURVES_FIELD = optional('curves', list(oneOf(CURVE_NAMES), { nonEmpty: 'give at least one' }), 'ECDHE groups offered or accepted, in order.', ['x25519'], '`["x25519", "p256"]`');
export const SRTP_PROFILES_FIELD = optional('srtpProfiles', list(oneOf(SRTP_PROFILE_NAMES), { nonEmpty: 'give at least one' }), 'use_srtp protection profiles (RFC 5764 §4.1.2), offered or accepted in order.', ['SRTP_AEAD_AES_128_GCM'], 'both, in that order');
export type Dtls13GroupName = 'x25519' | 'p256' | 'x25519mlkem768';
const GROUPS13 = ['x25519', 'p256', 'x25519mlkem768'] as const;
/** DTLS 1.3 (sim/dtls/v13): which versions a side offers or accepts, its groups and first key shares (dtls-peer, webrtc-peer). */
export const DTLS_VERSIONS_FIELD = optional('versions', list(oneOf(['1.2', '1.3'] as const), { nonEmpty: 'give at least one' }), 'DTLS versions offered (active) or accepted (passive), RFC 8446 §4.2.1; with both, a DTLS 1.3 side falls back to 1.2 (sim/dtls/v13).', ['1.3', '1.2'], '`["1.2"]`');
export const DTLS_GROUPS13_FIELD = optional('groups13', list(oneOf(GROUPS13), { nonEmpty: 'give at least one' }), 'DTLS 1.3 key exchange groups in preference order; `x25519mlkem768` is the post-quantum hybrid (0x11EC).', ['x25519mlkem768', 'x25519'], '`["x25519", "p256"]`');
export const DTLS_KEY_SHARES13_FIELD = optional('keyShares13', list(oneOf(GROUPS13), { nonEmpty: 'give at least one' }), 'DTLS 1.3 client: the groups its first ClientHello carries key shares for.', ['x25519'], 'the first of `groups13`');
export const MTU_FIELD = optional('mtu', integer(128, 65507), 'Largest DTLS datagram; bigger flights are fragmented.', 1200, '`1200`');
/** RFC 6544 ICE-TCP host candidates: off unless a scenario asks (default `[]`). */
export const ICE_TCP_FIELD = withDefault('iceTcp', list(oneOf(['active', 'passive'] as const)), [], '`[]`', 'ICE-TCP host candidates (RFC 6544) gathered beside the UDP ones: `"active"` (opens a TCP connection per pair, signaled with port 9) and/or `"passive"` (listens on `tcpPort`). STUN, DTLS and SRTP then travel on the connection framed per RFC 4571.', ['active']);
export const TCP_PORT_FIELD = withDefault('tcpPort', integer(0, 65535), 0, '`0`', 'The port passive ICE-TCP candidates listen on; `0` takes the port number of the UDP host candidates.', 443);

export const PORT_FIELD = withDefault('port', integer(0, 65535), 0, '`0`', 'Local port of the host candidates; `0` picks an ephemeral port.', 50000);

/** The ICE servers, DTLS options and media a webrtc-peer and an sfu-client share (after `kind` and `host`). */
export const PEER_COMMON_FIELDS = [
  STUN_FIELD,
  TURN_FIELD,
  withDefault('trickle', bool, true, '`true`', 'Trickle ICE (RFC 8838); `false` puts every candidate in the SDP once gathering ends.', false),
  withDefault('media', mediaType, { audio: true, video: { fps: 30 } }, '`{ "audio": true, "video": { "fps": 30 } }`', 'What it sends: `audio` and `video`; when `media` is given, both default to `false`.', { audio: true, video: true }),
  withDefault('signalingDelay', duration, 50 * MS, '`"50ms"`', 'One-way delay of the messages it sends through the ideal signaling server; with a `signaling-server` app the network decides instead.', '50ms'),
  SRTP_PROFILES_FIELD,
  CURVES_FIELD,
  MTU_FIELD,
  PORT_FIELD,
  ICE_TCP_FIELD,
  TCP_PORT_FIELD,
  withDefault('startAt', duration, 0, '`0`', 'When it starts (an offerer sends its offer then, an sfu-client joins).', '0s'),
] as const;

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
  readonly iceTcp: readonly ('active' | 'passive')[];
  readonly tcpPort: number;
  readonly startAt: Micros;
}

/** A WebRtcPeer built from common options (webrtc-peer and sfu-client). */
export function makePeer(world: World, source: string, host: string, spec: PeerCommon & { readonly lite?: boolean; readonly dataChannels?: readonly DataChannelAction[]; readonly maxMessageSize?: number; readonly sctpPathMtuDiscovery?: boolean }, offerer: boolean, autoStart = true, signalingPeer?: string, sdp: Pick<WebRtcPeerOptions, 'browser' | 'rtcpMuxPolicy' | 'nomination' | 'iceTransportPolicy' | 'dtls13' | 'corruptSrtpKey' | 'rtpFaults' | 'snap' | 'mdns' | 'sped'> = {}): WebRtcPeer {
  return new WebRtcPeer({
    ...sdp,
    name: host, rng: world.rng(source), identity: world.identity(host), offerer, autoStart, startAt: spec.startAt, ...(signalingPeer !== undefined ? { signalingPeer } : {}),
    stunServers: spec.stun, turnServers: spec.turn, trickle: spec.trickle, ...(spec.lite ? { lite: true } : {}),
    media: { audio: spec.media.audio, video: spec.media.video === false ? false : spec.media.video },
    ...(spec.srtpProfiles ? { srtpProfiles: spec.srtpProfiles } : {}), ...(spec.curves ? { curves: spec.curves } : {}), ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
    ...(spec.dataChannels || spec.maxMessageSize !== undefined ? { dataChannels: { schedule: spec.dataChannels ?? [], ...(spec.maxMessageSize !== undefined ? { maxMessageSize: spec.maxMessageSize } : {}), ...(spec.sctpPathMtuDiscovery ? { sctp: { plpmtud: {} } } : {}) } } : {}),
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
export const PEER_SECTIONS = [ICE_SECTION, PEER_SECTION, DTLS_SECTION, SRTP_SECTION, MEDIA_SECTION, DATACHANNELS_SECTION] as const;

/** `summary.ice[host]`, `summary.peer`, `summary.dtls`, `summary.srtp`, `summary.media` (keyed by app source). */
export function peerSummaryParts(p: WebRtcPeer, host: string, source: string): SummaryPart[] {
  const s = p.summary();
  return [
    { section: ICE_SECTION, key: host, value: peerIceSummary(p) },
    { section: PEER_SECTION, key: source, value: s.peer },
    ...(s.dtls ? [{ section: DTLS_SECTION, key: source, value: s.dtls }] : []),
    { section: SRTP_SECTION, key: source, value: s.srtp },
    { section: MEDIA_SECTION, key: source, value: s.media },
    ...(s.dataChannels ? [{ section: DATACHANNELS_SECTION, key: source, value: s.dataChannels }] : []),
  ];
}

/** The note kinds a browser-like peer emits: its own, its ICE agent's (with STUN and TURN), DTLS, SRTP, SCTP and data channels, the signaling hub's (and, on the wire, its HTTP and WebSocket client's). */
export const PEER_NOTES = [PEER_NOTE_KINDS, ICE_NOTE_KINDS, STUN_NOTE_KINDS, TURN_NOTE_KINDS, DTLS_NOTE_KINDS, SRTP_NOTE_KINDS, SIGNALING_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS, TLS_NOTE_KINDS, SCTP_NOTE_KINDS];
