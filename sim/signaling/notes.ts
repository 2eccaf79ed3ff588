import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** What a signaling note says of its message (channel.ts `messageData`): its kind, and its content. */
export type SignalingMessageFacts =
  | { readonly message: 'offer' | 'answer'; readonly sdp: string }
  | { readonly message: 'candidate'; readonly candidate: string; readonly sdpMid: string; readonly ufrag: string }
  | { readonly message: 'end-of-candidates'; readonly ufrag: string }
  /** A JSON request, response or notification (the SFU's protocol), as its JSON text. */
  | { readonly message: 'request' | 'response' | 'notification'; readonly json: string }
  /** An ice-agent app's own signal (sim/ice/signaling.ts), named only. */
  | { readonly message: 'description' | 'candidate' | 'end-of-candidates' };

/**
 * The notes of signaling (source `<party>/signaling`): a message leaves (`arrives` when it will be delivered, µs)
 * and is received; a capture (sim/infer) infers what its signaling carried.
 */
export type SignalingNoteKinds = {
  /** `arrives` absent when the transport cannot tell yet (a transport on the wire). */
  'signaling.sent': { readonly from: string; readonly to: string; readonly arrives?: number } & SignalingMessageFacts;
  'signaling.received': { readonly from: string; readonly to: string } & SignalingMessageFacts;
  'signaling.error': { readonly from: string; readonly to: string };
  /** A party's connection to the signaling server on the wire (sim/signaling-wire): opened, or failed and why. */
  'signaling.connected': { readonly party: string; readonly server: string; readonly via: string };
  'signaling.connect-failed': { readonly party: string; readonly server: string; readonly error: string; readonly attempt: number; readonly retryIn?: number };
  'signaling.disconnected': { readonly party: string; readonly server: string; readonly error: string };
  /** The signaling server (sim/signaling-wire/relay.ts): a party connected or left; a message it could not forward. */
  'signaling.peer-joined': { readonly party: string; readonly connection: string; readonly via: string };
  'signaling.peer-left': { readonly party: string; readonly code: number };
  'signaling.undeliverable': { readonly why: string; readonly from?: string; readonly to?: string };
  /** The server changed or dropped a message it forwarded (its `mangle` rules, sim/signaling-wire/mangle.ts). */
  'signaling.mangled': { readonly from: string; readonly to: string; readonly message: string; readonly changes: string[]; readonly dropped: boolean };
  /** An SDP seen in a capture: candidates as "address:port type". */
  'signaling.sdp': { readonly type: string; readonly candidates: string[]; readonly ufrags: string[] };
  'signaling.candidate': { readonly candidate: string; readonly type: string };
};

export type SignalingNote = NotesOf<SignalingNoteKinds>;
export const signalingNote = noteMaker<SignalingNoteKinds>();
export const SIGNALING_NOTE_KINDS = {
  'signaling.sent': true,
  'signaling.received': true,
  'signaling.error': true,
  'signaling.connected': true,
  'signaling.connect-failed': true,
  'signaling.disconnected': true,
  'signaling.peer-joined': true,
  'signaling.peer-left': true,
  'signaling.undeliverable': true,
  'signaling.mangled': true,
  'signaling.sdp': true,
  'signaling.candidate': true,
} as const satisfies KindSet<SignalingNoteKinds>;
