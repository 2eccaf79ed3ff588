import type { Micros } from '../core/time.ts';
import type { Rng } from '../core/rng.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { DtlsCurveName, DtlsEndpointOptions, DtlsSrtpProfileName } from '../dtls/config.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import type { TurnServerConfig } from '../ice/agent.ts';
import type { NominationMode } from '../ice/nomination.ts';
import type { CandidatePolicy } from '../ice/candidate-filter.ts';
import type { MdnsNames } from '../ice/mdns-candidates.ts';
import type { VideoOptions } from '../media/video.ts';
import type { SrtpKeyFault } from '../webrtc/transport.ts';
import type { DataChannelAction } from '../sctp/datachannels.ts';
import type { RtpFault } from './receive-demux.ts';
import type { SctpAssociationOptions } from '../sctp/association.ts';

/** What a WebRtcPeer (webrtc-peer.ts) is built with: its identity, ICE servers and policy, media, DTLS and data channels. */
export interface WebRtcPeerOptions {
  /** Shown in notes; the RTCP CNAME. */
  readonly name: string;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  /** The offerer starts at `startAt`; the answerer waits for an offer (JSEP §3.2). */
  readonly offerer: boolean;
  /** The party on the signaling hub that its offers, answers and candidates go to (default "peer"). */
  readonly signalingPeer?: string;
  readonly startAt?: Micros;
  /** When false, the offerer waits for `begin(now)` (an SFU client first asks the server for its transport). */
  readonly autoStart?: boolean;
  readonly stunServers?: readonly TransportAddress[];
  readonly turnServers?: readonly TurnServerConfig[];
  readonly trickle?: boolean;
  /** An ICE-lite agent (RFC 8445 §2.5): host candidates only, answers checks, never checks; it is controlled. */
  readonly lite?: boolean;
  /**
   * Its tracks. `later` names kinds configured here but held back until addTrack(kind), each then in its own
   * renegotiation (JSEP §5.2.2), as mediasoup-client produces one track per offer.
   */
  readonly media?: { readonly audio?: boolean; readonly video?: boolean | VideoOptions; readonly later?: readonly ('audio' | 'video')[] };
  readonly srtpProfiles?: readonly DtlsSrtpProfileName[];
  readonly curves?: readonly DtlsCurveName[];
  /** DTLS versions offered or accepted (default ['1.2']) and the DTLS 1.3 groups (sim/dtls/v13). */
  readonly dtls13?: Pick<DtlsEndpointOptions, 'versions' | 'groups13' | 'keyShares13'>;
  readonly mtu?: number;
  readonly restartOnFailure?: boolean;
  readonly nominationDelay?: Micros;
  /** How its ICE agent nominates when controlling (sim/ice/nomination.ts); default semi-aggressive, as Chromium. */
  readonly nomination?: NominationMode;
  /**
   * Its host's mDNS service (ice/mdns-candidates.ts): `.local` remote candidates are resolved through it (dropped
   * without one) and, when it obfuscates, the peer's host candidates are signalled by name, as libwebrtc does.
   */
  readonly mdns?: MdnsNames;
  /** W3C iceTransportPolicy: `relay` signals and pairs relayed candidates only. */
  readonly iceTransportPolicy?: CandidatePolicy;
  /** Whose codecs, header extensions and SDP style its descriptions carry (sim/peer/codecs.ts); default chromium. */
  readonly browser?: 'chromium' | 'firefox';
  /** W3C rtcpMuxPolicy: "require" (default) refuses an offer without a=rtcp-mux. */
  readonly rtcpMuxPolicy?: 'require' | 'negotiate';
  /** Fault injection: derive the SRTP key for receiving or for sending wrong (IceDtlsSrtpOptions.corruptSrtpKey); noted as peer.fault. */
  readonly corruptSrtpKey?: SrtpKeyFault;
  /** Fault injection on its RTP (receive-demux.ts): an SSRC it did not signal, no MID header extension; noted as peer.fault. */
  readonly rtpFaults?: readonly RtpFault[];
  /**
   * SNAP (draft-hancke-tsvwg-snap), libwebrtc's enable_sctp_snap: its data section carries a=sctp-init (an answer
   * only in reply to an offer's); when both descriptions do, SCTP skips INIT/INIT-ACK/COOKIE (sim/peer/snap.ts).
   */
  readonly snap?: boolean;
  /**
   * SPED (draft-hancke-webrtc-sped), libwebrtc's DTLS-in-STUN piggybacking: its DTLS flights also ride in its ICE
   * Binding requests and responses (DTLS-IN-STUN-DATA, acknowledged by DTLS-IN-STUN-ACK), so DTLS runs while ICE
   * checks; a peer that answers without them turns it off (sim/webrtc/sped.ts). No SDP signal: discovery is in-band.
   */
  readonly sped?: boolean;
  /**
   * Data channels (RFC 8831): an m=application section, SCTP over DTLS once connected, and the schedule of channels
   * to open and messages to send. Also started when the remote offer has an application section.
   */
  readonly dataChannels?: {
    readonly schedule?: readonly DataChannelAction[];
    readonly sctp?: Omit<SctpAssociationOptions, 'rng'>;
    /** Its a=max-message-size (RFC 8841 §6.1): the largest message it takes, 0 any size; default 262144 as Chromium. */
    readonly maxMessageSize?: number;
    /**
     * Leaves the m=application section out of its offers until `addDataSection()` (W3C: the first createDataChannel
     * after a negotiation fires negotiationneeded, JSEP §5.2.2), as mediasoup-client's first produceData.
     */
    readonly deferSection?: boolean;
  };
}
