import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** What a TURN client asked for (session.ts `TurnRequestKind`). */
type TurnRequest = 'allocate' | 'refresh' | 'deallocate' | 'permission' | 'channel' | 'connect';

/**
 * The notes of TURN (RFC 8656). A client's session (session.ts, client.ts) names its `server` first; the server
 * (server.ts, server-peers.ts) is the note's source. Addresses are "ip:port", peers of permissions bare IPs.
 */
export type TurnNoteKinds = {
  // ---- client side
  'turn.allocate': { readonly server: string };
  /** A 401 (the long-term credential dance) or 438 (stale nonce) answer; the server notes its side with `code` only. */
  'turn.auth': { readonly server: string; readonly code: number } | { readonly code: number };
  'turn.allocated': { readonly server: string; readonly relayed: string; readonly mapped: string | null; readonly lifetime: number | null };
  'turn.refresh.due': { readonly server: string };
  'turn.refreshed': { readonly server: string; readonly lifetime: number | null };
  'turn.deallocated': { readonly server: string };
  'turn.permission': { readonly server: string; readonly peers: string[]; readonly refreshed: boolean };
  'turn.channel-bind': { readonly server: string; readonly channel: number; readonly peer: string };
  'turn.channel-bound': { readonly server: string; readonly channel: number; readonly peer: string; readonly refreshed: boolean };
  /** A response failing MESSAGE-INTEGRITY: the check's status (sim/wire/stun/integrity.ts). */
  'turn.integrity': { readonly server: string; readonly status: string };
  'turn.timeout': { readonly server: string; readonly request: TurnRequest };
  /** The client got an error response; the server notes a refusal with its `reason`. */
  'turn.error': { readonly server: string; readonly code: number; readonly request: TurnRequest } | { readonly code: number; readonly reason: string };
  'turn.failed': { readonly server: string };
  /** The client app restarted on the same socket: its session (allocation, credentials, permissions) is forgotten. */
  'turn.restart': { readonly server: string; readonly local: string };
  'turn.data.sent': { readonly peer: string; readonly via: 'channel' | 'indication' };
  /** `via`: "ChannelData 0x4000" or "Data indication". */
  'turn.data.received': { readonly peer: string; readonly via: string; readonly length: number };
  /** A Data indication with an ICMP attribute (RFC 8656 §11.6): the peer the relayed datagram was for, and the error. */
  'turn.icmp.received': { readonly server: string; readonly peer: string; readonly type: number; readonly code: number; readonly data: number; readonly error: string };
  // ---- TURN over TCP and TLS (RFC 8656 §3.1), either side: `local` and `remote` are the connection's ends
  /** The connection to the TURN server (client) or from a client (server) is open; `transport` 'tcp' or 'tls'. */
  'turn.stream.open': { readonly local: string; readonly remote: string; readonly transport: string };
  /** It closed; `error` says how when not cleanly ('refused', 'reset', 'timeout', a TLS alert, a framing error). */
  'turn.stream.closed': { readonly local: string; readonly remote: string; readonly transport: string; readonly error: string | null };
  /** The bytes on it could not be cut into STUN and ChannelData messages: the stream is closed. */
  'turn.stream.framing': { readonly local: string; readonly remote: string; readonly why: string };
  // ---- RFC 6062 TCP allocations (server side); connectionId is the CONNECTION-ID
  'turn.tcp.connect': { readonly peer: string; readonly relayed: string; readonly connectionId: number };
  'turn.tcp.attempt': { readonly peer: string; readonly relayed: string; readonly connectionId: number };
  'turn.tcp.bound': { readonly peer: string; readonly client: string; readonly connectionId: number };
  'turn.tcp.closed': { readonly peer: string; readonly connectionId: number; readonly why: string };
  // ---- server side
  'turn.retransmit.answered': undefined;
  /**
   * An allocation: lifetime in seconds. Inferred from a capture (sim/infer), the Allocate success shows `server`
   * but not the username; the server itself knows `username` and `lifetime`.
   */
  'turn.allocation.created': { readonly client: string; readonly relayed: string; readonly lifetime?: number; readonly username?: string; readonly server?: string };
  'turn.allocation.refreshed': { readonly relayed: string; readonly lifetime: number };
  'turn.allocation.deleted': { readonly relayed: string; readonly client: string; readonly why: string };
  'turn.permission.installed': { readonly peer: string; readonly relayed: string };
  'turn.permission.expired': { readonly peer: string; readonly relayed: string };
  'turn.peer.denied': { readonly peer: string; readonly range: string };
  'turn.channel.bound': { readonly channel: number; readonly peer: string; readonly relayed: string };
  'turn.relay.to-peer': { readonly relayed: string; readonly peer: string; readonly length: number };
  /** `via`: "ChannelData 0x4000" or "Data indication". */
  'turn.relay.to-client': { readonly peer: string; readonly client: string; readonly via: string; readonly length: number };
  /** An ICMP error about a relayed datagram, sent on to the client in a Data indication (RFC 8656 §11.5), or not. */
  'turn.icmp.relayed': { readonly from: string; readonly peer: string; readonly client: string; readonly type: number; readonly code: number; readonly data: number };
  'turn.icmp.dropped': { readonly from: string; readonly peer: string; readonly reason: string };
  'turn.drop':
    | { readonly direction: 'to-peer'; readonly reason: string; readonly peer?: string }
    | { readonly direction: 'from-peer'; readonly reason: 'permission expired' | 'no permission'; readonly peer: string; readonly relayed: string };
};

export type TurnNote = NotesOf<TurnNoteKinds>;
export const turnNote = noteMaker<TurnNoteKinds>();
export const TURN_NOTE_KINDS = {
  'turn.allocate': true,
  'turn.auth': true,
  'turn.allocated': true,
  'turn.refresh.due': true,
  'turn.refreshed': true,
  'turn.deallocated': true,
  'turn.permission': true,
  'turn.channel-bind': true,
  'turn.channel-bound': true,
  'turn.integrity': true,
  'turn.timeout': true,
  'turn.error': true,
  'turn.failed': true,
  'turn.restart': true,
  'turn.data.sent': true,
  'turn.data.received': true,
  'turn.icmp.received': true,
  'turn.icmp.relayed': true,
  'turn.icmp.dropped': true,
  'turn.stream.open': true,
  'turn.stream.closed': true,
  'turn.stream.framing': true,
  'turn.tcp.connect': true,
  'turn.tcp.attempt': true,
  'turn.tcp.bound': true,
  'turn.tcp.closed': true,
  'turn.retransmit.answered': true,
  'turn.allocation.created': true,
  'turn.allocation.refreshed': true,
  'turn.allocation.deleted': true,
  'turn.permission.installed': true,
  'turn.permission.expired': true,
  'turn.peer.denied': true,
  'turn.channel.bound': true,
  'turn.relay.to-peer': true,
  'turn.relay.to-client': true,
  'turn.drop': true,
} as const satisfies KindSet<TurnNoteKinds>;
