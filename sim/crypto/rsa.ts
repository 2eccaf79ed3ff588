import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes } from '../core/encoding.ts';
import { Tag, children, readTlv } from './der.ts';

/**
 * RSA signature verification as TLS peers use it (RFC 8017): RSASSA-PKCS1-v1_5 (§8.2.2) and RSASSA-PSS (§9.1.2,
 * MGF1, salt as long as the hash: RFC 8446 §4.2.3), with SHA-256. Verification only (a public operation: no
 * randomness, no secret); malformed keys and signatures give false, never a throw.
 */

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  /** The modulus length in bytes (k in RFC 8017). */
  readonly k: number;
}

const toBig = (b: Uint8Array): bigint => {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
};

function toBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** RFC 8017 Appendix A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }. */
export function parseRsaPublicKey(der: Uint8Array): RsaPublicKey | undefined {
  const top = readTlv(der, 0);
  if (!top || top.tag !== Tag.SEQUENCE) return undefined;
  const [nT, eT] = children(top) ?? [];
  if (nT?.tag !== Tag.INTEGER || eT?.tag !== Tag.INTEGER) return undefined;
  const n = toBig(nT.content);
  const e = toBig(eT.content);
  const k = Math.ceil(n.toString(16).length / 2);
  if (k < 128 || k > 1024 || e < 3n || e % 2n === 0n) return undefined;
  return { n, e, k };
}

/** RSAVP1: s^e mod n as k bytes, or undefined when s is not below n (RFC 8017 §5.2.2). */
function open(key: RsaPublicKey, signature: Uint8Array): Uint8Array | undefined {
  if (signature.length !== key.k) return undefined;
  const s = toBig(signature);
  if (s >= key.n) return undefined;
  return toBytes(modPow(s, key.e, key.n), key.k);
}

/** DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = new Uint8Array([0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]);

/** RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2): EM = 00 01 FF…FF 00 DigestInfo H, compared whole. */
export function rsaPkcs1Sha256Verify(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  const em = open(key, signature);
  if (!em) return false;
  const t = concatBytes(SHA256_DIGEST_INFO, sha256(message));
  const expected = new Uint8Array(key.k).fill(0xff);
  expected[0] = 0;
  expected[1] = 1;
  expected[key.k - t.length - 1] = 0;
  expected.set(t, key.k - t.length);
  return key.k >= t.length + 11 && bytesEqual(em, expected);
}

/** MGF1 with SHA-256 (RFC 8017 Appendix B.2.1). */
function mgf1(seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let counter = 0, at = 0; at < length; counter++) {
    const block = sha256(concatBytes(seed, new Uint8Array([counter >>> 24, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff])));
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

/** RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 8017 §9.1.2, EMSA-PSS-VERIFY). */
export function rsaPssSha256Verify(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  const full = open(key, signature);
  if (!full) return false;
  const hLen = 32;
  const sLen = 32;
  const modBits = key.n.toString(2).length;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // EM is the last emLen bytes of the k-byte result; any byte before it must be zero
  const em = full.subarray(full.length - emLen);
  if (full.subarray(0, full.length - emLen).some((b) => b !== 0)) return false;
  if (emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const zeroBits = 8 * emLen - emBits;
  if ((maskedDb[0]! & (0xff << (8 - zeroBits)) & 0xff) !== 0) return false;
  const dbMask = mgf1(h, maskedDb.length);
  const db = maskedDb.map((b, i) => b ^ dbMask[i]!);
  db[0]! &= 0xff >> zeroBits;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  const mPrime = concatBytes(new Uint8Array(8), sha256(message), salt);
  return bytesEqual(sha256(mPrime), h);
}
