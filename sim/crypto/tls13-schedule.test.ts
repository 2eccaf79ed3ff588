import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Encode } from '../core/encoding.ts';
import { encodeInnerPlaintext, openRecord13, parseInnerPlaintext, recordNonce, recordNumberMask, sealRecord13 } from './tls13-record.ts';
import { deriveSecret, exportKeyingMaterial13, finishedVerifyData, hkdfExpandLabel, tls13Suite, trafficKeys } from './tls13-schedule.ts';

// Known answers from RFC 8448 §3 (the simple 1-RTT handshake, TLS_AES_128_GCM_SHA256).
const h = (s: string): Uint8Array => fromHex(s.replace(/\s+/g, ''));
const SERVER_HS_SECRET = h('b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38');
const suite = tls13Suite(0x1301)!;

/** HKDF-Expand-Label written out with node:crypto's HMAC (RFC 5869 §2.3), as an independent reference. */
function nodeExpandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number, prefix: string, hash = 'sha256'): Uint8Array {
  const full = Buffer.from(prefix + label);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([context.length]), Buffer.from(context)]);
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    t = createHmac(hash, secret).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, length));
}

describe('TLS 1.3 key schedule (RFC 8446 §7)', () => {
  it('derives the RFC 8448 server handshake key and IV from the traffic secret', () => {
    const k = trafficKeys(suite, SERVER_HS_SECRET);
    expect(toHex(k.key)).toBe('3fce516009c21727d0f2e4e86ee403bc');
    expect(toHex(k.iv)).toBe('5d313eb2671276ee13000b30');
    expect(k.snKey).toBeUndefined();
  });

  it('derives the RFC 8448 finished key ("tls13 finished")', () => {
    const fk = hkdfExpandLabel(suite.hash, SERVER_HS_SECRET, 'finished', new Uint8Array(0), 32);
    expect(toHex(fk)).toBe('008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8');
  });

  it('derives the RFC 8448 handshake traffic secrets from the handshake secret and the CH..SH transcript', () => {
    const hs = h('1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac');
    const transcript = h('86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8');
    expect(toHex(deriveSecret(suite, hs, 's hs traffic', transcript))).toBe(toHex(SERVER_HS_SECRET));
    expect(toHex(deriveSecret(suite, hs, 'c hs traffic', transcript))).toBe('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21');
  });

  it('uses the "dtls13" label prefix for DTLS 1.3, and adds the sn key (RFC 9147 §5.9, §4.2.3)', () => {
    const k = trafficKeys(suite, SERVER_HS_SECRET, 'dtls13');
    const empty = new Uint8Array(0);
    expect(toHex(k.key)).toBe(toHex(nodeExpandLabel(SERVER_HS_SECRET, 'key', empty, 16, 'dtls13')));
    expect(toHex(k.iv)).toBe(toHex(nodeExpandLabel(SERVER_HS_SECRET, 'iv', empty, 12, 'dtls13')));
    expect(toHex(k.snKey!)).toBe(toHex(nodeExpandLabel(SERVER_HS_SECRET, 'sn', empty, 16, 'dtls13')));
    expect(toHex(k.key)).not.toBe('3fce516009c21727d0f2e4e86ee403bc');
  });

  it('the exporter is two HKDF-Expand-Labels over empty-string hashes (RFC 8446 §7.5), SHA-384 for AES-256', () => {
    for (const id of [0x1301, 0x1302]) {
      const s = tls13Suite(id)!;
      const hash = id === 0x1302 ? 'sha384' : 'sha256';
      const secret = new Uint8Array(s.hashLength).fill(7);
      const emptyHash = s.hash(new Uint8Array(0));
      const inner = nodeExpandLabel(secret, 'EXTRACTOR-dtls_srtp', emptyHash, s.hashLength, 'tls13 ', hash);
      const want = nodeExpandLabel(inner, 'exporter', emptyHash, 60, 'tls13 ', hash);
      expect(toHex(exportKeyingMaterial13(s, secret, 'EXTRACTOR-dtls_srtp', 60))).toBe(toHex(want));
    }
  });

  it('Finished verify_data is the HMAC of the transcript under the finished key (RFC 8446 §4.4.4)', () => {
    const transcript = new Uint8Array(32).fill(1);
    const fk = hkdfExpandLabel(suite.hash, SERVER_HS_SECRET, 'finished', new Uint8Array(0), 32);
    const want = createHmac('sha256', fk).update(transcript).digest('hex');
    expect(toHex(finishedVerifyData(suite, SERVER_HS_SECRET, transcript))).toBe(want);
  });
});

describe('TLS 1.3 record protection (RFC 8446 §5)', () => {
  it('XORs the sequence number into the right end of the IV', () => {
    expect(toHex(recordNonce(fromHex('000000000000000000000000'), 0x0102n))).toBe('000000000000000000000102');
    expect(toHex(recordNonce(fromHex('ffffffffffffffffffffffff'), 1n))).toBe('fffffffffffffffffffffffe');
  });

  it('seals and opens every suite; a wrong key fails the tag instead of giving garbage', () => {
    for (const id of [0x1301, 0x1302, 0x1303]) {
      const s = tls13Suite(id)!;
      const keys = trafficKeys(s, new Uint8Array(s.hashLength).fill(3));
      const aad = fromHex('1703030020');
      const sealed = sealRecord13(s, keys, 5n, aad, encodeInnerPlaintext(utf8Encode('hello'), 23, 3));
      const opened = openRecord13(s, keys, 5n, aad, sealed);
      expect(opened.ok).toBe(true);
      if (opened.ok) expect(parseInnerPlaintext(opened.inner)).toMatchObject({ contentType: 23, padding: 3, content: utf8Encode('hello') });
      expect(openRecord13(s, keys, 6n, aad, sealed)).toMatchObject({ ok: false, error: expect.stringContaining('bad_record_mac') });
      const wrong = trafficKeys(s, new Uint8Array(s.hashLength).fill(4));
      expect(openRecord13(s, wrong, 5n, aad, sealed).ok).toBe(false);
    }
  });

  it('an all-zero inner plaintext has no content type', () => {
    expect(parseInnerPlaintext(new Uint8Array(4))).toMatchObject({ contentType: 0, padding: 4 });
  });

  it('the record number mask is AES-ECB of the first 16 ciphertext bytes, or the ChaCha20 keystream (RFC 9147 §4.2.3)', async () => {
    const { createCipheriv } = await import('node:crypto');
    const snKey = new Uint8Array(16).fill(9);
    const sample = fromHex('00112233445566778899aabbccddeeff');
    const ecb = createCipheriv('aes-128-ecb', snKey, null).setAutoPadding(false).update(sample);
    expect(toHex(recordNumberMask(suite, snKey, sample)!)).toBe(toHex(ecb));
    const cc = tls13Suite(0x1303)!;
    const key32 = new Uint8Array(32).fill(9);
    // node's chacha20 takes a 16-byte IV: the 4-byte little-endian counter then the 12-byte nonce, i.e. the sample
    const ks = createCipheriv('chacha20', key32, sample).update(new Uint8Array(16));
    expect(toHex(recordNumberMask(cc, key32, sample)!)).toBe(toHex(ks));
    expect(recordNumberMask(suite, snKey, sample.subarray(0, 15))).toBeUndefined();
  });
});
