import { OID, certificateFingerprint, parseCertificate, verifyCertificateSignature } from '../crypto/x509.ts';
import type { HandshakeHost } from './handshake-host.ts';
import { tlsNote } from './notes.ts';

/**
 * The client's look at the server's certificate (RFC 8446 §4.4.2.4, RFC 5246 §7.4.2): the leaf must be an ECDSA
 * P-256 certificate (the one signature scheme offered), and, when the config pins fingerprints, one of them. There
 * is no trust store: a chain is not validated to a root, which the README says.
 */
export function readServerCertificate(host: HandshakeHost, chain: readonly Uint8Array[]): Uint8Array | undefined {
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
  if (cert.publicKeyAlgorithm !== OID.ecPublicKey || cert.namedCurve !== OID.prime256v1 || cert.publicKey.length !== 65) {
    host.fail('unsupported_certificate', `the server certificate's key is ${cert.publicKeyAlgorithm}${cert.namedCurve ? ` on ${cert.namedCurve}` : ''}; only ECDSA P-256 is supported`);
    return undefined;
  }
  const fingerprint = certificateFingerprint(leaf);
  const pins = host.config.pinnedFingerprints;
  if (pins && !pins.some((p) => p.toUpperCase() === fingerprint)) {
    host.fail('bad_certificate', `the server certificate's fingerprint ${fingerprint} is not pinned`);
    return undefined;
  }
  const selfSigned = verifyCertificateSignature(cert);
  host.note(
    tlsNote('tls.certificate', `server certificate${cert.subjectCommonName ? ` CN=${cert.subjectCommonName}` : ''}, ${chain.length} in chain, ${selfSigned ? 'self-signed' : 'issued by another'}, ${pins ? 'pinned fingerprint matched' : 'not checked against a trust store'}`, {
      subject: cert.subjectCommonName ?? null,
      fingerprint,
      chain: chain.length,
      selfSigned,
      trusted: pins ? 'pinned' : 'unchecked',
    }),
  );
  return cert.publicKey;
}
