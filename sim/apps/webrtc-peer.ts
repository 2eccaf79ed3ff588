import type { Micros } from '../core/time.ts';
import { NOMINATION_MODES, type NominationMode } from '../ice/nomination.ts';
import { CANDIDATE_POLICIES, type CandidatePolicy } from '../ice/candidate-filter.ts';
import { isLinkLocal, networkType, rankNetworks } from '../ice/networks.ts';
import { WebRtcPeer, type WebRtcPeerOptions } from '../peer/webrtc-peer.ts';
import { bool, duration, hostName, integer, list, mapped, object, oneOf, optional, required, text, variants, withDefault } from '../schema/fields.ts';
import type { DataChannelAction } from '../sctp/datachannels.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import type { DtlsVersionName } from '../dtls/config.ts';
import { DTLS_GROUPS13_FIELD, DTLS_KEY_SHARES13_FIELD, DTLS_VERSIONS_FIELD, makePeer, PEER_COMMON_FIELDS, PEER_NOTES, PEER_SECTIONS, peerSummaryParts, type Dtls13GroupName, type PeerCommon } from './peer-common.ts';
import { gatherIceTcp, peerDriver } from './stream-links.ts';
import { SRTP_KEY_FAULTS, type SrtpKeyFault } from '../webrtc/transport.ts';

/**
 * The scenario app "webrtc-peer": a browser-like peer (sim/peer/webrtc-peer.ts) calling another webrtc-peer app
 * through the scenario's signaling server (JSEP offer/answer and trickled candidates, each message delayed by
 * `signalingDelay`).
 *
 *   { "kind": "webrtc-peer", "host": "alice", "peer": "bob", "offerer": true, "stun": ["198.51.100.10:3478"],
 *     "turn": [{ "server": "198.51.100.10:3478", "username": "alice", "password": "alice-secret" }],
 *     "media": { "audio": true, "video": { "fps": 30 } }, "signalingDelay": "50ms", "restartIceAt": "8s",
 *     "versions": ["1.3", "1.2"], "groups13": ["x25519mlkem768", "x25519"] }
 *
 * `versions`, `groups13` and `keyShares13` are the DTLS 1.3 choices (sim/dtls/v13) for whichever DTLS role the
 * a=setup exchange gives it (RFC 8842 §5.1): offered as client, accepted as server.
 */
export interface WebRtcPeerAppSpec extends PeerCommon {
  readonly kind: 'webrtc-peer';
  readonly host: string;
  readonly peer: string;
  readonly offerer: boolean;
  readonly restartIceAt?: Micros;
  /** ICE-lite (RFC 8445 §2.5): only host candidates, no checks of its own, controlled. */
  readonly lite?: boolean;
  readonly dataChannels?: readonly DataChannelAction[];
  /** Its a=max-message-size (RFC 8841 §6.1); 0 any size. */
  readonly maxMessageSize?: number;
  /** Whose codecs, header extensions and SDP layout its descriptions carry (sim/peer/codecs.ts). */
  readonly browser: 'chromium' | 'firefox';
  readonly rtcpMuxPolicy: 'require' | 'negotiate';
  readonly nomination: NominationMode;
  readonly iceTransportPolicy: CandidatePolicy;
  /** A track added during the call: a new offer (renegotiation) from this side. */
  readonly addTrack?: { readonly at: Micros; readonly kind: 'audio' | 'video' };
  readonly versions?: readonly DtlsVersionName[];
  readonly groups13?: readonly Dtls13GroupName[];
  readonly keyShares13?: readonly Dtls13GroupName[];
  /** Fault injection: one of its SRTP master keys derived wrong. */
  readonly corruptSrtpKey?: SrtpKeyFault;
}

const LABEL = required('label', text, 'The channel label.', 'chat');

