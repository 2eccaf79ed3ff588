import { describe, expect, test } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { Rng } from '../core/rng.ts';
import { NamedGroup } from '../wire/handshake/names.ts';
import { ecdheSharedSecret, generateEcdheKeyPair } from './ecdhe.ts';
import { ecdsaSign, ecdsaVerify, generateEcdsaKeyPair, signServerKeyExchange, verifyServerKeyExchange } from './ecdsa.ts';

describe('ECDHE (RFC 8422 §5.10, §5.11)', () => {
  test.each([
    ['P-256', NamedGroup.secp256r1, 65],
    ['X25519', NamedGroup.x25519, 32],
  ] as const)('%s: both sides derive the same 32-byte premaster secret', (_, group, pubLen) => {
    const rng = Rng.fromSeed(1);
    const a = generateEcdheKeyPair(group, rng.fork('a'));
    const b = generateEcdheKeyPair(group, rng.fork('b'));
    expect(a.publicKey.length).toBe(pubLen);
    const s1 = ecdheSharedSecret(group, a.privateKey, b.publicKey);
    const s2 = ecdheSharedSecret(group, b.privateKey, a.publicKey);
    expect(s1.ok && s1.preMasterSecret.length).toBe(32);
    expect(s1.ok && s2.ok && toHex(s1.preMasterSecret) === toHex(s2.preMasterSecret)).toBe(true);
  });

  test('keys come only from the Rng: the same seed gives the same key, another seed another', () => {
    const k1 = generateEcdheKeyPair(NamedGroup.secp256r1, Rng.fromSeed(7).fork('dtls'));
    const k2 = generateEcdheKeyPair(NamedGroup.secp256r1, Rng.fromSeed(7).fork('dtls'));
    const k3 = generateEcdheKeyPair(NamedGroup.secp256r1, Rng.fromSeed(8).fork('dtls'));
    expect(toHex(k1.publicKey)).toBe(toHex(k2.publicKey));
    expect(toHex(k1.publicKey)).not.toBe(toHex(k3.publicKey));
  });

  test('a point not on the curve, a compressed point or an all-zero X25519 key is an error, not a throw', () => {
    const p = generateEcdheKeyPair(NamedGroup.secp256r1, Rng.fromSeed(2));
    const offCurve = p.publicKey.slice();
    offCurve[64]! ^= 1;
    expect(ecdheSharedSecret(NamedGroup.secp256r1, p.privateKey, offCurve).ok).toBe(false);
    expect(ecdheSharedSecret(NamedGroup.secp256r1, p.privateKey, offCurve.subarray(0, 33)).ok).toBe(false);
    const x = generateEcdheKeyPair(NamedGroup.x25519, Rng.fromSeed(3));
    expect(ecdheSharedSecret(NamedGroup.x25519, x.privateKey, new Uint8Array(32)).ok).toBe(false);
    expect(ecdheSharedSecret(0x0018, x.privateKey, x.publicKey).ok).toBe(false);
  });
});

describe('ECDSA P-256 with DER signatures', () => {
  const rng = Rng.fromSeed(11);
  const key = generateEcdsaKeyPair(rng.fork('cert'));

  test('signatures are DER ECDSA-Sig-Value and verify; a changed message does not', () => {
    const msg = new TextEncoder().encode('handshake messages');
    const sig = ecdsaSign(key.privateKey, msg);
    expect(sig[0]).toBe(0x30);
    expect(sig[1]).toBe(sig.length - 2);
    expect(ecdsaVerify(key.publicKey, msg, sig)).toBe(true);
    expect(ecdsaVerify(key.publicKey, new TextEncoder().encode('handshake messageS'), sig)).toBe(false);
    expect(ecdsaVerify(key.publicKey, msg, sig.subarray(0, 10))).toBe(false);
  });

  test('ServerKeyExchange signature covers client_random || server_random || ServerECDHParams', () => {
    const cr = rng.bytes(32);
    const sr = rng.bytes(32);
    const eph = generateEcdheKeyPair(NamedGroup.x25519, rng.fork('eph'));
    const ske = signServerKeyExchange(key.privateKey, cr, sr, NamedGroup.x25519, eph.publicKey);
    expect(verifyServerKeyExchange(key.publicKey, cr, sr, ske)).toBe(true);
    expect(verifyServerKeyExchange(key.publicKey, sr, cr, ske)).toBe(false);
    expect(verifyServerKeyExchange(key.publicKey, cr, sr, { ...ske, namedGroup: NamedGroup.secp256r1 })).toBe(false);
  });
});
