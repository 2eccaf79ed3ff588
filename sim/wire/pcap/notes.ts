import { noteMaker, type KindSet, type NotesOf } from '../../core/note.ts';

/** The notes a capture file itself gives (capture-to-trace.ts, source "capture"): comments and reading problems. */
export type CaptureNoteKinds = {
  /** A section or interface comment: where it sits and its byte offset in the file. */
  'capture.comment': { readonly where: string; readonly offset: number };
  'capture.packet-comment': undefined;
  /** A frame without a readable IP datagram: its 1-based number, link and byte offset. */
  'capture.non-ip': { readonly frame: number; readonly link: string; readonly offset: number };
  'capture.truncated': undefined;
  'capture.problem': { readonly offset: number };
  'capture.error': { readonly offset: number };
};

export type CaptureNote = NotesOf<CaptureNoteKinds>;
export const captureNote = noteMaker<CaptureNoteKinds>();
export const CAPTURE_NOTE_KINDS = {
  'capture.comment': true,
  'capture.packet-comment': true,
  'capture.non-ip': true,
  'capture.truncated': true,
  'capture.problem': true,
  'capture.error': true,
} as const satisfies KindSet<CaptureNoteKinds>;
