import type { Rng } from '../core/rng.ts';
import { generateSelfSignedCertificate, type GeneratedCertificate } from '../crypto/x509.ts';

/**
 * A DTLS identity: a self-signed ECDSA P-256 certificate and its key, as a browser makes for each
 * RTCPeerConnection (W3C webrtc-pc §4.9). Its SHA-256 fingerprint is what `a=fingerprint` carries.
 */
export type DtlsIdentity = GeneratedCertificate;

/** Fixed validity (2024-01-01 to 2034-01-01): nothing under sim/ reads a clock. */
const NOT_BEFORE = 1_704_067_200;
const NOT_AFTER = 2_019_686_400;

export function generateDtlsIdentity(rng: Rng, commonName = 'rtclab'): DtlsIdentity {
  return generateSelfSignedCertificate({ rng, commonName, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
}

/** Normalizes an SDP fingerprint ("sha-256 AB:CD:…" or "AB:CD:…", any case) to upper-case hex pairs. */
export function normalizeFingerprint(value: string): { algorithm: string; hex: string } {
  const parts = value.trim().split(/\s+/);
  const hex = (parts.length > 1 ? parts[1]! : parts[0]!).toUpperCase();
  const algorithm = parts.length > 1 ? parts[0]!.toLowerCase() : 'sha-256';
  return { algorithm, hex };
}
