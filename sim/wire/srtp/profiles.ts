/**
 * SRTP protection profiles: RFC 5764 §4.1.2 (AES_CM_128_HMAC_SHA1_80/_32) and RFC 7714 §14.2 (AEAD_AES_*_GCM),
 * with the DTLS-SRTP ids negotiated in the use_srtp extension.
 */
export type SrtpProfileName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32' | 'AEAD_AES_128_GCM' | 'AEAD_AES_256_GCM';

export interface SrtpProfile {
  readonly name: SrtpProfileName;
  /** SRTPProtectionProfile value in DTLS use_srtp (RFC 5764 §4.1.2, RFC 7714 §14.2). */
  readonly id: number;
  readonly cipher: 'aes-cm' | 'aes-gcm';
  readonly keyLength: number;
  readonly saltLength: number;
  /** HMAC-SHA1 session auth key length (RFC 3711 §8.2: 160 bits); 0 for AEAD. */
  readonly authKeyLength: number;
  readonly srtpTagLength: number;
  /** RFC 5764 §4.1.2: SRTCP keeps an 80-bit tag even in the _32 profile. */
  readonly srtcpTagLength: number;
}

export const SRTP_PROFILES: Readonly<Record<SrtpProfileName, SrtpProfile>> = {
  AES_CM_128_HMAC_SHA1_80: { name: 'AES_CM_128_HMAC_SHA1_80', id: 0x0001, cipher: 'aes-cm', keyLength: 16, saltLength: 14, authKeyLength: 20, srtpTagLength: 10, srtcpTagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { name: 'AES_CM_128_HMAC_SHA1_32', id: 0x0002, cipher: 'aes-cm', keyLength: 16, saltLength: 14, authKeyLength: 20, srtpTagLength: 4, srtcpTagLength: 10 },
  AEAD_AES_128_GCM: { name: 'AEAD_AES_128_GCM', id: 0x0007, cipher: 'aes-gcm', keyLength: 16, saltLength: 12, authKeyLength: 0, srtpTagLength: 16, srtcpTagLength: 16 },
  AEAD_AES_256_GCM: { name: 'AEAD_AES_256_GCM', id: 0x0008, cipher: 'aes-gcm', keyLength: 32, saltLength: 12, authKeyLength: 0, srtpTagLength: 16, srtcpTagLength: 16 },
};

export function srtpProfile(nameOrId: SrtpProfileName | number): SrtpProfile | undefined {
  if (typeof nameOrId === 'string') return SRTP_PROFILES[nameOrId];
  return Object.values(SRTP_PROFILES).find((p) => p.id === nameOrId);
}
