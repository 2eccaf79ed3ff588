import { AlertDescription } from '../wire/handshake/names.ts';
import { certificateFingerprint, parseCertificate, verifyCertificateSignature, type ParsedCertificate } from '../crypto/x509.ts';
import { normalizeFingerprint } from './identity.ts';
import { dtlsNote, type DtlsNote } from './notes.ts';

/** What the peer's Certificate message says of it: its first certificate parsed and held against a=fingerprint. */
export type PeerCertificateCheck =
  | { readonly ok: true; readonly der: Uint8Array; readonly certificate: ParsedCertificate; readonly fingerprintVerified: boolean; readonly notes: readonly DtlsNote[] }
  | { readonly ok: false; readonly alert: number; readonly reason: string; readonly notes: readonly DtlsNote[] };

/**
 * Checks the peer's certificate list: the first must parse; its signature need not verify (a WebRTC certificate is
 * self-signed and only its fingerprint matters, RFC 8827 §6.5); its SHA-256 fingerprint must be the one signaled,
 * when one was (RFC 8122 §5, RFC 5763 §5). The notes say what was found, in the order it was found.
 */
export function checkPeerCertificate(certificates: readonly Uint8Array[], remoteFingerprint: string | undefined): PeerCertificateCheck {
  const der = certificates[0];
  if (!der) return { ok: false, alert: AlertDescription.bad_certificate, reason: 'peer sent an empty certificate list', notes: [] };
  const parsed = parseCertificate(der);
  if (!parsed.ok) return { ok: false, alert: AlertDescription.bad_certificate, reason: `peer certificate does not parse: ${parsed.error}`, notes: [] };
  const notes: DtlsNote[] = [];
  if (!verifyCertificateSignature(parsed.certificate)) notes.push(dtlsNote('dtls.certificate', 'peer certificate is not validly self-signed (allowed: only the fingerprint matters, RFC 8827 §6.5)'));
  const fp = certificateFingerprint(der);
  if (remoteFingerprint === undefined) {
    notes.push(dtlsNote('dtls.fingerprint.unchecked', `no fingerprint from signaling: peer certificate sha-256 ${fp} accepted unchecked`, { fingerprint: fp }));
    return { ok: true, der, certificate: parsed.certificate, fingerprintVerified: false, notes };
  }
  const want = normalizeFingerprint(remoteFingerprint);
  if (want.algorithm !== 'sha-256' || want.hex !== fp) {
    notes.push(dtlsNote('dtls.fingerprint.mismatch', `peer certificate fingerprint ${fp} does not match the signaled ${want.hex}`, { actual: fp, expected: want.hex }));
    return { ok: false, alert: AlertDescription.bad_certificate, reason: 'certificate fingerprint does not match a=fingerprint', notes };
  }
  notes.push(dtlsNote('dtls.fingerprint.verified', `peer certificate matches the signaled fingerprint sha-256 ${fp}`, { fingerprint: fp }));
  return { ok: true, der, certificate: parsed.certificate, fingerprintVerified: true, notes };
}
