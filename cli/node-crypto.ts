import { type CipherGCMTypes, createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { type CryptoBackend, setCryptoBackend } from '../sim/core/crypto-backend.ts';

/**
 * The node:crypto (OpenSSL) backend for sim/core/crypto-backend.ts: same bytes as the @noble default, several times
 * faster per SRTP packet. Node-only, so it lives outside sim/ and is injected by the CLI, the benchmarks and the
 * tests' setup (`useNodeCrypto()`).
 */

/** A plain Uint8Array over a Buffer's memory: callers never see Buffer's different slice() and toString(). */
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

const ctrName = (key: Uint8Array): string => `aes-${key.length * 8}-ctr`;
const gcmName = (key: Uint8Array): CipherGCMTypes => (key.length === 32 ? 'aes-256-gcm' : key.length === 24 ? 'aes-192-gcm' : 'aes-128-gcm');

/** What the ChaCha20 keystream is read from: encrypting zeros. */
const ZEROS = new Uint8Array(16384);

function join(parts: Buffer[], length: number): Uint8Array {
  if (parts.length === 1) return plain(parts[0]!);
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const nodeCrypto: CryptoBackend = {
  name: 'node:crypto',
  aesCtr(key, counter, data) {
    const c = createCipheriv(ctrName(key), key, counter);
    const a = c.update(data);
    const b = c.final();
    return b.length === 0 ? plain(a) : join([a, b], a.length + b.length);
  },
  aesGcmSeal(key, nonce, aad, plaintext) {
    const c = createCipheriv(gcmName(key), key, nonce, { authTagLength: 16 });
    c.setAAD(aad);
    const a = c.update(plaintext);
    const b = c.final();
    const tag = c.getAuthTag();
    return join([a, b, tag], a.length + b.length + tag.length);
  },
  aesGcmOpen(key, nonce, aad, sealed) {
    if (sealed.length < 16) return undefined;
    try {
      const d = createDecipheriv(gcmName(key), key, nonce, { authTagLength: 16 });
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      const a = d.update(sealed.subarray(0, sealed.length - 16));
      const b = d.final();
      return b.length === 0 ? plain(a) : join([a, b], a.length + b.length);
    } catch {
      return undefined; // OpenSSL refuses the tag (or the key), as the @noble backend does
    }
  },
  hmacSha1(key, ...data) {
    const h = createHmac('sha1', key);
    for (const d of data) h.update(d);
    return plain(h.digest());
  },
  hmacSha256(key, ...data) {
    const h = createHmac('sha256', key);
    for (const d of data) h.update(d);
    return plain(h.digest());
  },
  sha256(...data) {
    const h = createHash('sha256');
    for (const d of data) h.update(d);
    return plain(h.digest());
  },
  chacha20(key, nonce, counter, length) {
    // OpenSSL's IV for ChaCha20 is the 32-bit block counter (little-endian) followed by the 96-bit nonce (RFC 8439 §2.3)
    const iv = new Uint8Array(16);
    new DataView(iv.buffer).setUint32(0, counter, true);
    iv.set(nonce, 4);
    const c = createCipheriv('chacha20', key, iv);
    return plain(c.update(length <= ZEROS.length ? ZEROS.subarray(0, length) : new Uint8Array(length)));
  },
};

/** Makes node:crypto the backend of every run in this process. */
export function useNodeCrypto(): void {
  setCryptoBackend(nodeCrypto);
}
