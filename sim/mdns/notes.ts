import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/**
 * The notes of a host's Multicast DNS service (sim/mdns/service.ts): the names it makes for host candidates
 * (libwebrtc's MdnsResponderInterface) and how it probes for them, what it sends and hears on 224.0.0.251 / ff02::fb port 5353 (RFC 6762), and
 * how the resolution of a peer's `.local` candidate ended.
 */
export type MdnsNoteKinds = {
  /** A new name for one of the host's addresses (a UUID v4 under .local, as Chromium's responder makes). */
  'mdns.name.created': { readonly name: string; readonly address: string };
  /** A probe for a name before it is announced (RFC 6762 §8.1: the n-th of three, the first with the QU bit). */
  'mdns.probe.sent': { readonly name: string; readonly n: number; readonly to: string; readonly unicastResponse: boolean };
  /** Probing ended without a conflict: the name is the host's and is announced (§8.3). */
  'mdns.probed': { readonly name: string; readonly address: string };
  /** Another host holds the name: renamed (§9), or a lost simultaneous-probe tiebreak deferring a second (§8.2). */
  'mdns.conflict': { readonly name: string; readonly address: string; readonly theirs: string; readonly outcome: 'renamed' | 'deferred'; readonly renamed?: string };
  /** A name withdrawn: its record sent with TTL 0 (§10.1). */
  'mdns.goodbye.sent': { readonly name: string; readonly address: string; readonly to: string };
  /** An mDNS response sent: unsolicited (announcement, RFC 6762 §8.3) or answering a query (§6). */
  'mdns.response.sent': { readonly name: string; readonly address: string; readonly to: string; readonly announcement: boolean; readonly delayMs: number };
  /** A query sent for a name it resolves (QM: the answer comes by multicast; QU asks for a unicast one, §5.4). */
  'mdns.query.sent': { readonly name: string; readonly type: string; readonly to: string; readonly unicastResponse: boolean };
  /** A query this host's responder answers (a name it owns). */
  'mdns.query.received': { readonly name: string; readonly type: string; readonly from: string };
  /** A name resolved (from an answer or an announcement), or given up after the transaction timeout. */
  'mdns.resolved': { readonly name: string; readonly address: string; readonly afterMs: number; readonly fromCache?: true };
  'mdns.unresolved': { readonly name: string; readonly afterMs: number };
  /** A datagram on port 5353 it could not read. */
  'mdns.malformed': { readonly from: string; readonly error: string };
};

export type MdnsNote = NotesOf<MdnsNoteKinds>;
export const mdnsNote = noteMaker<MdnsNoteKinds>();
export const MDNS_NOTE_KINDS = {
  'mdns.name.created': true,
  'mdns.probe.sent': true,
  'mdns.probed': true,
  'mdns.conflict': true,
  'mdns.goodbye.sent': true,
  'mdns.response.sent': true,
  'mdns.query.sent': true,
  'mdns.query.received': true,
  'mdns.resolved': true,
  'mdns.unresolved': true,
  'mdns.malformed': true,
} as const satisfies KindSet<MdnsNoteKinds>;
