import { extract } from '@noble/hashes/hkdf.js';
import { deriveSecret, exportKeyingMaterial13, finishedVerifyData, messageHash, trafficKeys, transcriptHash, type Tls13Suite, type TrafficKeys } from '../../crypto/tls13-schedule.ts';

/**
 * The DTLS 1.3 key schedule as an endpoint runs it (RFC 8446 §7.1 with the "dtls13" labels of RFC 9147 §5.9),
 * without PSKs, and the transcript it is taken over: TLS-style 4-byte handshake headers, not DTLS's 12-byte ones
 * (RFC 9147 §5.2), with the HelloRetryRequest rewrite of RFC 8446 §4.4.1.
 */

const P = 'dtls13' as const;

export class Transcript13 {
  private messages: Uint8Array[] = [];

  add(message: Uint8Array): void {
    this.messages.push(message);
  }

  /** RFC 8446 §4.4.1: ClientHello1 becomes message_hash(Hash(ClientHello1)) once a HelloRetryRequest came. */
  replaceFirstWithMessageHash(suite: Tls13Suite): void {
    const first = this.messages[0];
    if (first) this.messages[0] = messageHash(suite, first);
  }

  /** Starts from a message_hash already computed (a stateless server reads it from its cookie). */
  startWith(message: Uint8Array): void {
    this.messages = [message];
  }

  hash(suite: Tls13Suite): Uint8Array {
    return transcriptHash(suite, this.messages);
  }
}

export interface Secrets13 {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
}

export class Schedule13 {
  private handshakeSecret: Uint8Array | undefined;
  hs: Secrets13 | undefined;
  app: Secrets13 | undefined;
  exporter: Uint8Array | undefined;

  constructor(readonly suite: Tls13Suite) {}

  /** RFC 8446 §7.1: Early Secret (no PSK) → derived → Handshake Secret → the handshake traffic secrets. */
  handshake(shared: Uint8Array, helloHash: Uint8Array): Secrets13 {
    const s = this.suite;
    const early = extract(s.hash, new Uint8Array(s.hashLength), new Uint8Array(0));
    const derived = deriveSecret(s, early, 'derived', s.hash(new Uint8Array(0)), P);
    this.handshakeSecret = extract(s.hash, shared, derived);
    this.hs = {
      client: deriveSecret(s, this.handshakeSecret, 'c hs traffic', helloHash, P),
      server: deriveSecret(s, this.handshakeSecret, 's hs traffic', helloHash, P),
    };
    return this.hs;
  }

  /** RFC 8446 §7.1: Master Secret → application traffic secrets and exporter_master_secret, over ClientHello…server Finished. */
  application(serverFinishedHash: Uint8Array): Secrets13 {
    const s = this.suite;
    if (!this.handshakeSecret) throw new Error('no handshake secret yet');
    const derived = deriveSecret(s, this.handshakeSecret, 'derived', s.hash(new Uint8Array(0)), P);
    const master = extract(s.hash, new Uint8Array(s.hashLength), derived);
    this.app = {
      client: deriveSecret(s, master, 'c ap traffic', serverFinishedHash, P),
      server: deriveSecret(s, master, 's ap traffic', serverFinishedHash, P),
    };
    this.exporter = deriveSecret(s, master, 'exp master', serverFinishedHash, P);
    return this.app;
  }

  keys(secret: Uint8Array): TrafficKeys {
    return trafficKeys(this.suite, secret, P);
  }

  finished(baseKey: Uint8Array, transcript: Uint8Array): Uint8Array {
    return finishedVerifyData(this.suite, baseKey, transcript, P);
  }

  /** RFC 8446 §7.5 (RFC 5705 interface) with the dtls13 labels; undefined before the exporter secret exists. */
  export(label: string, length: number, context?: Uint8Array): Uint8Array | undefined {
    return this.exporter ? exportKeyingMaterial13(this.suite, this.exporter, label, length, context ?? new Uint8Array(0), P) : undefined;
  }
}