/** One step of the data channel schedule, by its `do` (W3C createDataChannel, send and close; RFC 8831/8832). */
export const dataChannelAction = mapped(
  variants('do', [withDefault('at', duration, 0, '`0`', 'When the action is due (a send waits for its channel to be open).', '1s')], {
    open: [
      LABEL,
      optional('protocol', text, 'The subprotocol (RFC 8832 §5.1).', 'json', '`""`'),
      optional('ordered', bool, 'In order (false: unordered, RFC 8831 §6.6).', false, '`true`'),
      optional('maxRetransmits', integer(0, 65535), 'Partial reliability: give a message up after this many retransmissions (RFC 3758).', 0, 'reliable'),
      optional('maxPacketLifeTime', integer(0, 0xffffffff), 'Partial reliability: give a message up after this many ms.', 500, 'reliable'),
      optional('negotiated', bool, 'Agreed out of band: no DCEP; both peers open it with the same `id` (RFC 8831 §6.5).', true, '`false`'),
      optional('id', integer(0, 65534), 'The stream id (a negotiated channel needs one; otherwise by DTLS role, RFC 8832 §6).', 0, 'next even (DTLS client) or odd (server) id'),
    ],
    send: [
      LABEL,
      optional('text', text, 'A text message (PPID 51); `{n}` is replaced by the message number; `""` sends the empty string (PPID 56).', 'hello {n}', 'none'),
      optional('bytes', integer(0, 16_777_216), 'A binary message of this size (PPID 53; 0: PPID 57), instead of `text`.', 1000, 'none'),
      optional('count', integer(1, 100_000), 'How many messages.', 10, '`1`'),
      optional('every', duration, 'Time between two messages.', '100ms', '`"100ms"`'),
    ],
    close: [LABEL],
  }, {
    open: 'Creates a data channel: DATA_CHANNEL_OPEN on a new stream (or a negotiated one with no DCEP).',
    send: 'Sends `count` messages on the open channel of this label (ours or the peer\'s).',
    close: 'Closes the channel: its outgoing stream is reset and the peer resets its own (RFC 8831 §6.7).',
  }),
  // the variant's fields are exactly a DataChannelAction's (sim/sctp/datachannels.ts)
  (a) => a as unknown as DataChannelAction,
);

/** The DTLS 1.3 choices as WebRtcPeerOptions.dtls13; nothing when the scenario leaves them out (DTLS 1.2 only). */
function dtls13Options(spec: WebRtcPeerAppSpec): Pick<WebRtcPeerOptions, 'dtls13'> {
  if (!spec.versions && !spec.groups13 && !spec.keyShares13) return {};
  return { dtls13: { ...(spec.versions ? { versions: spec.versions } : {}), ...(spec.groups13 ? { groups13: spec.groups13 } : {}), ...(spec.keyShares13 ? { keyShares13: spec.keyShares13 } : {}) } };
}

