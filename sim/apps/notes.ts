import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** The notes of the small UDP apps (udp-probe.ts, udp-echo.ts). Addresses are "ip:port". */
export type AppNoteKinds = {
  'probe.sent': { readonly to: string; readonly seq: number };
  'probe.received': { readonly from: string; readonly to: string; readonly length: number };
  'echo.received': { readonly from: string; readonly to: string };
};

export type AppNote = NotesOf<AppNoteKinds>;
export const appNote = noteMaker<AppNoteKinds>();
export const APP_NOTE_KINDS = { 'probe.sent': true, 'probe.received': true, 'echo.received': true } as const satisfies KindSet<AppNoteKinds>;
