import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** The notes of the small UDP apps (udp-probe.ts, udp-echo.ts). Addresses are "ip:port". */
export type AppNoteKinds = {
  'probe.sent': { readonly to: string; readonly seq: number };
  'probe.received': { readonly from: string; readonly to: string; readonly length: number };
  'echo.received': { readonly from: string; readonly to: string };
  /** traceroute.ts: one TTL's probes answered or given up; `from` null when nothing answered ("* * *"). */
  'traceroute.hop': { readonly ttl: number; readonly from: string | null; readonly rtts: (number | null)[]; readonly error: string | null };
  'traceroute.done': { readonly reached: boolean; readonly hops: number };
  /** ping.ts: a reply (rtt µs, the reply's TTL, ICMP bytes), an ICMP error about a request, ping's statistics. */
  'ping.reply': { readonly from: string; readonly seq: number; readonly ttl: number; readonly rtt: number; readonly bytes: number };
  'ping.error': { readonly from: string; readonly seq: number; readonly error: string };
  /** tcp-peer.ts: a connection opened (handshake complete), and closed or failed with what crossed it. */
  'tcp-peer.open': { readonly local: string; readonly remote: string };
  'tcp-peer.closed': { readonly local: string; readonly remote: string; readonly sent: number; readonly received: number; readonly corrupt: number; readonly error: string | null };
  'ping.done': { readonly transmitted: number; readonly received: number; readonly errors: number; readonly loss: number; readonly min: number | null; readonly avg: number | null; readonly max: number | null; readonly mdev: number | null };
};

export type AppNote = NotesOf<AppNoteKinds>;
export const appNote = noteMaker<AppNoteKinds>();
export const APP_NOTE_KINDS = { 'probe.sent': true, 'probe.received': true, 'echo.received': true, 'traceroute.hop': true, 'traceroute.done': true, 'ping.reply': true, 'ping.error': true, 'ping.done': true, 'tcp-peer.open': true, 'tcp-peer.closed': true } as const satisfies KindSet<AppNoteKinds>;