export const webRtcPeerApp = defineApp({
  kind: 'webrtc-peer',
  about: 'a browser-like peer: JSEP signaling, ICE, DTLS-SRTP and media',
  fields: [
    kindField('webrtc-peer'),
    HOST_FIELD,
    ...PEER_COMMON_FIELDS,
    required('peer', hostName, 'The host of the `webrtc-peer` it calls or answers.', 'bob'),
    withDefault('offerer', bool, false, '`false`', 'The offerer starts at `startAt`; the answerer waits for the offer.', true),
    optional('restartIceAt', duration, 'When to restart ICE (new credentials, new offer).', '8s'),
    withDefault('lite', bool, false, '`false`', 'ICE-lite (RFC 8445 §2.5): host candidates only, no checks of its own, always controlled.', true),
    withDefault('browser', oneOf(['chromium', 'firefox'] as const), 'chromium', '`"chromium"`', "Whose codecs, header extensions and SDP layout its offers and answers carry: Chromium 156's (opus 111, VP8 96 …) or Firefox 71's (opus 109, VP8 120 …).", 'firefox'),
    withDefault('rtcpMuxPolicy', oneOf(['require', 'negotiate'] as const), 'require', '`"require"`', 'W3C rtcpMuxPolicy: `require` refuses a remote offer without a=rtcp-mux, as Chromium does.', 'negotiate'),
    withDefault('nomination', oneOf(NOMINATION_MODES), 'semi-aggressive', '`"semi-aggressive"`', "How it nominates when it controls ICE: libwebrtc's semi-aggressive (USE-CANDIDATE while nothing is selected or on a better pair: DTLS starts on the first pair that works), RFC 8445 regular (checks run 2 s after the first valid pair, then the best is nominated) or aggressive.", 'regular'),
    withDefault('iceTransportPolicy', oneOf(CANDIDATE_POLICIES), 'all', '`"all"`', 'W3C iceTransportPolicy: `relay` still gathers host and server-reflexive candidates but signals and pairs only relayed ones (libwebrtc\'s relay-only candidate filter).', 'relay'),
    optional('addTrack', object([
      required('at', duration, 'When the track is added.', '4s'),
      required('kind', oneOf(['audio', 'video'] as const), 'Its kind (one it does not send yet).', 'video'),
    ]), 'A track added during the call (W3C addTrack): a new offer from this side keeps the sections and adds one; media starts once answered. Fields: `at` (duration), `kind` (`audio` or `video`).', { at: '4s', kind: 'video' }),
    DTLS_VERSIONS_FIELD,
    DTLS_GROUPS13_FIELD,
    DTLS_KEY_SHARES13_FIELD,
    optional('maxMessageSize', integer(0, 0xffffffff), "Its a=max-message-size (RFC 8841 §6.1): the largest data channel message it takes, `0` any size. A bigger message from the peer is discarded and its channel closed (RFC 8831 §6.6); its own sends are refused above the peer's value (64 kB when the peer's SDP has none). Given alone, it also offers an m=application section.", 16384, '`262144`, as Chromium'),
    optional('corruptSrtpKey', oneOf(SRTP_KEY_FAULTS), "Fault injection: flips one bit of the SRTP master key it derives from the DTLS exporter for `receive` (the peer's packets fail authentication here) or for `send` (its packets fail at the peer). DTLS succeeds; noted as `peer.fault`.", 'receive', 'none'),
    optional('dataChannels', list(dataChannelAction), 'Data channels (SCTP over DTLS, RFC 8831): an m=application section and a schedule of channels to open, messages to send and channels to close, each an object with the fields below.', [{ at: '1s', do: 'open', label: 'chat' }, { at: '1s', do: 'send', label: 'chat', text: 'hello {n}', count: 3 }], 'none'),
  ],
  spec: ({ kind: _k, host, peer, offerer, restartIceAt, lite, addTrack, dataChannels, maxMessageSize, versions, groups13, keyShares13, corruptSrtpKey, ...common }): WebRtcPeerAppSpec => ({
    kind: 'webrtc-peer', host, peer, offerer, ...common, ...(restartIceAt !== undefined ? { restartIceAt } : {}), ...(lite ? { lite } : {}), ...(addTrack ? { addTrack } : {}), ...(dataChannels ? { dataChannels } : {}),
    ...(maxMessageSize !== undefined ? { maxMessageSize } : {}),
    ...(versions ? { versions } : {}), ...(groups13 ? { groups13 } : {}), ...(keyShares13 ? { keyShares13 } : {}), ...(corruptSrtpKey ? { corruptSrtpKey } : {}),
  }),
  build(world, host, spec: WebRtcPeerAppSpec, ctx) {
    const endpoint = makePeer(world, ctx.source, spec.host, spec, spec.offerer, true, spec.peer, { browser: spec.browser, rtcpMuxPolicy: spec.rtcpMuxPolicy, nomination: spec.nomination, iceTransportPolicy: spec.iceTransportPolicy, ...dtls13Options(spec), ...(spec.corruptSrtpKey ? { corruptSrtpKey: spec.corruptSrtpKey } : {}) });
    const driver = peerDriver(world, host, endpoint, ctx.source, spec.turn, spec.iceTcp.length > 0);
    // one network per connected interface address, ranked as libwebrtc's network manager does (sim/ice/networks.ts)
    const networks = rankNetworks(host.interfaces.filter((i) => i.link).flatMap((i) => i.addresses.filter((a) => !isLinkLocal(a.ip)).map((a) => ({ ip: a.ip, type: networkType(i.network), name: i.name }))));
    const udp = host.addresses().map((ip) => driver.bind(ip, spec.port));
    for (const a of udp) endpoint.addLocalAddress(a, networks.get(a.ip));
    gatherIceTcp(driver, endpoint.agent, udp, spec.iceTcp, spec.tcpPort);
    driver.joinSignaling(world.signaling, spec.host, { delay: spec.signalingDelay, protocol: 'jsep' });
    if (spec.restartIceAt !== undefined) {
      world.net.scheduler.at(spec.restartIceAt, 'ice restart', () => {
        endpoint.restartIce(world.net.now);
        driver.pump();
      });
    }
    if (spec.addTrack) {
      const t = spec.addTrack;
      world.net.scheduler.at(t.at, 'add track', () => {
        endpoint.addTrack(world.net.now, t.kind);
        driver.pump();
      });
    }
    return { endpoint, driver };
  },
  sections: PEER_SECTIONS,
  summary: ({ endpoint, driver }) => peerSummaryParts(endpoint, driver.host.name, driver.source),
  notes: PEER_NOTES,
});
