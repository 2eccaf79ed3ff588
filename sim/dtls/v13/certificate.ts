import type { ParsedCertificate } from '../../crypto/x509.ts';
import { AlertDescription } from '../../wire/handshake/names.ts';
import { checkPeerCertificate } from '../peer-certificate.ts';
import type { Host13 } from './host.ts';

/**
 * The peer's certificate checked against the a=fingerprint from signaling (RFC 8122 §5, RFC 8842 §5) by the check the
 * DTLS 1.2 endpoint uses; the parsed certificate, or undefined after failing the handshake.
 */
export function acceptPeerCertificate(h: Host13 & { fail(d: number, r: string): void }, chain: readonly Uint8Array[]): ParsedCertificate | undefined {
  // RFC 8446 §4.4.2.4: an empty list from a peer that must authenticate is certificate_required in TLS 1.3
  if (chain.length === 0) {
    h.fail(AlertDescription.certificate_required, 'peer sent an empty certificate list; WebRTC requires one (RFC 8827 §6.5)');
    return undefined;
  }
  const c = checkPeerCertificate(chain, h.config.remoteFingerprint);
  for (const n of c.notes) h.note(n);
  if (!c.ok) {
    h.fail(c.alert, c.reason);
    return undefined;
  }
  if (c.fingerprintVerified) h.fingerprintVerified = true;
  h.session.peerCertificateDer = c.der;
  return c.certificate;
}
