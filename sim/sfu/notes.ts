import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** The notes of the mediasoup-like SFU (source `<host>/sfu`) and its clients (`<host>/sfu-client`). */
export type SfuNoteKinds = {
  'sfu.transport.created': { readonly transport: string; readonly peer: string; readonly local: string };
  'sfu.transport.connected': { readonly transport: string; readonly peer: string };
  'sfu.transport.keyed': { readonly transport: string; readonly peer: string; readonly profile: string };
  /** `kind`: "audio" or "video". */
  'sfu.producer.created': { readonly producer: string; readonly peer: string; readonly kind: string; readonly ssrc: number; readonly transport: string };
  'sfu.consumer.created': { readonly consumer: string; readonly producer: string; readonly peer: string; readonly kind: string; readonly ssrc: number; readonly transport: string };
  /** A keyframe request (PLI, RFC 4585 §6.3.1) sent to a producer, and why (a consumer's PLI/FIR, a new consumer, lost packets, a retry). */
  'sfu.keyframe.requested': { readonly producer: string; readonly reason: string };
  /** A keyframe request absorbed because one to the same producer is pending (mediasoup's KeyFrameRequestManager). */
  'sfu.keyframe.coalesced': { readonly producer: string; readonly reason: string };
  /** A signaling message in a protocol it does not speak (it speaks protoo): who sent it and its protocol. */
  'sfu.signal.ignored': { readonly from: string; readonly protocol: string };
  'sfu-client.signal.ignored': { readonly from: string; readonly protocol: string };
  'sfu-client.error': { readonly method: string; readonly reason: string };
  'sfu-client.consumer': { readonly consumer: string; readonly producer: string; readonly ssrc: number };
  /** The SDP answer the client built from the transport parameters. */
  'sfu-client.answer': { readonly sdp: string };
};

export type SfuNote = NotesOf<SfuNoteKinds>;
export const sfuNote = noteMaker<SfuNoteKinds>();
export const SFU_NOTE_KINDS = {
  'sfu.transport.created': true,
  'sfu.transport.connected': true,
  'sfu.transport.keyed': true,
  'sfu.producer.created': true,
  'sfu.consumer.created': true,
  'sfu.keyframe.requested': true,
  'sfu.keyframe.coalesced': true,
  'sfu.signal.ignored': true,
  'sfu-client.signal.ignored': true,
  'sfu-client.error': true,
  'sfu-client.consumer': true,
  'sfu-client.answer': true,
} as const satisfies KindSet<SfuNoteKinds>;
