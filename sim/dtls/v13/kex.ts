import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { concatBytes } from '../../core/encoding.ts';
import type { Rng } from '../../core/rng.ts';
import { ecdheSharedSecret, generateEcdheKeyPair } from '../../crypto/ecdhe.ts';
import { NamedGroup } from '../../wire/handshake/names.ts';

/**
 * The key_share groups of a DTLS 1.3 endpoint (RFC 8446 §4.2.8): X25519, P-256, and the X25519MLKEM768 hybrid
 * (draft-ietf-tls-ecdhe-mlkem §3, IANA 0x11EC): the client's share is the ML-KEM-768 encapsulation key (1184 bytes)
 * then its X25519 public key (32), the server's share the ML-KEM ciphertext (1088) then its X25519 key, and the
 * shared secret the ML-KEM shared secret (32) then the X25519 one (32). Randomness comes from the endpoint's Rng;
 * a bad peer share is an error result, never a throw.
 */

export type Kex13Group = typeof NamedGroup.x25519 | typeof NamedGroup.secp256r1 | typeof NamedGroup.X25519MLKEM768;
export type Kex13Name = 'x25519' | 'p256' | 'x25519mlkem768';

export const KEX13_GROUPS: Readonly<Record<Kex13Name, Kex13Group>> = {
  x25519: NamedGroup.x25519,
  p256: NamedGroup.secp256r1,
  x25519mlkem768: NamedGroup.X25519MLKEM768,
};

const MLKEM768_EK = 1184;
const MLKEM768_CT = 1088;
const X25519_LEN = 32;

export function isKex13Group(g: number): g is Kex13Group {
  return g === NamedGroup.x25519 || g === NamedGroup.secp256r1 || g === NamedGroup.X25519MLKEM768;
}

/** A client's key share and what it keeps to finish the exchange. */
export interface ClientShare {
  readonly group: Kex13Group;
  readonly keyExchange: Uint8Array;
  readonly finish: (serverShare: Uint8Array) => KexResult;
}

export type KexResult = { readonly ok: true; readonly shared: Uint8Array } | { readonly ok: false; readonly error: string };
export type ServerKexResult = { readonly ok: true; readonly shared: Uint8Array; readonly keyExchange: Uint8Array } | { readonly ok: false; readonly error: string };

export function clientShare(group: Kex13Group, rng: Rng): ClientShare {
  if (group === NamedGroup.X25519MLKEM768) {
    const kem = ml_kem768.keygen(rng.bytes(64));
    const ec = generateEcdheKeyPair(NamedGroup.x25519, rng);
    return {
      group,
      keyExchange: concatBytes(kem.publicKey, ec.publicKey),
      finish: (server) => {
        if (server.length !== MLKEM768_CT + X25519_LEN) return { ok: false, error: `X25519MLKEM768 server share is ${server.length} bytes, expected ${MLKEM768_CT + X25519_LEN}` };
        const x = ecdheSharedSecret(NamedGroup.x25519, ec.privateKey, server.subarray(MLKEM768_CT));
        if (!x.ok) return { ok: false, error: x.error };
        try {
          return { ok: true, shared: concatBytes(ml_kem768.decapsulate(server.subarray(0, MLKEM768_CT), kem.secretKey), x.preMasterSecret) };
        } catch (e) {
          return { ok: false, error: `ML-KEM-768 decapsulation: ${e instanceof Error ? e.message : String(e)}` };
        }
      },
    };
  }
  const kp = generateEcdheKeyPair(group, rng);
  return {
    group,
    keyExchange: kp.publicKey,
    finish: (server) => {
      const r = ecdheSharedSecret(group, kp.privateKey, server);
      return r.ok ? { ok: true, shared: r.preMasterSecret } : { ok: false, error: r.error };
    },
  };
}

/** The server's side: its own share for the client's, and the shared secret. */
export function serverShare(group: Kex13Group, client: Uint8Array, rng: Rng): ServerKexResult {
  if (group === NamedGroup.X25519MLKEM768) {
    if (client.length !== MLKEM768_EK + X25519_LEN) return { ok: false, error: `X25519MLKEM768 client share is ${client.length} bytes, expected ${MLKEM768_EK + X25519_LEN}` };
    const ec = generateEcdheKeyPair(NamedGroup.x25519, rng);
    const x = ecdheSharedSecret(NamedGroup.x25519, ec.privateKey, client.subarray(MLKEM768_EK));
    if (!x.ok) return { ok: false, error: x.error };
    try {
      // FIPS 203 §7.2: encapsulation checks the key's modulus; a bad key throws, caught here
      const e = ml_kem768.encapsulate(client.subarray(0, MLKEM768_EK), rng.bytes(32));
      return { ok: true, keyExchange: concatBytes(e.cipherText, ec.publicKey), shared: concatBytes(e.sharedSecret, x.preMasterSecret) };
    } catch (err) {
      return { ok: false, error: `ML-KEM-768 encapsulation key: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const kp = generateEcdheKeyPair(group, rng);
  const r = ecdheSharedSecret(group, kp.privateKey, client);
  return r.ok ? { ok: true, keyExchange: kp.publicKey, shared: r.preMasterSecret } : { ok: false, error: r.error };
}
