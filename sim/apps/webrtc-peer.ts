import type { Micros } from '../core/time.ts';
import { NOMINATION_MODES, type NominationMode } from '../ice/nomination.ts';
import { CANDIDATE_POLICIES, type CandidatePolicy } from '../ice/candidate-filter.ts';
import { WebRtcPeer, type WebRtcPeerOptions } from '../peer/webrtc-peer.ts';
import { bool, duration, hostName, integer, list, mapped, object, oneOf, optional, required, text, variants, withDefault } from '../schema/fields.ts';
import type { DataChannelAction } from '../sctp/datachannels.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import type { DtlsVersionName } from '../dtls/config.ts';
import { DTLS_GROUPS13_FIELD, DTLS_KEY_SHARES13_FIELD, DTLS_VERSIONS_FIELD, makePeer, PEER_COMMON_FIELDS, PEER_NOTES, PEER_SECTIONS, peerSummaryParts, type Dtls13GroupName, type PeerCommon } from './peer-common.ts';
import { gatherIceTcp, peerDriver } from './stream-links.ts';
import { SRTP_KEY_FAULTS, type SrtpKeyFault } from '../webrtc/transport.ts';
import { RTP_FAULTS, type RtpFault } from '../peer/receive-demux.ts';
import { MDNS_NOTE_KINDS } from '../mdns/notes.ts';
import { PeerMdnsNames } from './mdns-names.ts';
import { PeerNetworks } from './peer-networks.ts';

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
  /** SCTP PLPMTUD (RFC 8899, sim/sctp/plpmtud.ts) on its data channels' association. */
  readonly sctpPathMtuDiscovery?: boolean;
  /** Whose codecs, header extensions and SDP layout its descriptions carry (sim/peer/codecs.ts). */
  readonly browser: 'chromium' | 'firefox';
  readonly rtcpMuxPolicy: 'require' | 'negotiate';
  readonly nomination: NominationMode;
  readonly iceTransportPolicy: CandidatePolicy;
  /** false: libwebrtc's gathering without PORTALLOCATOR_ENABLE_SHARED_SOCKET (a StunPort on its own socket, sim/ice/gather.ts). */
  readonly sharedSocket?: false;
  /** libwebrtc's GATHER_CONTINUALLY (absent: GATHER_ONCE). */
  readonly continualGatheringPolicy?: 'gather_continually';
  /** libwebrtc's max_ipv6_networks (absent: 5). */
  readonly maxIpv6Networks?: number;
  /** A track added during the call: a new offer (renegotiation) from this side. */
  readonly addTrack?: { readonly at: Micros; readonly kind: 'audio' | 'video' };
  readonly versions?: readonly DtlsVersionName[];
  readonly groups13?: readonly Dtls13GroupName[];
  readonly keyShares13?: readonly Dtls13GroupName[];
  /** SNAP (draft-hancke-tsvwg-snap): a=sctp-init in its descriptions, and no SCTP handshake when the peer's has one too. */
  readonly snap?: boolean;
  /** SPED (draft-hancke-webrtc-sped): its DTLS handshake also rides in its ICE checks and their responses. */
  readonly sped?: boolean;
  /** Fault injection: one of its SRTP master keys derived wrong. */
  readonly corruptSrtpKey?: SrtpKeyFault;
  /** Fault injection: RTP on SSRCs it did not signal, without the MID header extension. */
  readonly rtpFaults?: readonly RtpFault[];
  /** libwebrtc's mDNS obfuscation: host candidates signalled as `<uuid>.local` names its host's responder answers for. */
  readonly mdns?: boolean;
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
/**
 * Chromium's BasicPortAllocator makes a TCPPort on every network unless PORTALLOCATOR_DISABLE_TCP is set: an active
 * TCP host candidate (RFC 6544 §4.5: port 9, never listening). Firefox's gathering is not modelled: none. An ice-lite
 * agent gathers host candidates of its own choosing: none either.
 */
function defaultIceTcp(browser: 'chromium' | 'firefox', lite: boolean): readonly ('active' | 'passive')[] {
  return browser === 'chromium' && !lite ? ['active'] : [];
}

