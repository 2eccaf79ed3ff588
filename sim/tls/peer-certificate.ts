import { ecdsaVerify } from '../crypto/ecdsa.ts';
import { parseRsaPublicKey, rsaPkcs1Sha256Verify, rsaPssSha256Verify, type RsaPublicKey } from '../crypto/rsa.ts';
import { OID, certificateFingerprint, parseCertificate, verifyCertificateSignature } from '../crypto/x509.ts';
import { SignatureScheme, signatureSchemeName } from '../wire/handshake/names.ts';
import type { HandshakeHost } from './handshake-host.ts';
import { tlsNote } from './notes.ts';

/**
 * The client's look at the server's certificate (RFC 8446 §4.4.2.4, RFC 5246 §7.4.2) and the signatures made with
 * its key: ECDSA P-256 or RSA (2048 bits and up). When the config pins fingerprints, the leaf must be one of them.
 * There is no trust store: a chain is not validated to a root, which the note and the README say.
 */

export type PeerKey = { readonly kind: 'ecdsa-p256'; readonly point: Uint8Array } | { readonly kind: 'rsa'; readonly key: RsaPublicKey };

/** The signature schemes the client offers and can check (RFC 8446 §4.2.3), in its order of preference. */
export const SIGNATURE_SCHEMES = [SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pkcs1_sha256] as const;

export function readServerCertificate(host: HandshakeHost, chain: readonly Uint8Array[]): PeerKey | undefined {
  const leaf = chain[0];
  if (!leaf) {
    host.fail('decode_error', 'the server sent an empty certificate_list (RFC 8446 §4.4.2.4)');
    return undefined;
  }
  const parsed = parseCertificate(leaf);
  if (!parsed.ok) {
    host.fail('bad_certificate', `the server certificate does not parse: ${parsed.error}`);
    return undefined;
  }
  const cert = parsed.certificate;
  let key: PeerKey | undefined;
  let keyName = '';
  if (cert.publicKeyAlgorithm === OID.ecPublicKey && cert.namedCurve === OID.prime256v1 && cert.publicKey.length === 65) {
    key = { kind: 'ecdsa-p256', point: cert.publicKey };
    keyName = 'ECDSA P-256';
  } else if (cert.publicKeyAlgorithm === OID.rsaEncryption) {
    const rsa = parseRsaPublicKey(cert.publicKey);
    if (rsa) key = { kind: 'rsa', key: rsa };
    keyName = rsa ? `RSA ${rsa.k * 8}` : 'RSA';
  }
  if (!key) {
    host.fail('unsupported_certificate', `the server certificate's key is ${cert.publicKeyAlgorithm}${cert.namedCurve ? ` on ${cert.namedCurve}` : ''}; ECDSA P-256 and RSA of 1024–8192 bits are supported`);
    return undefined;
  }
  const fingerprint = certificateFingerprint(leaf);
  const pins = host.config.pinnedFingerprints;
  if (pins && !pins.some((p) => p.toUpperCase() === fingerprint)) {
    host.fail('bad_certificate', `the server certificate's fingerprint ${fingerprint} is not pinned`);
    return undefined;
  }
  const selfSigned = key.kind === 'ecdsa-p256' && verifyCertificateSignature(cert);
  host.note(
    tlsNote('tls.certificate', `server certificate${cert.subjectCommonName ? ` CN=${cert.subjectCommonName}` : ''}, ${keyName}, ${chain.length} in chain${selfSigned ? ', self-signed' : ''}, ${pins ? 'pinned fingerprint matched' : 'not checked against a trust store'}`, {
      subject: cert.subjectCommonName ?? null,
      key: keyName,
      fingerprint,
      chain: chain.length,
      selfSigned,
      trusted: pins ? 'pinned' : 'unchecked',
    }),
  );
  return key;
}

/**
 * Checks a signature by the peer's key with `scheme`: 'ok', 'bad' (it does not verify), or 'scheme' (a scheme not
 * offered, not allowed in this version, or not for this key: illegal_parameter).
 */
export function verifyPeerSignature(key: PeerKey, scheme: number, message: Uint8Array, signature: Uint8Array, tls13: boolean): 'ok' | 'bad' | 'scheme' {
  if (scheme === SignatureScheme.ecdsa_secp256r1_sha256) {
    if (key.kind !== 'ecdsa-p256') return 'scheme';
    return ecdsaVerify(key.point, message, signature) ? 'ok' : 'bad';
  }
  if (key.kind !== 'rsa') return 'scheme';
  if (scheme === SignatureScheme.rsa_pss_rsae_sha256) return rsaPssSha256Verify(key.key, message, signature) ? 'ok' : 'bad';
  // RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5 only in TLS 1.2 signatures, never in a TLS 1.3 CertificateVerify
  if (scheme === SignatureScheme.rsa_pkcs1_sha256 && !tls13) return rsaPkcs1Sha256Verify(key.key, message, signature) ? 'ok' : 'bad';
  return 'scheme';
}

/** "rsa_pss_rsae_sha256 (0x0804)". */
export function describeScheme(scheme: number): string {
  return `${signatureSchemeName(scheme)} (0x${scheme.toString(16).padStart(4, '0')})`;
}
