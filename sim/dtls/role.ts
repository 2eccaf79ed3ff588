import type { DtlsNote } from './notes.ts';
import type { Rng } from '../core/rng.ts';
import type { HandshakeBody } from '../wire/dtls/handshake.ts';
import type { ClientHello } from '../wire/handshake/hello.ts';
import type { DtlsConfig } from './config.ts';
import type { DtlsIdentity } from './identity.ts';
import type { FlightNumber } from './flights.ts';
import type { HandshakeSession } from './session.ts';

/** What the client and server handshakes may ask of the endpoint that carries them. */
export interface RoleHost {
  readonly session: HandshakeSession;
  readonly config: DtlsConfig;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  /** Adds a handshake message to the flight being prepared: assigns message_seq and appends it to the transcript. */
  queueHandshake(body: HandshakeBody): void;
  /** Adds ChangeCipherSpec; what follows in the flight is sealed in epoch 1. */
  queueChangeCipherSpec(): void;
  /** Sends the prepared flight and moves to waiting (or finished for the last flight). */
  sendFlight(n: FlightNumber): void;
  /** Installs the epoch-1 keys once the master secret is known (RFC 5246 §6.3), and reports the key log. */
  keysDerived(): void;
  /** The peer's ChangeCipherSpec: records of epoch 1 are accepted from now on. */
  peerChangedCipherSpec(): void;
  /** Checks the peer's certificate chain against the signaled fingerprint; false after failing the connection. */
  acceptPeerCertificate(certificates: readonly Uint8Array[]): boolean;
  /** Sends a fatal alert and fails the connection. */
  fail(alertDescription: number, reason: string): void;
  note(n: DtlsNote): void;
  /** The handshake completed. */
  connected(): void;
}

/** One side of the handshake: consumes whole handshake messages in order. */
export interface HandshakeRole {
  /** Client: prepares and sends flight 1 (`prepared`: the ClientHello a DTLS 1.3 client already sent, v13/factory.ts). */
  start(prepared?: ClientHello): void;
  /** A whole, in-order handshake message (RFC 6347 §4.2.2); `bytes` has the unfragmented header the hashes cover. */
  onMessage(body: HandshakeBody, bytes: Uint8Array): void;
  /** The peer's ChangeCipherSpec; returns false when it came at the wrong moment. */
  onChangeCipherSpec(): boolean;
}
