import { noteMaker, type KindSet, type NoData, type NotesOf } from '../core/note.ts';

/** The notes of a WebRTC peer connection (source `<host>/webrtc-peer`), beside its ICE, DTLS and SRTP notes. */
export type PeerNoteKinds = {
  'peer.begin': NoData;
  /** A signaling message in a protocol it does not speak (it speaks JSEP): who sent it and its protocol. */
  'peer.signal.ignored': { readonly from: string; readonly protocol: string };
  /** A remote description that cannot be used (`{}` when it came in the wrong signaling state). */
  'peer.sdp.invalid': { readonly type: 'offer' | 'answer'; readonly error: string } | NoData;
  /** Something odd in a usable remote description (`{}`: the fingerprint changed). */
  'peer.sdp.problem': { readonly type: 'offer' | 'answer'; readonly problem: string } | NoData;
  /** RFC 8842 §5.1: the a=setup attributes decide the DTLS role. */
  'peer.dtls-role': { readonly role: 'client' | 'server'; readonly localSetup: string | null; readonly remoteSetup: string | null };
  /** W3C RTCSignalingState. */
  'peer.signaling': { readonly state: string; readonly previous: string };
  /** DTLS and media use the selected pair; `changes` how often it changed. */
  'peer.path': { readonly pair: string; readonly changes: number };
  /** A description made (createOffer / createAnswer, sim/peer/offer-answer.ts): its sections and BUNDLE group. */
  'peer.description': { readonly type: 'offer' | 'answer'; readonly version: number; readonly mids: string[]; readonly bundle: string[]; readonly rejected: { readonly mid: string; readonly reason: string }[] };
  /** Offer and answer settled (JSEP §5.10/§5.11): what this side sends per mid (codec, payload type, extension ids). */
  'peer.negotiated': { readonly send: { readonly mid: string; readonly kind: string; readonly codec: string; readonly payloadType: number; readonly ssrc: number; readonly extensions: string }[]; readonly bundle: string[] };
  /** A track added after the first offer: a new offer follows (renegotiation, JSEP §5.2.2). */
  'peer.track': { readonly kind: string; readonly ssrc: number };
  /** W3C RTCPeerConnectionState, with the ICE and DTLS states behind it (`dtls` null before DTLS starts). */
  'peer.state': { readonly state: string; readonly previous: string; readonly ice: string; readonly dtls: string | null };
  /** RFC 8843 §9.2: the first RTP packet of a stream no m= section takes (an SSRC neither signaled nor carrying a known MID …), dropped. */
  'peer.rtp.dropped': { readonly ssrc: number; readonly payloadType: number; readonly mid: string | null; readonly reason: string };
  /** A fault the scenario injected into this peer on purpose (a fault-injection option and its value). */
  'peer.fault': { readonly fault: string; readonly value: string };
  /** SPED (sim/webrtc/sped.ts): a state change, a DTLS packet taken from a check, an acknowledgement, or SPED attributes ignored. */
  'peer.sped': { readonly event: 'state' | 'received' | 'acked' | 'ignored'; readonly state: 'tentative' | 'confirmed' | 'pending' | 'complete' | 'off' };
};

export type PeerNote = NotesOf<PeerNoteKinds>;
export const peerNote = noteMaker<PeerNoteKinds>();
export const PEER_NOTE_KINDS = {
  'peer.begin': true,
  'peer.signal.ignored': true,
  'peer.sdp.invalid': true,
  'peer.sdp.problem': true,
  'peer.dtls-role': true,
  'peer.signaling': true,
  'peer.path': true,
  'peer.description': true,
  'peer.negotiated': true,
  'peer.track': true,
  'peer.state': true,
  'peer.rtp.dropped': true,
  'peer.fault': true,
  'peer.sped': true,
} as const satisfies KindSet<PeerNoteKinds>;
