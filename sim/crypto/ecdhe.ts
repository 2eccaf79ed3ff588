import { x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import type { Rng } from '../core/rng.ts';
import { NamedGroup } from '../wire/handshake/names.ts';

/** Ephemeral ECDH for the ECDHE key exchange (RFC 8422 §5.10, §5.11), keys drawn from an injected Rng. */

export type EcdheGroupCode = typeof NamedGroup.secp256r1 | typeof NamedGroup.x25519;

export interface EcdheKeyPair {
  readonly group: EcdheGroupCode;
  readonly privateKey: Uint8Array;
  /** The ECPoint sent on the wire: 65-byte uncompressed P-256 point (RFC 8422 §5.4.1) or 32-byte X25519 u. */
  readonly publicKey: Uint8Array;
}

export type SharedSecretResult = { readonly ok: true; readonly preMasterSecret: Uint8Array } | { readonly ok: false; readonly error: string };

export function generateEcdheKeyPair(group: EcdheGroupCode, rng: Rng): EcdheKeyPair {
  if (group === NamedGroup.x25519) {
    const k = x25519.keygen(rng.bytes(32));
    return { group, privateKey: k.secretKey, publicKey: k.publicKey };
  }
  // noble reduces a 48-byte seed modulo n (FIPS 186-5 A.2.1), so the key is uniform without rejection loops.
  const privateKey = p256.utils.randomSecretKey(rng.bytes(48));
  return { group, privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

/**
 * The premaster secret: the x-coordinate of the shared P-256 point (RFC 8422 §5.10), or the X25519 output
 * (RFC 8422 §5.11, an all-zero result is refused). Bad peer points are returned as errors.
 */
export function ecdheSharedSecret(group: number, privateKey: Uint8Array, peerPublicKey: Uint8Array): SharedSecretResult {
  try {
    if (group === NamedGroup.x25519) {
      if (peerPublicKey.length !== 32) return { ok: false, error: `X25519 public key is ${peerPublicKey.length} bytes, expected 32` };
      const s = x25519.getSharedSecret(privateKey, peerPublicKey);
      if (s.every((b) => b === 0)) return { ok: false, error: 'X25519 shared secret is all zeros' };
      return { ok: true, preMasterSecret: s };
    }
    if (group === NamedGroup.secp256r1) {
      if (peerPublicKey.length !== 65 || peerPublicKey[0] !== 4) return { ok: false, error: 'P-256 public key must be a 65-byte uncompressed point (RFC 8422 §5.1.2)' };
      return { ok: true, preMasterSecret: p256.getSharedSecret(privateKey, peerPublicKey, true).slice(1) };
    }
    return { ok: false, error: `unsupported group 0x${group.toString(16)}` };
  } catch (e) {
    // noble throws on points not on the curve; the handshake turns this into an illegal_parameter alert.
    return { ok: false, error: `invalid peer public key: ${e instanceof Error ? e.message : String(e)}` };
  }
}
