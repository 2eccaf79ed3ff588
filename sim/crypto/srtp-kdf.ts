import { ecb } from '@noble/ciphers/aes.js';
import type { SrtpProfile } from '../wire/srtp/profiles.ts';

/** RFC 3711 §4.3.1 key derivation labels. */
export const LABEL = {
  srtpEncryption: 0x00,
  srtpAuthentication: 0x01,
  srtpSalt: 0x02,
  srtcpEncryption: 0x03,
  srtcpAuthentication: 0x04,
  srtcpSalt: 0x05,
} as const;

/** The keys one direction uses, derived from its master key and salt. */
export interface SessionKeys {
  readonly srtpKey: Uint8Array;
  readonly srtpSalt: Uint8Array;
  readonly srtpAuthKey: Uint8Array;
  readonly srtcpKey: Uint8Array;
  readonly srtcpSalt: Uint8Array;
  readonly srtcpAuthKey: Uint8Array;
}

/**
 * The AES-CM PRF of RFC 3711 §4.3.3 with key_derivation_rate 0 (so r = 0): x = (label << 48) XOR master_salt,
 * and the output is the AES-CM keystream under the master key from IV = x · 2^16, cut to `length` bytes.
 * A 96-bit AEAD master salt (RFC 7714 §11) is padded with zeros on the right to 112 bits, as libsrtp does.
 */
export function deriveSessionKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Uint8Array {
  if (masterSalt.length > 14) throw new RangeError(`master salt of ${masterSalt.length} bytes: at most 14`);
  const iv = new Uint8Array(16);
  iv.set(masterSalt);
  iv[7] = iv[7]! ^ label; // key_id = label || r (48 bits) sits in bytes 7–13 of the 14-byte x
  const blocks = Math.ceil(length / 16);
  const input = new Uint8Array(blocks * 16);
  for (let i = 0; i < blocks; i++) {
    input.set(iv, i * 16);
    input[i * 16 + 14] = (i >> 8) & 0xff;
    input[i * 16 + 15] = i & 0xff;
  }
  const out = ecb(masterKey, { disablePadding: true }).encrypt(input);
  return out.slice(0, length);
}

export function deriveSessionKeys(profile: SrtpProfile, masterKey: Uint8Array, masterSalt: Uint8Array): SessionKeys {
  if (masterKey.length !== profile.keyLength) throw new RangeError(`${profile.name} needs a ${profile.keyLength}-byte master key, got ${masterKey.length}`);
  if (masterSalt.length !== profile.saltLength) throw new RangeError(`${profile.name} needs a ${profile.saltLength}-byte master salt, got ${masterSalt.length}`);
  const d = (label: number, n: number): Uint8Array => deriveSessionKey(masterKey, masterSalt, label, n);
  return {
    srtpKey: d(LABEL.srtpEncryption, profile.keyLength),
    srtpSalt: d(LABEL.srtpSalt, profile.saltLength),
    srtpAuthKey: d(LABEL.srtpAuthentication, profile.authKeyLength),
    srtcpKey: d(LABEL.srtcpEncryption, profile.keyLength),
    srtcpSalt: d(LABEL.srtcpSalt, profile.saltLength),
    srtcpAuthKey: d(LABEL.srtcpAuthentication, profile.authKeyLength),
  };
}

/**
 * RFC 5764 §4.2: the exported keying material is client key | server key | client salt | server salt.
 * Returns the master key and salt each side protects its own packets with.
 */
export function splitKeyingMaterial(profile: SrtpProfile, material: Uint8Array): { client: MasterKey; server: MasterKey } {
  const k = profile.keyLength;
  const s = profile.saltLength;
  if (material.length < 2 * (k + s)) throw new RangeError(`${profile.name} needs ${2 * (k + s)} bytes of keying material, got ${material.length}`);
  return {
    client: { masterKey: material.slice(0, k), masterSalt: material.slice(2 * k, 2 * k + s) },
    server: { masterKey: material.slice(k, 2 * k), masterSalt: material.slice(2 * k + s, 2 * k + 2 * s) },
  };
}

export interface MasterKey {
  readonly masterKey: Uint8Array;
  readonly masterSalt: Uint8Array;
}
