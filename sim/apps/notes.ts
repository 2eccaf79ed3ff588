import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** The notes of the small UDP apps (udp-probe.ts, udp-echo.ts). Addresses are "ip:port". */
export type AppNoteKinds = {
  'probe.sent': { readonly to: string; readonly seq: number };
  'probe.received': { readonly from: string; readonly to: string; readonly length: number };
  'echo.received': { readonly from: string; readonly to: string };
  /** traceroute.ts: one TTL's probes answered or given up; `from` null when nothing answered ("* * *"). */
  'traceroute.hop': { readonly ttl: number; readonly from: string | null; readonly rtts: (number | null)[]; readonly error: string | null };
  'traceroute.done': { readonly reached: boolean; readonly hops: number };
};

export type AppNote = NotesOf<AppNoteKinds>;
export const appNote = noteMaker<AppNoteKinds>();
export const APP_NOTE_KINDS = { 'probe.sent': true, 'probe.received': true, 'echo.received': true, 'traceroute.hop': true, 'traceroute.done': true } as const satisfies KindSet<AppNoteKinds>;
