import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CryptoBackend, nobleCrypto } from '../sim/core/crypto-backend.ts';
import { nodeCrypto } from './node-crypto.ts';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const backends: [string, CryptoBackend][] = [['noble', nobleCrypto], ['node:crypto', nodeCrypto]];

describe.each(backends)('the %s crypto backend', (_, b) => {
  it('gives RFC 3711 Appendix B.2 AES-CM keystream', () => {
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
    expect(Buffer.from(b.aesCtr(key, iv, new Uint8Array(48))).toString('hex')).toBe(
      'e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0',
    );
  });

  it('gives RFC 2202 HMAC-SHA1 and RFC 4231 HMAC-SHA-256 test case 2, the data split or whole', () => {
    const key = new TextEncoder().encode('Jefe');
    const [a, c] = [new TextEncoder().encode('what do ya want '), new TextEncoder().encode('for nothing?')];
    expect(Buffer.from(b.hmacSha1(key, a, c)).toString('hex')).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    expect(Buffer.from(b.hmacSha256(key, a, c)).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(b.hmacSha256(key, new Uint8Array([...a, ...c]))).toEqual(b.hmacSha256(key, a, c));
    expect(Buffer.from(b.sha256(new TextEncoder().encode('abc'))).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('seals and opens AES-GCM as OpenSSL does, and answers undefined to a bad tag, a short input or a bad key', () => {
    for (const keyLength of [16, 32]) {
      const key = randomBytes(keyLength);
      const nonce = randomBytes(12);
      const aad = randomBytes(13);
      const plaintext = randomBytes(100);
      const c = createCipheriv(keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
      c.setAAD(aad);
      const expected = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
      const sealed = b.aesGcmSeal(key, nonce, aad, plaintext);
      expect(Buffer.from(sealed)).toEqual(expected);
      expect(b.aesGcmOpen(key, nonce, aad, sealed)).toEqual(new Uint8Array(plaintext));
      const bad = sealed.slice();
      bad[bad.length - 1]! ^= 1;
      expect(b.aesGcmOpen(key, nonce, aad, bad)).toBeUndefined();
      expect(b.aesGcmOpen(key, nonce, aad, sealed.subarray(0, 15))).toBeUndefined();
      expect(b.aesGcmOpen(key.subarray(0, 5), nonce, aad, sealed)).toBeUndefined();
      expect(b.aesGcmOpen(key, nonce, aad, b.aesGcmSeal(key, nonce, aad, new Uint8Array(0)))).toEqual(new Uint8Array(0));
    }
  });

  it('returns plain Uint8Arrays it does not share, and leaves its inputs alone', () => {
    const key = randomBytes(16);
    const data = new Uint8Array(randomBytes(40));
    const copy = data.slice();
    const out = b.aesCtr(key, new Uint8Array(16), data);
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(b.hmacSha1(key, data))).toBe(Uint8Array.prototype);
    expect(data).toEqual(copy);
  });
});

describe('both backends', () => {
  it('agree with each other and with OpenSSL on random inputs, a 256-bit key and a counter that carries past 64 bits', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(i % 2 ? 16 : 32);
      const counter = i % 3 === 0 ? hex('00112233445566770000000000000000'.slice(0, 16) + 'fffffffffffffffe') : randomBytes(16);
      const data = randomBytes(i * 7);
      const ref = createCipheriv(key.length === 16 ? 'aes-128-ctr' : 'aes-256-ctr', key, counter).update(data);
      expect(Buffer.from(nobleCrypto.aesCtr(key, counter, data))).toEqual(ref);
      expect(Buffer.from(nodeCrypto.aesCtr(key, counter, data))).toEqual(ref);
      const macKey = randomBytes(i % 40);
      expect(Buffer.from(nobleCrypto.hmacSha1(macKey, data))).toEqual(createHmac('sha1', macKey).update(data).digest());
      expect(Buffer.from(nodeCrypto.hmacSha1(macKey, data))).toEqual(createHmac('sha1', macKey).update(data).digest());
      expect(nobleCrypto.hmacSha256(macKey, data, key)).toEqual(nodeCrypto.hmacSha256(macKey, data, key));
      expect(Buffer.from(nobleCrypto.sha256(data))).toEqual(createHash('sha256').update(data).digest());
      const chachaKey = randomBytes(32);
      const nonce = randomBytes(12);
      const block = i * 1000;
      const length = 64 * (i % 5) + i * 9;
      const iv = Buffer.concat([Buffer.from(Uint32Array.of(block).buffer), nonce]); // little-endian counter, then the nonce
      const stream = createCipheriv('chacha20', chachaKey, iv).update(Buffer.alloc(length));
      expect(Buffer.from(nobleCrypto.chacha20(chachaKey, nonce, block, length))).toEqual(stream);
      expect(Buffer.from(nodeCrypto.chacha20(chachaKey, nonce, block, length))).toEqual(stream);
    }
  });
});

describe('keyed once (aesCtrKey, hmacSha1Key), both backends', () => {
  it('give what OpenSSL gives, call after call on one key: counters that carry through every word, unaligned data and output, keys longer than a block', () => {
    for (const [name, b] of backends) {
      const key = randomBytes(16);
      const key256 = randomBytes(32);
      const ctr = b.aesCtrKey(key);
      const ctr256 = b.aesCtrKey(key256);
      const macKey = randomBytes(20);
      const longKey = randomBytes(100); // RFC 2104 §2: hashed to 20 bytes first
      const mac = b.hmacSha1Key(macKey);
      const longMac = b.hmacSha1Key(longKey);
      const counters = [randomBytes(16), hex('00000000000000000000fffffffffffe'), hex('ffffffffffffffffffffffffffffffff'), hex('0000000000000000fffffffffffffffd')];
      for (let i = 0; i < 60; i++) {
        const counter = counters[i % counters.length]!;
        const buffer = randomBytes(i * 37 + 3);
        const data = buffer.subarray(i % 3); // byteOffset 0, 1 or 2
        const copy = Buffer.from(data);
        const out = new Uint8Array(data.length + 7);
        const at = i % 7;
        ctr.xorInto(counter, data, out, at);
        expect(Buffer.from(out.subarray(at, at + data.length)), `${name} aes-128 ${i}`).toEqual(createCipheriv('aes-128-ctr', key, counter).update(data));
        const out256 = new Uint8Array(data.length);
        ctr256.xorInto(counter, data, out256, 0);
        expect(Buffer.from(out256), `${name} aes-256 ${i}`).toEqual(createCipheriv('aes-256-ctr', key256, counter).update(data));
        expect(Buffer.from(data)).toEqual(copy);
        const tail = randomBytes(i % 5);
        expect(Buffer.from(mac.mac(data, tail)), `${name} hmac ${i}`).toEqual(createHmac('sha1', macKey).update(data).update(tail).digest());
        expect(Buffer.from(mac.mac(data)), `${name} hmac ${i}`).toEqual(createHmac('sha1', macKey).update(data).digest());
        expect(Buffer.from(longMac.mac(data)), `${name} long-key hmac ${i}`).toEqual(createHmac('sha1', longKey).update(data).digest());
      }
      const big = randomBytes(10_000); // more than the first scratch buffers hold
      const out = new Uint8Array(big.length);
      ctr.xorInto(counters[0]!, big, out, 0);
      expect(Buffer.from(out)).toEqual(createCipheriv('aes-128-ctr', key, counters[0]!).update(big));
      expect(Buffer.from(mac.mac(big, big))).toEqual(createHmac('sha1', macKey).update(big).update(big).digest());
      expect(Object.getPrototypeOf(mac.mac(big))).toBe(Uint8Array.prototype);
    }
  });

  it('refuse a counter block that is not 16 bytes and an output too short', () => {
    for (const [, b] of backends) {
      const ctr = b.aesCtrKey(randomBytes(16));
      expect(() => ctr.xorInto(new Uint8Array(12), new Uint8Array(4), new Uint8Array(4), 0)).toThrow(RangeError);
      expect(() => ctr.xorInto(new Uint8Array(16), new Uint8Array(40), new Uint8Array(40), 1)).toThrow(RangeError);
    }
  });
});
