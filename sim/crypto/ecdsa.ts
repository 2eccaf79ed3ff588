import { p256 } from '@noble/curves/nist.js';
import { concatBytes } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { ServerKeyExchange } from '../wire/handshake/messages.ts';
import { ecdhParamsBytes } from '../wire/handshake/messages.ts';
import { EcCurveType, SignatureScheme } from '../wire/handshake/names.ts';
import { Writer } from '../wire/writer.ts';

/** ECDSA P-256 with SHA-256 as TLS 1.2 uses it: DER ECDSA-Sig-Value signatures (RFC 8422 §5.4, RFC 5246 §4.7). */

export interface EcdsaKeyPair {
  readonly privateKey: Uint8Array;
  /** 65-byte uncompressed point. */
  readonly publicKey: Uint8Array;
}

export function generateEcdsaKeyPair(rng: Rng): EcdsaKeyPair {
  const privateKey = p256.utils.randomSecretKey(rng.bytes(48));
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

/** Signs SHA-256(message); k is derived per RFC 6979, so signing needs no randomness. */
export function ecdsaSign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return p256.sign(message, privateKey, { format: 'der' });
}

/** Verifies a DER signature over SHA-256(message); high-S signatures (OpenSSL makes them) are accepted. */
export function ecdsaVerify(publicKey: Uint8Array, message: Uint8Array, derSignature: Uint8Array): boolean {
  try {
    return p256.verify(derSignature, message, publicKey, { format: 'der', lowS: false });
  } catch {
    // malformed DER or a point not on the curve: simply not a valid signature
    return false;
  }
}

/** RFC 8422 §5.4: the signature covers ClientHello.random + ServerHello.random + ServerECDHParams. */
export function serverKeyExchangeSignedData(
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  params: Pick<ServerKeyExchange, 'curveType' | 'namedGroup' | 'publicKey'>,
): Uint8Array {
  const w = new Writer();
  ecdhParamsBytes(w, params);
  return concatBytes(clientRandom, serverRandom, w.finish());
}

/** A complete ECDHE_ECDSA ServerKeyExchange body signed with ecdsa_secp256r1_sha256. */
export function signServerKeyExchange(
  privateKey: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  namedGroup: number,
  ecdhePublicKey: Uint8Array,
): ServerKeyExchange {
  const params = { curveType: EcCurveType.named_curve, namedGroup, publicKey: ecdhePublicKey };
  const signature = ecdsaSign(privateKey, serverKeyExchangeSignedData(clientRandom, serverRandom, params));
  return { type: 'server_key_exchange', ...params, signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature };
}

export function verifyServerKeyExchange(publicKey: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, ske: ServerKeyExchange): boolean {
  if (ske.signatureScheme !== SignatureScheme.ecdsa_secp256r1_sha256) return false;
  return ecdsaVerify(publicKey, serverKeyExchangeSignedData(clientRandom, serverRandom, ske), ske.signature);
}

/** RFC 5246 §7.4.8: CertificateVerify signs all handshake messages so far (from ClientHello up to, excluding, itself). */
export function signCertificateVerify(privateKey: Uint8Array, handshakeMessages: readonly Uint8Array[]): Uint8Array {
  return ecdsaSign(privateKey, concatBytes(...handshakeMessages));
}

export function verifyCertificateVerify(publicKey: Uint8Array, handshakeMessages: readonly Uint8Array[], signature: Uint8Array): boolean {
  return ecdsaVerify(publicKey, concatBytes(...handshakeMessages), signature);
}
