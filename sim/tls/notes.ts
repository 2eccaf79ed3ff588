import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** A TLS connection's state (sim/tls/connection.ts). */
export type TlsStateName = 'new' | 'handshaking' | 'open' | 'closed' | 'failed';

/** The notes of TLS 1.3 (RFC 8446) and TLS 1.2 (RFC 5246) endpoints, source `<host>/tls …`. */
export type TlsNoteKinds = {
  'tls.state': { readonly from: TlsStateName; readonly to: TlsStateName; readonly role: 'client' | 'server'; readonly reason: string };
  /** The ClientHello as sent (client) or read (server): what was offered. */
  'tls.client-hello': {
    readonly role: 'client' | 'server';
    readonly versions: string[];
    readonly cipherSuites: string[];
    readonly keyShares: string[];
    readonly sni: string | null;
    readonly alpn: string[];
  };
  /** RFC 8446 §4.1.4: the server asked for a key share of another group. */
  'tls.hello-retry': { readonly role: 'client' | 'server'; readonly group: string };
  /** What the handshake settled on, once the ServerHello is sent or read. */
  'tls.negotiated': {
    readonly role: 'client' | 'server';
    readonly version: string;
    readonly cipherSuite: string;
    readonly group: string;
    readonly sni: string | null;
    readonly alpn: string | null;
    readonly extendedMasterSecret: boolean | null;
  };
  /** The peer's certificate as the client read it, and whether its signature over the handshake checked out. */
  'tls.certificate': { readonly subject: string | null; readonly key: string; readonly fingerprint: string; readonly chain: number; readonly selfSigned: boolean; readonly trusted: 'pinned' | 'unchecked' };
  /** Traffic secrets derived (their key log labels). */
  'tls.keys': { readonly role: 'client' | 'server'; readonly labels: string[] };
  /** RFC 8446 §4.6.1 NewSessionTicket sent (server) or received (client). */
  'tls.ticket': { readonly role: 'client' | 'server'; readonly lifetime: number; readonly bytes: number };
  /** RFC 8446 §4.6.3: a KeyUpdate sent or received; `generation` counts updates of that direction's secret. */
  'tls.key-update': { readonly direction: 'sent' | 'received'; readonly requested: boolean; readonly generation: number };
  /** RFC 8446 §6 / RFC 5246 §7.2 alerts; `name` the description's name. */
  'tls.alert.sent': { readonly level: number; readonly description: number; readonly name: string };
  'tls.alert.received': { readonly level: number; readonly description: number; readonly name: string };
  /** Input that ends the connection: what was wrong and the alert it earns. */
  'tls.bad-input': { readonly alert: string; readonly error: string };
  /** The transport ended without close_notify (RFC 8446 §6.1: a truncation attack looks like this). */
  'tls.truncated': { readonly role: 'client' | 'server' };
  /** An app gave up on a handshake that did not complete in time (`after` µs since it connected). */
  'tls.handshake-timeout': { readonly role: 'client' | 'server'; readonly after: number };
  /** Input ignored on purpose (a compatibility ChangeCipherSpec, a warning alert, bytes after close_notify). */
  'tls.ignored': { readonly what: string };
};

export type TlsNote = NotesOf<TlsNoteKinds>;
export const tlsNote = noteMaker<TlsNoteKinds>();
export const TLS_NOTE_KINDS = {
  'tls.state': true,
  'tls.client-hello': true,
  'tls.hello-retry': true,
  'tls.negotiated': true,
  'tls.certificate': true,
  'tls.keys': true,
  'tls.ticket': true,
  'tls.key-update': true,
  'tls.alert.sent': true,
  'tls.alert.received': true,
  'tls.bad-input': true,
  'tls.truncated': true,
  'tls.handshake-timeout': true,
  'tls.ignored': true,
} as const satisfies KindSet<TlsNoteKinds>;
