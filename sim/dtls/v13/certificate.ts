import { certificateFingerprint, parseCertificate, verifyCertificateSignature, type ParsedCertificate } from '../../crypto/x509.ts';
import { AlertDescription } from '../../wire/handshake/names.ts';
import { normalizeFingerprint } from '../identity.ts';
import { dtlsNote } from '../notes.ts';
import type { Host13 } from './host.ts';

/**
 * The peer's certificate checked against the a=fingerprint from signaling (RFC 8122 §5, RFC 8842 §5), as the DTLS
 * 1.2 endpoint checks it; the parsed certificate, or undefined after failing the handshake.
 */
export function acceptPeerCertificate(h: Host13 & { fail(d: number, r: string): void }, chain: readonly Uint8Array[]): ParsedCertificate | undefined {
  const der = chain[0];
  if (!der) {
    h.fail(AlertDescription.certificate_required, 'peer sent an empty certificate list; WebRTC requires one (RFC 8827 §6.5)');
    return undefined;
  }
  const parsed = parseCertificate(der);
  if (!parsed.ok) {
    h.fail(AlertDescription.bad_certificate, `peer certificate does not parse: ${parsed.error}`);
    return undefined;
  }
  if (!verifyCertificateSignature(parsed.certificate)) h.note(dtlsNote('dtls.certificate', 'peer certificate is not validly self-signed (allowed: only the fingerprint matters, RFC 8827 §6.5)'));
  const fp = certificateFingerprint(der);
  const expected = h.config.remoteFingerprint;
  if (expected !== undefined) {
    const want = normalizeFingerprint(expected);
    if (want.algorithm !== 'sha-256' || want.hex !== fp) {
      h.note(dtlsNote('dtls.fingerprint.mismatch', `peer certificate fingerprint ${fp} does not match the signaled ${want.hex}`, { actual: fp, expected: want.hex }));
      h.fail(AlertDescription.bad_certificate, 'certificate fingerprint does not match a=fingerprint');
      return undefined;
    }
    h.fingerprintVerified = true;
    h.note(dtlsNote('dtls.fingerprint.verified', `peer certificate matches the signaled fingerprint sha-256 ${fp}`, { fingerprint: fp }));
  } else {
    h.note(dtlsNote('dtls.fingerprint.unchecked', `no fingerprint from signaling: peer certificate sha-256 ${fp} accepted unchecked`, { fingerprint: fp }));
  }
  h.session.peerCertificateDer = der;
  return parsed.certificate;
}
