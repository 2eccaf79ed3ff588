import { extract } from '@noble/hashes/hkdf.js';
import { deriveSecret, hkdfExpandLabel, trafficKeys, transcriptHash, messageHash, type Tls13Suite } from '../crypto/tls13-schedule.ts';
import type { Protection } from './record-layer.ts';

/**
 * The TLS 1.3 key schedule as an endpoint runs it (RFC 8446 §7.1), without PSKs: Early Secret from zeros, Handshake
 * Secret from the (EC)DHE shared secret, Master Secret, and the traffic secrets they give, with the transcript
 * (RFC 8446 §4.4.1) they are taken over. The dissector's half (keys from a key log) is sim/crypto/tls13-schedule.ts.
 */

export interface HandshakeSecrets {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
}

export interface ApplicationSecrets {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
  readonly exporter: Uint8Array;
}

/** The messages hashed so far (header + body each), with the RFC 8446 §4.4.1 HelloRetryRequest rewrite. */
export class Transcript {
  private messages: Uint8Array[] = [];

  add(message: Uint8Array): void {
    this.messages.push(message);
  }

  /** RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(Hash(ClientHello1)) once a HelloRetryRequest came. */
  replaceFirstWithMessageHash(suite: Tls13Suite): void {
    const first = this.messages[0];
    if (first) this.messages[0] = messageHash(suite, first);
  }

  hash(suite: Tls13Suite): Uint8Array {
    return transcriptHash(suite, this.messages);
  }

  /** All messages, for TLS 1.2's handshake hash. */
  all(): readonly Uint8Array[] {
    return this.messages;
  }
}

export class KeySchedule13 {
  private readonly zeros: Uint8Array;
  private handshakeSecret: Uint8Array | undefined;

  constructor(readonly suite: Tls13Suite) {
    this.zeros = new Uint8Array(suite.hashLength);
  }

  /** RFC 8446 §7.1: Early Secret (no PSK) → derived → Handshake Secret, then the two handshake traffic secrets. */
  handshake(sharedSecret: Uint8Array, helloHash: Uint8Array): HandshakeSecrets {
    const s = this.suite;
    const early = extract(s.hash, this.zeros, new Uint8Array(0));
    const derived = deriveSecret(s, early, 'derived', s.hash(new Uint8Array(0)));
    this.handshakeSecret = extract(s.hash, sharedSecret, derived);
    return {
      client: deriveSecret(s, this.handshakeSecret, 'c hs traffic', helloHash),
      server: deriveSecret(s, this.handshakeSecret, 's hs traffic', helloHash),
    };
  }

  /** RFC 8446 §7.1: Master Secret, and the secrets over ClientHello…server Finished. */
  application(serverFinishedHash: Uint8Array): ApplicationSecrets {
    const s = this.suite;
    if (!this.handshakeSecret) throw new Error('application secrets before the handshake secret');
    const derived = deriveSecret(s, this.handshakeSecret, 'derived', s.hash(new Uint8Array(0)));
    const master = extract(s.hash, this.zeros, derived);
    return {
      client: deriveSecret(s, master, 'c ap traffic', serverFinishedHash),
      server: deriveSecret(s, master, 's ap traffic', serverFinishedHash),
      exporter: deriveSecret(s, master, 'exp master', serverFinishedHash),
    };
  }

  protection(secret: Uint8Array): Protection {
    return { kind: 'tls13', suite: this.suite, keys: trafficKeys(this.suite, secret) };
  }
}

/** RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
export function nextTrafficSecret(suite: Tls13Suite, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', new Uint8Array(0), suite.hashLength);
}

/** RFC 8446 §4.4.3: the content a CertificateVerify signature covers. */
export function certificateVerifyContent(role: 'client' | 'server', transcript: Uint8Array): Uint8Array {
  const context = role === 'server' ? 'TLS 1.3, server CertificateVerify' : 'TLS 1.3, client CertificateVerify';
  const out = new Uint8Array(64 + context.length + 1 + transcript.length);
  out.fill(0x20, 0, 64);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  out[64 + context.length] = 0;
  out.set(transcript, 64 + context.length + 1);
  return out;
}
