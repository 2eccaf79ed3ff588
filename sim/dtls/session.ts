import { toHex } from '../core/encoding.ts';
import { srtpProfile, type SrtpProfile } from '../wire/srtp/profiles.ts';
import type { EcdheKeyPair } from '../crypto/ecdhe.ts';
import { formatKeyLogLine } from '../crypto/keylog.ts';
import { exportKeyingMaterial, extendedMasterSecret, handshakeHash, keyExpansion, masterSecret, verifyData, DTLS_SRTP_LABEL, type KeyBlock } from '../crypto/prf.ts';
import type { ParsedCertificate } from '../crypto/x509.ts';
import { CipherSuite, namedGroupName, srtpProfileName } from '../wire/handshake/names.ts';

/**
 * What one handshake has agreed so far: randoms, the transcript the hashes cover, the key exchange and the
 * derived secrets (RFC 5246 §8.1, RFC 7627 §4, RFC 5705, RFC 5764 §4.2). Client and server fill it alike.
 */
export class HandshakeSession {
  /** RFC 6347 §4.2.6: every handshake message from the ClientHello that carried the cookie onwards, with full headers. */
  readonly transcript: Uint8Array[] = [];
  clientRandom: Uint8Array = new Uint8Array(32);
  serverRandom: Uint8Array = new Uint8Array(32);
  cipherSuite = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
  extendedMasterSecret = false;
  group = 0;
  ecdhe: EcdheKeyPair | undefined;
  preMasterSecret: Uint8Array | undefined;
  master: Uint8Array | undefined;
  keys: KeyBlock | undefined;
  /** The negotiated SRTPProtectionProfile (RFC 5764 §4.1.2), if use_srtp was agreed. */
  srtpProfileId: number | undefined;
  peerCertificateDer: Uint8Array | undefined;
  peerCertificate: ParsedCertificate | undefined;

  hash(): Uint8Array {
    return handshakeHash(this.transcript);
  }

  /** RFC 7627 §4 (session hash up to and including ClientKeyExchange) or RFC 5246 §8.1. */
  deriveMasterSecret(): Uint8Array {
    if (!this.preMasterSecret) throw new Error('no premaster secret yet');
    this.master = this.extendedMasterSecret
      ? extendedMasterSecret(this.preMasterSecret, this.hash())
      : masterSecret(this.preMasterSecret, this.clientRandom, this.serverRandom);
    this.keys = keyExpansion(this.master, this.clientRandom, this.serverRandom);
    return this.master;
  }

  /** RFC 5246 §7.4.9 over the transcript so far. */
  finished(sender: 'client' | 'server'): Uint8Array {
    if (!this.master) throw new Error('no master secret yet');
    return verifyData(this.master, sender, this.hash());
  }

  /** The NSS key log line Wireshark reads (CLIENT_RANDOM <client random> <master secret>). */
  keyLogLine(): string {
    if (!this.master) throw new Error('no master secret yet');
    return formatKeyLogLine(this.clientRandom, this.master);
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    if (!this.master) throw new Error('no master secret yet');
    return exportKeyingMaterial(this.master, label, this.clientRandom, this.serverRandom, length, context);
  }

  get srtpProfile(): SrtpProfile | undefined {
    return this.srtpProfileId === undefined ? undefined : srtpProfile(this.srtpProfileId);
  }

  /** RFC 5764 §4.2: 2 × (key + salt) bytes from the exporter labelled "EXTRACTOR-dtls_srtp". */
  srtpKeyingMaterial(): Uint8Array | undefined {
    const p = this.srtpProfile;
    if (!p || !this.master) return undefined;
    return this.exportKeyingMaterial(DTLS_SRTP_LABEL, 2 * (p.keyLength + p.saltLength));
  }

  /** The `secret` line of kind 'srtp': profile and the four keys/salts, so a trace can be decrypted. */
  srtpSecretLine(): string | undefined {
    const p = this.srtpProfile;
    const m = this.srtpKeyingMaterial();
    if (!p || !m) return undefined;
    const k = p.keyLength;
    const s = p.saltLength;
    return [
      `SRTP ${srtpProfileName(p.id)}`,
      `client_random=${toHex(this.clientRandom)}`,
      `client_write_key=${toHex(m.subarray(0, k))}`,
      `server_write_key=${toHex(m.subarray(k, 2 * k))}`,
      `client_write_salt=${toHex(m.subarray(2 * k, 2 * k + s))}`,
      `server_write_salt=${toHex(m.subarray(2 * k + s, 2 * k + 2 * s))}`,
    ].join(' ');
  }

  describeGroup(): string {
    return namedGroupName(this.group);
  }
}
