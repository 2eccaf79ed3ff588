import { ctr, gcm, unsafe as aesInternals } from '@noble/ciphers/aes.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * The symmetric primitives on the hot paths (SRTP and SRTCP, DTLS/TLS records, STUN MESSAGE-INTEGRITY, TURN and
 * DTLS cookies), behind one small interface chosen at the edge: the `@noble` code below by default (it runs in
 * browsers and Deno), a faster one injected by whoever starts the run (the CLI, the benchmarks and the tests inject
 * `cli/node-crypto.ts`, on `node:crypto`). Every backend gives the same bytes for the same input (pinned by
 * test/golden/backends.test.ts on every preset and capture), so the choice changes speed, never a trace.
 *
 * It lives in sim/core, not sim/crypto, because sim/wire (STUN integrity) sits below sim/crypto in the folder graph.
 * Outputs are fresh arrays (or views of fresh memory) that the caller may keep; inputs are never modified.
 */
export interface CryptoBackend {
  readonly name: string;
  /**
   * AES in counter mode (NIST SP 800-38A; SRTP's AES-CM, RFC 3711 §4.1.1): `counter` is the 16-byte first counter
   * block, incremented as a 128-bit big-endian integer. Encrypting and decrypting are the same operation.
   * The key is 16, 24 or 32 bytes.
   */
  aesCtr(key: Uint8Array, counter: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * AES-CTR under one key whose schedule is made here, once: what an SRTP context keeps for its session keys, so a
   * packet pays only for its counter block (RFC 3711 §4.1.1). Same bytes as `aesCtr` with that key.
   */
  aesCtrKey(key: Uint8Array): AesCtrKey;
  /** AES-GCM (NIST SP 800-38D) with a 16-byte tag: ciphertext || tag. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** AES-GCM open of ciphertext || tag: the plaintext, or undefined when the tag does not verify (or is missing). */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  /** HMAC-SHA1 (RFC 2104) of the concatenation of `data`: 20 bytes. */
  hmacSha1(key: Uint8Array, ...data: Uint8Array[]): Uint8Array;
  /** HMAC-SHA1 under one key, the padded key absorbed here, once (SRTP's session authentication key). */
  hmacSha1Key(key: Uint8Array): HmacSha1Key;
  /** HMAC-SHA-256 of the concatenation of `data`: 32 bytes. */
  hmacSha256(key: Uint8Array, ...data: Uint8Array[]): Uint8Array;
  /** SHA-256 of the concatenation of `data`: 32 bytes. */
  sha256(...data: Uint8Array[]): Uint8Array;
  /**
   * `length` bytes of the ChaCha20 keystream (RFC 8439 §2.4) under a 32-byte key and a 12-byte nonce, starting at
   * 64-byte block `counter` (counter + length / 64 must stay below 2^32): what sim/core/rng.ts draws its streams from.
   */
  chacha20(key: Uint8Array, nonce: Uint8Array, counter: number, length: number): Uint8Array;
}

/** AES-CTR with its key schedule made (CryptoBackend.aesCtrKey). */
export interface AesCtrKey {
  /**
   * Writes `data` XOR the keystream that starts at the 16-byte counter block `counter` (incremented as a 128-bit
   * big-endian integer) into `out` from offset `at`. `out` must not overlap `data`; neither input is modified.
   */
  xorInto(counter: Uint8Array, data: Uint8Array, out: Uint8Array, at: number): void;
}

/** HMAC-SHA1 with its key absorbed (CryptoBackend.hmacSha1Key). */
export interface HmacSha1Key {
  /** The 20-byte HMAC of `a` followed by `b` (when given): a fresh array. */
  mac(a: Uint8Array, b?: Uint8Array): Uint8Array;
}

type Keyed = ReturnType<typeof hmac.create>;

/** The HMAC state after absorbing the key (its inner and outer pads), made once per key and cloned per message. */
function keyedCache(hash: typeof sha1): (key: Uint8Array) => Keyed {
  const cache = new WeakMap<Uint8Array, Keyed>();
  return (key) => {
    let h = cache.get(key);
    if (!h) cache.set(key, (h = hmac.create(hash, key)));
    return h;
  };
}

const keyedSha1 = keyedCache(sha1);
const keyedSha256 = keyedCache(sha256);

function mac(keyed: Keyed, data: Uint8Array[]): Uint8Array {
  const h = keyed.clone();
  for (const d of data) h.update(d);
  return h.digest();
}

const isAligned = (b: Uint8Array): boolean => b.byteOffset % 4 === 0;

/** The @noble AES-CTR with the key expanded once (FIPS 197 §5.2) and the counter mode run on it per call. */
class NobleAesCtrKey implements AesCtrKey {
  private readonly xk: Uint32Array;
  private readonly counter = new Uint8Array(16);

  constructor(key: Uint8Array) {
    this.xk = aesInternals.expandKeyLE(key);
  }

  xorInto(counter: Uint8Array, data: Uint8Array, out: Uint8Array, at: number): void {
    if (counter.length !== 16) throw new RangeError(`AES-CTR counter block of ${counter.length} bytes, expected 16`);
    this.counter.set(counter); // ctrCounter advances the block it is given
    const src = isAligned(data) ? data : new Uint8Array(data); // a copy starting at offset 0: ctrCounter reads the input as 32-bit words
    const target = out.subarray(at, at + data.length);
    if (target.length !== data.length) throw new RangeError(`AES-CTR output of ${target.length} bytes for ${data.length}`);
    if (isAligned(target)) {
      aesInternals.ctrCounter(this.xk, this.counter, src, target);
      return;
    }
    out.set(aesInternals.ctrCounter(this.xk, this.counter, src), at);
  }
}

class NobleHmacSha1Key implements HmacSha1Key {
  private readonly keyed: Keyed;

  constructor(key: Uint8Array) {
    this.keyed = hmac.create(sha1, key);
  }

  mac(a: Uint8Array, b?: Uint8Array): Uint8Array {
    const h = this.keyed.clone();
    h.update(a);
    if (b) h.update(b);
    return h.digest();
  }
}

/** The portable backend: @noble/ciphers and @noble/hashes, synchronous and runtime-neutral. */
export const nobleCrypto: CryptoBackend = {
  name: 'noble',
  aesCtr: (key, counter, data) => ctr(key, counter).encrypt(data),
  aesCtrKey: (key) => new NobleAesCtrKey(key),
  aesGcmSeal: (key, nonce, aad, plaintext) => gcm(key, nonce, aad).encrypt(plaintext),
  aesGcmOpen: (key, nonce, aad, sealed) => {
    if (sealed.length < 16) return undefined;
    try {
      return gcm(key, nonce, aad).decrypt(sealed);
    } catch {
      return undefined; // @noble/ciphers throws when the tag does not verify
    }
  },
  hmacSha1: (key, ...data) => mac(keyedSha1(key), data),
  hmacSha1Key: (key) => new NobleHmacSha1Key(key),
  hmacSha256: (key, ...data) => mac(keyedSha256(key), data),
  sha256: (...data) => {
    const h = sha256.create();
    for (const d of data) h.update(d);
    return h.digest();
  },
  chacha20: (key, nonce, counter, length) => chacha20(key, nonce, new Uint8Array(length), undefined, counter),
};

let current: CryptoBackend = nobleCrypto;

/** The backend in use (the @noble one unless the edge injected another). */
export function cryptoBackend(): CryptoBackend {
  return current;
}

/** Chooses the backend for everything after this call; returns the previous one (so a test can put it back). */
export function setCryptoBackend(backend: CryptoBackend): CryptoBackend {
  const previous = current;
  current = backend;
  return previous;
}
