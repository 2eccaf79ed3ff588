import type { TransportAddress } from '../../core/endpoint.ts';
import type { Rng } from '../../core/rng.ts';
import type { Micros } from '../../core/time.ts';
import type { DtlsRecord } from '../../wire/dtls/record.ts';
import type { HandshakeReassembler } from '../../wire/dtls/fragment.ts';
import type { TlsHandshakeBody } from '../../wire/tls/handshake.ts';
import type { DtlsConfig, DtlsEndpointOptions } from '../config.ts';
import type { DtlsIdentity } from '../identity.ts';
import type { DtlsNote } from '../notes.ts';
import type { Flight13, Piece13, RecordNumber } from './flight.ts';
import type { RecordLayer13 } from './records.ts';
import type { Session13 } from './session.ts';

/** A whole handshake message as the role sees it. */
export interface Incoming13 {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: TlsHandshakeBody;
  /** The body bytes (no header). */
  readonly raw: Uint8Array;
  /** The record that completed it. */
  readonly record: RecordNumber;
  /** The datagram it came in (a client hands it to DTLS 1.2 on fallback). */
  readonly datagram: Uint8Array;
}

/** What the client and server handshakes ask of the endpoint (endpoint.ts). */
export interface Host13 {
  readonly config: DtlsConfig;
  readonly options: DtlsEndpointOptions;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  readonly records: RecordLayer13;
  readonly session: Session13;
  readonly flight: Flight13;
  readonly cookieSecret: Uint8Array;
  reassembler: HandshakeReassembler;
  readonly nowMicros: Micros;
  fingerprintVerified: boolean;
  sendFlight(n: number, pieces: readonly Piece13[], timer: boolean): void;
  sendAck(records: readonly RecordNumber[], epoch: number): void;
  transmitTo(bytes: Uint8Array, to: TransportAddress): void;
  /** Server: the first accepted ClientHello fixes the peer; false when it came from elsewhere. */
  adoptRemote(from: TransportAddress): boolean;
  keyLog(label: string, secret: Uint8Array): void;
  secretLine(text: string): void;
  note(n: DtlsNote): void;
  count(reason: string): void;
  beganHandshake(): void;
  connected(): void;
  fail(alertDescription: number, reason: string): void;
}

export interface Role13 {
  start(): void;
  /** Whether the handshake keeps state yet (a server before an accepted ClientHello does not). */
  hasState(): boolean;
  onMessage(m: Incoming13): void;
  /** A handshake record with nothing new: the peer retransmitted. */
  onPeerRetransmit(rn: RecordNumber): void;
  /** Server, before it keeps state: an epoch-0 handshake record (a ClientHello, answered statelessly or accepted). */
  onStatelessRecord?(rec: DtlsRecord, from: TransportAddress, datagram: Uint8Array): void;
  onAckProcessed?(): void;
}