const WEBRTC_ICE_TCP_FIELD = optional('iceTcp', list(oneOf(['active', 'passive'] as const)), 'ICE-TCP host candidates (RFC 6544) gathered beside the UDP ones: `"active"` (opens a TCP connection per pair with a passive remote candidate, signaled with port 9) and/or `"passive"` (listens on `tcpPort`). STUN, DTLS and SRTP then travel on the connection framed per RFC 4571. `[]` gathers none.', ['active', 'passive'], '`["active"]` for `browser: "chromium"` (as Chromium gathers on every network), `[]` for `"firefox"` or an ice-lite peer');

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
    // Chromium gathers an active TCP host candidate (port 9) on every network by default: the field defaults by browser
    ...PEER_COMMON_FIELDS.map((f) => (f.name === 'iceTcp' ? WEBRTC_ICE_TCP_FIELD : f)),
    required('peer', hostName, 'The host of the `webrtc-peer` it calls or answers.', 'bob'),
    withDefault('offerer', bool, false, '`false`', 'The offerer starts at `startAt`; the answerer waits for the offer.', true),
    optional('restartIceAt', duration, 'When to restart ICE (new credentials, new offer).', '8s'),
    withDefault('lite', bool, false, '`false`', 'ICE-lite (RFC 8445 §2.5): host candidates only, no checks of its own, always controlled.', true),
    withDefault('browser', oneOf(['chromium', 'firefox'] as const), 'chromium', '`"chromium"`', "Whose codecs, header extensions and SDP layout its offers and answers carry: Chromium 156's (opus 111, VP8 96 …) or Firefox 71's (opus 109, VP8 120 …).", 'firefox'),
    withDefault('rtcpMuxPolicy', oneOf(['require', 'negotiate'] as const), 'require', '`"require"`', 'W3C rtcpMuxPolicy: `require` refuses a remote offer without a=rtcp-mux, as Chromium does.', 'negotiate'),
    withDefault('nomination', oneOf(NOMINATION_MODES), 'semi-aggressive', '`"semi-aggressive"`', "How it nominates when it controls ICE: libwebrtc's semi-aggressive (USE-CANDIDATE while nothing is selected or on a better pair: DTLS starts on the first pair that works), RFC 8445 regular (checks run 2 s after the first valid pair, then the best is nominated) or aggressive.", 'regular'),
    withDefault('iceTransportPolicy', oneOf(CANDIDATE_POLICIES), 'all', '`"all"`', 'W3C iceTransportPolicy: `relay` still gathers host and server-reflexive candidates but signals and pairs only relayed ones (libwebrtc\'s relay-only candidate filter).', 'relay'),
    withDefault('continualGatheringPolicy', oneOf(['gather_once', 'gather_continually'] as const), 'gather_once', '`"gather_once"`', "libwebrtc's RTCConfiguration continual_gathering_policy. With either, a network its host loses takes its candidates and pairs with it (a selected pair on it is given up). `gather_continually`: the gathering session never stops, so a network that comes up mid-call gets an AllocationSequence of its own whose candidates trickle and pair at once, and no end-of-candidates is sent; `gather_once`: a new network waits for an ICE restart ([gathering](gathering.md)).", 'gather_continually'),
    optional('maxIpv6Networks', integer(0, 1000), "libwebrtc's max_ipv6_networks (Chromium's field trial WebRTC-MaxIPv6Networks): it gathers on at most this many IPv6 networks, the first in its network order (adapter type, then address precedence); the others are noted `ice.candidate.filtered` (policy `max-ipv6-networks`) ([gathering](gathering.md)).", 2, '`5`'),
    withDefault('sharedSocket', bool, true, '`true`', "libwebrtc's PORTALLOCATOR_ENABLE_SHARED_SOCKET, Chromium's default: one UDPPort socket per network sends the host candidate's traffic and the STUN Binding requests, so the srflx candidate's base is the host candidate. `false`: a StunPort on a socket of its own asks the STUN servers (and each TurnPort over UDP binds its own), so the srflx candidate has its own base and local port, its own NAT mapping and its own pairs ([gathering](gathering.md)).", false),
    optional('addTrack', object([
      required('at', duration, 'When the track is added.', '4s'),
      required('kind', oneOf(['audio', 'video'] as const), 'Its kind (one it does not send yet).', 'video'),
    ]), 'A track added during the call (W3C addTrack): a new offer from this side keeps the sections and adds one; media starts once answered. Fields: `at` (duration), `kind` (`audio` or `video`).', { at: '4s', kind: 'video' }),
    DTLS_VERSIONS_FIELD,
    DTLS_GROUPS13_FIELD,
    DTLS_KEY_SHARES13_FIELD,
    optional('maxMessageSize', integer(0, 0xffffffff), "Its a=max-message-size (RFC 8841 §6.1): the largest data channel message it takes, `0` any size. A bigger message from the peer is discarded and its channel closed (RFC 8831 §6.6); its own sends are refused above the peer's value (64 kB when the peer's SDP has none). Given alone, it also offers an m=application section.", 16384, '`262144`, as Chromium'),
    optional('sctpPathMtuDiscovery', bool, "Its data channels' SCTP searches the path MTU with HEARTBEAT+PAD probes (RFC 8899 PLPMTUD, RFC 8261 §5): from 1200 bytes up by 32 to 1432, or down to 512 when 1200 does not pass, with black-hole detection; off, SCTP packets stay at 1200 bytes as browsers send them.", true, 'off'),
    optional('snap', bool, "SNAP (draft-hancke-tsvwg-snap, libwebrtc's `enable_sctp_snap`): its data section carries `a=sctp-init` with the SCTP INIT chunk its association would send (an answer only in reply to an offer that has one). When both descriptions carry one, each side takes the association as established once DTLS is up: no INIT, INIT-ACK, COOKIE-ECHO or COOKIE-ACK, up to two round trips saved. A peer without it answers with no line and SCTP does its usual handshake.", true, 'off'),
    optional('sped', bool, "SPED (draft-hancke-webrtc-sped, libwebrtc's DTLS-in-STUN piggybacking): its DTLS flights also ride in its ICE Binding requests and responses (DTLS-IN-STUN-DATA, acknowledged by CRC-32 in DTLS-IN-STUN-ACK), so the handshake runs while ICE checks and a DTLS client starts before a pair is selected. A peer whose checks carry neither attribute turns it off and DTLS runs on the wire as usual. No SDP signal: the discovery is in-band.", true, 'off'),
    optional('corruptSrtpKey', oneOf(SRTP_KEY_FAULTS), "Fault injection: flips one bit of the SRTP master key it derives from the DTLS exporter for `receive` (the peer's packets fail authentication here) or for `send` (its packets fail at the peer). DTLS succeeds; noted as `peer.fault`.", 'receive', 'none'),
    optional('rtpFaults', list(oneOf(RTP_FAULTS)), "Fault injection on the RTP it sends: `unsignaled-ssrc` sends on SSRCs other than its a=ssrc lines signal (as a server that rewrites SSRCs without telling), `strip-mid` leaves out the MID header extension although it was negotiated. With both, the peer can associate the packets with no m= section and drops them (RFC 8843 §9.2); noted as `peer.fault`.", ['unsignaled-ssrc', 'strip-mid'], 'none'),
    optional('mdns', bool, "Host candidates signalled by name, as Chromium does (libwebrtc's mDNS obfuscation, draft-ietf-rtcweb-mdns-ice-candidates): each host address gets a random UUID v4 name under `.local` that its host's mDNS responder announces twice and answers for on 224.0.0.251:5353 (RFC 6762), and a srflx candidate's related address becomes 0.0.0.0 port 0, so no host IP address is in its SDP. A peer on the same link resolves the name with an mDNS query; across a NAT nobody answers, the candidate is dropped after 3 s, and the peer is found as peer-reflexive from its checks. Every peer resolves `.local` candidates it receives, with this on or off ([gathering](gathering.md)).", true, 'off'),
    optional('dataChannels', list(dataChannelAction), 'Data channels (SCTP over DTLS, RFC 8831): an m=application section and a schedule of channels to open, messages to send and channels to close, each an object with the fields below.', [{ at: '1s', do: 'open', label: 'chat' }, { at: '1s', do: 'send', label: 'chat', text: 'hello {n}', count: 3 }], 'none'),
  ],
  spec: ({ kind: _k, host, peer, offerer, restartIceAt, lite, sharedSocket, continualGatheringPolicy, maxIpv6Networks, addTrack, dataChannels, maxMessageSize, sctpPathMtuDiscovery, versions, groups13, keyShares13, corruptSrtpKey, rtpFaults, iceTcp, snap, mdns, sped, ...common }): WebRtcPeerAppSpec => ({
    kind: 'webrtc-peer', host, peer, offerer, ...common, iceTcp: iceTcp ?? defaultIceTcp(common.browser, lite), ...(restartIceAt !== undefined ? { restartIceAt } : {}), ...(lite ? { lite } : {}), ...(addTrack ? { addTrack } : {}), ...(dataChannels ? { dataChannels } : {}),
    ...(maxMessageSize !== undefined ? { maxMessageSize } : {}), ...(sctpPathMtuDiscovery ? { sctpPathMtuDiscovery } : {}),
    ...(versions ? { versions } : {}), ...(groups13 ? { groups13 } : {}), ...(keyShares13 ? { keyShares13 } : {}), ...(corruptSrtpKey ? { corruptSrtpKey } : {}),
    ...(rtpFaults && rtpFaults.length > 0 ? { rtpFaults } : {}), ...(sharedSocket ? {} : { sharedSocket: false as const }), ...(continualGatheringPolicy === 'gather_continually' ? { continualGatheringPolicy } : {}), ...(maxIpv6Networks !== undefined ? { maxIpv6Networks } : {}), ...(snap ? { snap } : {}), ...(mdns ? { mdns } : {}), ...(sped ? { sped } : {}),
  }),
  build(world, host, spec: WebRtcPeerAppSpec, ctx) {
    const mdns = new PeerMdnsNames(world, host, spec.mdns === true);
    const endpoint = makePeer(world, ctx.source, spec.host, spec, spec.offerer, true, spec.peer, { mdns, browser: spec.browser, rtcpMuxPolicy: spec.rtcpMuxPolicy, nomination: spec.nomination, iceTransportPolicy: spec.iceTransportPolicy, ...dtls13Options(spec), ...(spec.corruptSrtpKey ? { corruptSrtpKey: spec.corruptSrtpKey } : {}), ...(spec.rtpFaults ? { rtpFaults: spec.rtpFaults } : {}), ...(spec.snap ? { snap: true } : {}), ...(spec.sped ? { sped: true } : {}) });
    const driver = peerDriver(world, host, endpoint, ctx.source, spec.turn, spec.iceTcp.length > 0);
    mdns.pump = () => driver.pump();
    // one network per address of a connected interface that is up, ranked as libwebrtc's network manager does (sim/ice/networks.ts)
    const monitor = new PeerNetworks(host);
    const udp = monitor.upAddresses().map((ip) => driver.bind(ip, spec.port));
    for (const a of udp) endpoint.addLocalAddress(a, monitor.networks.get(a.ip));
    // a network that comes or goes mid-call (BasicPortAllocatorSession::OnNetworksChanged; sim/ice/agent-gathering.ts)
    if (spec.continualGatheringPolicy === 'gather_continually') endpoint.agent.gatherContinually();
    if (spec.maxIpv6Networks !== undefined) endpoint.agent.maxIpv6Networks(spec.maxIpv6Networks);
    monitor.watch(({ added, gone }) => {
      const bound = added.map(({ ip, network }) => ({ address: driver.bind(ip, spec.port), network }));
      endpoint.agent.networksChanged(world.net.now, bound, gone);
      gatherIceTcp(driver, endpoint.agent, bound.map((b) => b.address), spec.iceTcp.filter((t) => t === 'active'), spec.tcpPort);
      driver.pump();
    });
    // an ICE restart regathers on new sockets, as libwebrtc's new PortAllocatorSession does (sim/ice/agent-gathering.ts)
    // without the shared socket, StunPorts and UDP TurnPorts bind sockets of their own too (AllocationSequence::CreateStunPorts)
    endpoint.agent.regatherOnRestart((ip) => driver.bind(ip, 0), spec.sharedSocket !== false);
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
  notes: [...PEER_NOTES, MDNS_NOTE_KINDS],
});
