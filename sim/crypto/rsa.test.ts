import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../core/encoding.ts';
import { parseRsaPublicKey, rsaPkcs1Sha256Verify, rsaPssSha256Verify } from './rsa.ts';

// OpenSSL (through node:crypto) signs; our verification must accept exactly its signatures.

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const der = new Uint8Array(publicKey.export({ format: 'der', type: 'pkcs1' }));
const key = parseRsaPublicKey(der)!;
const message = new TextEncoder().encode('TLS 1.3, server CertificateVerify');

describe('RSA signature verification (RFC 8017)', () => {
  it('reads an RSAPublicKey: 2048-bit modulus, exponent 65537', () => {
    expect(key.k).toBe(256);
    expect(key.e).toBe(65537n);
    expect(parseRsaPublicKey(fromBase64('MAA='))).toBeUndefined();
  });

  it('accepts RSASSA-PSS signatures with SHA-256 and a 32-byte salt, and refuses altered ones', () => {
    for (let i = 0; i < 4; i++) {
      const sig = new Uint8Array(sign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
      expect(rsaPssSha256Verify(key, message, sig)).toBe(true);
      sig[10]! ^= 1;
      expect(rsaPssSha256Verify(key, message, sig)).toBe(false);
    }
    const other = new Uint8Array(sign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }));
    expect(rsaPssSha256Verify(key, message, other)).toBe(false);
    expect(rsaPssSha256Verify(key, new TextEncoder().encode('another message'), new Uint8Array(sign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })))).toBe(false);
  });

  it('accepts RSASSA-PKCS1-v1_5 signatures with SHA-256 and refuses a PSS one or a short one', () => {
    const sig = new Uint8Array(sign('sha256', message, privateKey));
    expect(rsaPkcs1Sha256Verify(key, message, sig)).toBe(true);
    expect(rsaPssSha256Verify(key, message, sig)).toBe(false);
    expect(rsaPkcs1Sha256Verify(key, message, sig.subarray(1))).toBe(false);
    expect(rsaPkcs1Sha256Verify(key, message, new Uint8Array(256).fill(0xff))).toBe(false);
  });
});
