import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** An endpoint's DTLS state (endpoint.ts `DtlsState`). */
export type DtlsStateName = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';

/** How far a handshake seen in a capture got (sim/dissect/dtls-flow.ts `DtlsProgress`). */
export type DtlsHandshakeProgress = 'hello' | 'cookie' | 'key-exchange' | 'finished' | 'established' | 'closed' | 'alert';

/** The endpoint state a capture's handshake progress stands for (an inferred `dtls.state` note's `to`). */
export const DTLS_PROGRESS_STATE: Readonly<Record<DtlsHandshakeProgress, DtlsStateName>> = {
  hello: 'connecting',
  cookie: 'connecting',
  'key-exchange': 'connecting',
  finished: 'connecting',
  established: 'connected',
  alert: 'failed',
  closed: 'closed',
};

/**
 * The notes of DTLS 1.2 endpoints (source `<host>/…`), and those a capture infers (source `capture/dtls <flow>`,
 * sim/infer and viz/model/decryption-watch.ts): one type per kind for both.
 */
export type DtlsNoteKinds = {
  /**
   * The state changes (RFC 6347 has no state names: these are the W3C RTCDtlsTransportState words). An endpoint
   * knows its `role`; a capture's note is about a flow (both roles) and says how far the handshake got
   * (`progress`, `version` when known) instead.
   */
  'dtls.state': {
    readonly from: DtlsStateName;
    readonly to: DtlsStateName;
    readonly role?: 'client' | 'server';
    readonly reason: string;
    readonly version?: string | null;
    readonly progress?: DtlsHandshakeProgress;
  };
  /** RFC 6347 §4.2.4 flights: `messages` their handshake messages' labels; `at` for a stateless HelloVerifyRequest. */
  'dtls.flight.sent': { readonly flight: number; readonly messages: string[]; readonly datagrams: number; readonly bytes: number; readonly at?: number };
  /** The datagram size was lowered: by an ICMP Fragmentation Needed / Packet Too Big (`from` its sender), or after timeouts. */
  'dtls.pmtu': { readonly mtu: number; readonly before: number; readonly cause: 'icmp' | 'timeouts'; readonly from: string | null };
  'dtls.flight.retransmit': { readonly flight: number; readonly trigger: 'timer' | 'peer-retransmit'; readonly attempt: number; readonly timeout: number; readonly datagrams: number };
  /** RFC 6347 §4.2.1: the client got a HelloVerifyRequest cookie. */
  'dtls.cookie': undefined;
  /** The server's choices as the client learns them from the ServerHello. */
  'dtls.server-hello': { readonly cipherSuite: string; readonly srtpProfile: string | null; readonly extendedMasterSecret: boolean };
  /** The server read a ClientHello and chose its SRTP profile and group. */
  'dtls.client-hello': undefined;
  'dtls.keys': { readonly extendedMasterSecret: boolean; readonly group: string };
  /** The peer certificate is not validly self-signed (allowed). */
  'dtls.certificate': undefined;
  /**
   * RFC 8842 §5 fingerprint checks, sha-256 colon hex. A capture notes the certificate's `sender` ("ip:port"); an
   * endpoint knows the signaled `expected` fingerprint, a capture only when one was signaled.
   */
  'dtls.fingerprint.verified': { readonly fingerprint: string; readonly sender?: string };
  'dtls.fingerprint.mismatch': { readonly actual: string; readonly expected?: string; readonly sender?: string };
  'dtls.fingerprint.unchecked': { readonly fingerprint: string };
  /** RFC 5764 §4.2: SRTP keys exported; `profile` its name. */
  'dtls.srtp': { readonly profile: string };
  /** A record dropped by the replay window (RFC 6347 §4.1.2.6). */
  'dtls.record.replay': undefined;
  /** RFC 5246 §7.2 alert level and description numbers. */
  'dtls.alert.received': { readonly level: number; readonly description: number };
  'dtls.alert.sent': { readonly level: number; readonly description: number };
  /** A capture read with a key log: what decryption of the flow did, and each Finished check ("client verified"). */
  'dtls.decryption': { readonly decryption: 'none' | 'no-key' | 'unsupported' | 'ok' | 'wrong-key'; readonly finished: string[] };
  /** DTLS 1.3 endpoints (sim/dtls/v13): the version agreed, with the key exchange group and cipher suite when 1.3. */
  'dtls.version': { readonly version: string; readonly offered: string[]; readonly group: string | null; readonly cipherSuite: string | null };
  /** RFC 9147 §7: an ACK sent or received, its record numbers as "epoch/seq". */
  'dtls.ack': { readonly direction: 'sent' | 'received'; readonly records: string[] };
  /** RFC 9147 §5.1: a HelloRetryRequest (with a cookie, and the group it asks a share for). */
  'dtls.hello-retry': { readonly role: 'client' | 'server'; readonly group: string | null; readonly cookie: boolean };
  /**
   * A server joined a ClientHello sent in several fragments (RFC 6347 §4.2.3, RFC 9147 §5.5) before its stateless
   * answer (`joined`, with how many fragments), or refused a fragment that lies (`refused`: the text says how).
   */
  'dtls.hello-fragments': { readonly event: 'joined' | 'refused'; readonly from: string; readonly fragments: number | null; readonly length: number };
};

export type DtlsNote = NotesOf<DtlsNoteKinds>;
export const dtlsNote = noteMaker<DtlsNoteKinds>();
export const DTLS_NOTE_KINDS = {
  'dtls.state': true,
  'dtls.flight.sent': true,
  'dtls.flight.retransmit': true,
  'dtls.pmtu': true,
  'dtls.cookie': true,
  'dtls.server-hello': true,
  'dtls.client-hello': true,
  'dtls.keys': true,
  'dtls.certificate': true,
  'dtls.fingerprint.verified': true,
  'dtls.fingerprint.mismatch': true,
  'dtls.fingerprint.unchecked': true,
  'dtls.srtp': true,
  'dtls.record.replay': true,
  'dtls.alert.received': true,
  'dtls.alert.sent': true,
  'dtls.decryption': true,
  'dtls.version': true,
  'dtls.ack': true,
  'dtls.hello-retry': true,
  'dtls.hello-fragments': true,
} as const satisfies KindSet<DtlsNoteKinds>;
