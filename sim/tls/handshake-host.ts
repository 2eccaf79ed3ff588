import type { Rng } from '../core/rng.ts';
import type { Tls13Suite } from '../crypto/tls13-schedule.ts';
import type { AlertDescriptionName } from '../wire/handshake/names.ts';
import type { TlsHandshakeMessage } from '../wire/tls/handshake.ts';
import type { ResolvedTlsConfig } from './config.ts';
import type { TlsNote } from './notes.ts';
import type { Protection } from './record-layer.ts';

/**
 * What a handshake (client13.ts, server13.ts, client12.ts, server12.ts) is given by its connection (connection.ts):
 * the record layer's two directions, the key log, notes, and the way to fail or finish. A handshake never sees bytes
 * off the wire: the connection hands it whole, decoded handshake messages.
 */
export interface HandshakeHost {
  readonly role: 'client' | 'server';
  readonly config: ResolvedTlsConfig;
  readonly rng: Rng;
  /** Queues a handshake message (header + body) under the current write protection. */
  sendHandshake(message: Uint8Array, recordVersion?: number): void;
  /** A ChangeCipherSpec record (TLS 1.2 §7.1; TLS 1.3 compatibility mode, RFC 8446 Appendix D.4). */
  sendChangeCipherSpec(): void;
  setWrite(p: Protection): void;
  setRead(p: Protection): void;
  /** An NSS key log line (`label client_random secret`), emitted as the trace's secret. */
  keyLog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void;
  note(n: TlsNote): void;
  /** Ends the handshake with a fatal alert; the handshake must return at once. */
  fail(alert: AlertDescriptionName, error: string): void;
  /** The handshake is complete: application data may flow. */
  established(e: Established): void;
  /** Hands the rest of the handshake to another state machine (the client learning the server chose TLS 1.2). */
  switchTo(h: Handshake, then?: TlsHandshakeMessage): void;
}

export interface Handshake {
  /** Whether messages are decoded in their TLS 1.3 forms (Certificate, NewSessionTicket, Finished). */
  readonly tls13: boolean;
  start?(): void;
  handle(m: TlsHandshakeMessage): void;
  /** A ChangeCipherSpec record arrived (TLS 1.2: keys change; TLS 1.3: ignored during the handshake). */
  changeCipherSpec(): void;
}

export interface Established {
  readonly version: number;
  readonly cipherSuite: number;
  readonly alpn: string | null;
  readonly sni: string | null;
  readonly clientRandom: Uint8Array;
  /** TLS 1.3: the application traffic secrets, for KeyUpdate (RFC 8446 §7.2). */
  readonly tls13?: { readonly suite: Tls13Suite; readonly clientSecret: Uint8Array; readonly serverSecret: Uint8Array; readonly exporterSecret: Uint8Array };
  /** TLS 1.2: the master secret (RFC 5246 §8.1 or RFC 7627 §4). */
  readonly masterSecret?: Uint8Array;
  /** The peer certificate chain (client side), DER. */
  readonly peerCertificates: readonly Uint8Array[];
}
