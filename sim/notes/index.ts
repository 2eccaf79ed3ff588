import type { Note } from '../core/trace.ts';
import { APP_NOTE_KINDS, type AppNote } from '../apps/notes.ts';
import { DTLS_NOTE_KINDS, type DtlsNote } from '../dtls/notes.ts';
import { HTTP_NOTE_KINDS, type HttpNote } from '../http/notes.ts';
import { ICE_NOTE_KINDS, type IceNote } from '../ice/notes.ts';
import { INFER_NOTE_KINDS, type InferNote } from '../infer/notes.ts';
import { JANUS_NOTE_KINDS, type JanusNote } from '../janus/notes.ts';
import { MEDIA_NOTE_KINDS, type MediaNote } from '../media/notes.ts';
import { MEDIASOUP_NOTE_KINDS, type MediasoupNote } from '../mediasoup/notes.ts';
import { NAT_NOTE_KINDS, type NatNote } from '../net/nat/notes.ts';
import { MDNS_NOTE_KINDS, type MdnsNote } from '../mdns/notes.ts';
import { NET_NOTE_KINDS, type NetNote } from '../net/notes.ts';
import { PEER_NOTE_KINDS, type PeerNote } from '../peer/notes.ts';
import { SFU_NOTE_KINDS, type SfuNote } from '../sfu/notes.ts';
import { SIGNALING_NOTE_KINDS, type SignalingNote } from '../signaling/notes.ts';
import { SCTP_NOTE_KINDS, type SctpNote } from '../sctp/notes.ts';
import { SIP_NOTE_KINDS, type SipNote } from '../sip/notes.ts';
import { SRTP_NOTE_KINDS, type SrtpNote } from '../srtp/notes.ts';
import { STUN_NOTE_KINDS, type StunNote } from '../stun/notes.ts';
import { TCP_NOTE_KINDS, type TcpNote } from '../tcp/notes.ts';
import { WEBSOCKET_NOTE_KINDS, type WebSocketNote } from '../websocket/notes.ts';
import { TLS_NOTE_KINDS, type TlsNote } from '../tls/notes.ts';
import { TURN_NOTE_KINDS, type TurnNote } from '../turn/notes.ts';
import { CAPTURE_NOTE_KINDS, type CaptureNote } from '../wire/pcap/notes.ts';

/**
 * The registry of note kinds: every folder's union, joined. It sits above the protocol folders (sim/core knows no
 * kind). A new folder with notes adds its `notes.ts` (a `…NoteKinds` map, `NotesOf`, `noteMaker`, a kind set) and
 * one line here; readers then see its kinds in `AnyNote` and an exhaustive switch tells them what they miss.
 */
export type AnyNoteBody =
  | NetNote
  | NatNote
  | StunNote
  | TurnNote
  | TcpNote
  | HttpNote
  | WebSocketNote
  | TlsNote
  | IceNote
  | DtlsNote
  | SrtpNote
  | SctpNote
  | MediaNote
  | PeerNote
  | SfuNote
  | MediasoupNote
  | SignalingNote
  | SipNote
  | AppNote
  | CaptureNote
  | InferNote
  | JanusNote
  | MdnsNote;

/** A trace note of a declared kind: narrow it with `switch (n.kind)` and its data has that kind's type. */
export type AnyNote = Note<AnyNoteBody>;

export type AnyNoteKind = AnyNoteBody['kind'];

/** Every declared kind at run time, by the folder that declares it (sim/notes/notes.test.ts checks none is declared twice). */
export const NOTE_KINDS_BY_FOLDER = {
  'sim/net': NET_NOTE_KINDS,
  'sim/net/nat': NAT_NOTE_KINDS,
  'sim/stun': STUN_NOTE_KINDS,
  'sim/turn': TURN_NOTE_KINDS,
  'sim/tcp': TCP_NOTE_KINDS,
  'sim/http': HTTP_NOTE_KINDS,
  'sim/websocket': WEBSOCKET_NOTE_KINDS,
  'sim/tls': TLS_NOTE_KINDS,
  'sim/ice': ICE_NOTE_KINDS,
  'sim/dtls': DTLS_NOTE_KINDS,
  'sim/srtp': SRTP_NOTE_KINDS,
  'sim/sctp': SCTP_NOTE_KINDS,
  'sim/media': MEDIA_NOTE_KINDS,
  'sim/peer': PEER_NOTE_KINDS,
  'sim/sfu': SFU_NOTE_KINDS,
  'sim/mediasoup': MEDIASOUP_NOTE_KINDS,
  'sim/signaling': SIGNALING_NOTE_KINDS,
  'sim/sip': SIP_NOTE_KINDS,
  'sim/apps': APP_NOTE_KINDS,
  'sim/wire/pcap': CAPTURE_NOTE_KINDS,
  'sim/infer': INFER_NOTE_KINDS,
  'sim/janus': JANUS_NOTE_KINDS,
  'sim/mdns': MDNS_NOTE_KINDS,
} as const;

/** Whether `kind` is declared by some folder. */
export function isDeclaredKind(kind: string): kind is AnyNoteKind {
  return Object.values(NOTE_KINDS_BY_FOLDER).some((set) => Object.prototype.hasOwnProperty.call(set, kind));
}

/** The note of one kind. */
export type NoteOf<K extends AnyNoteKind> = Extract<AnyNote, { readonly kind: K }>;

/**
 * A trace's notes as the union. Every note the simulator or the capture inference writes is built by a folder's
 * emit helper, so it is one of these; a trace read from a JSON file may hold kinds this version does not know, which
 * a reader's switch passes over (its `default` sees them at run time, never at compile time).
 */
export function typedNotes(notes: readonly Note[]): readonly AnyNote[] {
  return notes as readonly AnyNote[];
}

/** One note as the union (see `typedNotes`). */
export function typedNote(n: Note): AnyNote {
  return n as AnyNote;
}

/**
 * The `default` of an exhaustive switch over note kinds: the compiler rejects the switch if a kind is missing
 * (`n` would not be `never`). At run time a kind this version does not declare (a JSON trace from another one)
 * lands here and is passed over.
 */
export function unreachable(n: never): void {
  void n;
}
