import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/**
 * The notes of the Janus gateway (source `<host>/janus`): sessions, handles, JSEP, PeerConnection events and API
 * errors; a plugin's own are `janus.<plugin>.<kind>` (the echotest's settings). `handle` and `session` are Janus ids.
 */
export type JanusNoteKinds = {
  'janus.session.created': { readonly session: number };
  /** `idle`: seconds since the client's last request or poll. */
  'janus.session.timeout': { readonly session: number; readonly idle: number };
  /** `why`: "destroy" (a request) or "timeout" (the watchdog). */
  'janus.session.destroyed': { readonly session: number; readonly why: string };
  'janus.handle.attached': { readonly session: number; readonly handle: number; readonly plugin: string };
  'janus.handle.detached': { readonly session: number; readonly handle: number };
  'janus.pc.created': { readonly handle: number; readonly local: string };
  /** The browser's offer: how many candidates it carried. */
  'janus.jsep': { readonly handle: number; readonly type: string; readonly candidates: number };
  /** A JSEP a plugin pushed that the gateway cannot use (an offer: the gateway offering is not modelled). */
  'janus.jsep.refused': { readonly handle: number; readonly type: string };
  'janus.webrtcup': { readonly profile: string };
  'janus.media': { readonly handle: number; readonly mid: string; readonly type: string; readonly receiving: boolean };
  'janus.slowlink': { readonly handle: number; readonly mid: string; readonly lost: number };
  'janus.hangup': { readonly handle: number; readonly reason: string };
  'janus.error': { readonly code: number | null; readonly reason: string | null };
  /** A plugin threw on a message: answered with error 462, the gateway goes on. */
  'janus.plugin-error': { readonly handle: number; readonly plugin: string; readonly error: string };
  'janus.echotest.settings': { readonly handle: number; readonly audio: boolean; readonly video: boolean; readonly bitrate: number };
};

export type JanusNote = NotesOf<JanusNoteKinds>;
export const janusNote = noteMaker<JanusNoteKinds>();
export const JANUS_NOTE_KINDS = {
  'janus.session.created': true,
  'janus.session.timeout': true,
  'janus.session.destroyed': true,
  'janus.handle.attached': true,
  'janus.handle.detached': true,
  'janus.pc.created': true,
  'janus.jsep': true,
  'janus.jsep.refused': true,
  'janus.webrtcup': true,
  'janus.media': true,
  'janus.slowlink': true,
  'janus.hangup': true,
  'janus.error': true,
  'janus.plugin-error': true,
  'janus.echotest.settings': true,
} as const satisfies KindSet<JanusNoteKinds>;
