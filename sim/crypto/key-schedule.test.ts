import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8Encode } from '../core/encoding.ts';
import { Rng } from '../core/rng.ts';
import { encodeRecord, decodeRecords } from '../wire/dtls/record.ts';
import { additionalData, protectRecord, unprotectRecord } from './aead.ts';
import { formatKeyLogLine, findMasterSecret, parseKeyLog } from './keylog.ts';
import {
  dtlsSrtpKeys,
  exportKeyingMaterial,
  extendedMasterSecret,
  keyExpansion,
  masterSecret,
  prf,
  srtpKeyingMaterialLength,
  verifyData,
} from './prf.ts';

/** Independent P_SHA256 straight from RFC 5246 §5 using node:crypto, to cross-check ours. */
function nodePrf(secret: Uint8Array, label: string, seed: Uint8Array, n: number): string {
  const s = Buffer.concat([Buffer.from(label), Buffer.from(seed)]);
  let a: Buffer = s;
  let out = Buffer.alloc(0);
  while (out.length < n) {
    a = createHmac('sha256', secret).update(a).digest();
    out = Buffer.concat([out, createHmac('sha256', secret).update(Buffer.concat([a, s])).digest()]);
  }
  return out.subarray(0, n).toString('hex');
}

describe('TLS 1.2 PRF (RFC 5246 §5)', () => {
  test('matches the published P_SHA256 test vector (IETF TLS list, "test label", 100 bytes)', () => {
    const out = prf(fromHex('9bbe436ba940f017b17652849a71db35'), 'test label', fromHex('a0ba9f936cda311827a6f796ffd5198c'), 100);
    expect(toHex(out)).toBe(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  test('agrees with an independent node:crypto HMAC recomputation for odd lengths', () => {
    const rng = Rng.fromSeed(5).fork('prf');
    for (const n of [1, 12, 31, 32, 33, 48, 60, 104]) {
      const secret = rng.bytes(48);
      const seed = rng.bytes(64);
      expect(toHex(prf(secret, 'key expansion', seed, n))).toBe(nodePrf(secret, 'key expansion', seed, n));
    }
  });

  test('master secret, extended master secret, verify_data and exporter use their RFC labels and seeds', () => {
    const pms = fromHex('11'.repeat(32));
    const cr = fromHex('aa'.repeat(32));
    const sr = fromHex('bb'.repeat(32));
    const hash = fromHex('cc'.repeat(32));
    expect(toHex(masterSecret(pms, cr, sr))).toBe(nodePrf(pms, 'master secret', new Uint8Array([...cr, ...sr]), 48));
    expect(toHex(extendedMasterSecret(pms, hash))).toBe(nodePrf(pms, 'extended master secret', hash, 48));
    const ms = masterSecret(pms, cr, sr);
    expect(toHex(verifyData(ms, 'client', hash))).toBe(nodePrf(ms, 'client finished', hash, 12));
    expect(toHex(verifyData(ms, 'server', hash))).toBe(nodePrf(ms, 'server finished', hash, 12));
    // RFC 5705 §4: an empty context is not the same as no context.
    const noCtx = exportKeyingMaterial(ms, 'EXPORTER-test', cr, sr, 20);
    const emptyCtx = exportKeyingMaterial(ms, 'EXPORTER-test', cr, sr, 20, new Uint8Array(0));
    expect(toHex(emptyCtx)).toBe(nodePrf(ms, 'EXPORTER-test', new Uint8Array([...cr, ...sr, 0, 0]), 20));
    expect(toHex(noCtx)).not.toBe(toHex(emptyCtx));
  });

  test('key expansion cuts 40 bytes as client key, server key, client IV, server IV with server_random first in the seed', () => {
    const ms = fromHex('42'.repeat(48));
    const cr = fromHex('01'.repeat(32));
    const sr = fromHex('02'.repeat(32));
    const block = nodePrf(ms, 'key expansion', new Uint8Array([...sr, ...cr]), 40);
    const k = keyExpansion(ms, cr, sr);
    expect(toHex(k.clientWriteKey) + toHex(k.serverWriteKey) + toHex(k.clientWriteIv) + toHex(k.serverWriteIv)).toBe(block);
    expect([k.clientWriteKey.length, k.serverWriteKey.length, k.clientWriteIv.length, k.serverWriteIv.length]).toEqual([16, 16, 4, 4]);
  });
});

describe('DTLS-SRTP keying material (RFC 5764 §4.2)', () => {
  test('60 bytes for AES-CM-128/HMAC-SHA1-80 split key|key|salt|salt', () => {
    const m = Uint8Array.from({ length: 60 }, (_, i) => i);
    const k = dtlsSrtpKeys(m, 'SRTP_AES128_CM_HMAC_SHA1_80');
    expect([k.clientWriteKey[0], k.serverWriteKey[0], k.clientWriteSalt[0], k.serverWriteSalt[0]]).toEqual([0, 16, 32, 46]);
    expect(k.serverWriteSalt.length).toBe(14);
  });

  test('56 bytes for AEAD-AES-128-GCM with 12-byte salts', () => {
    expect(srtpKeyingMaterialLength('SRTP_AEAD_AES_128_GCM')).toBe(56);
    const m = Uint8Array.from({ length: 56 }, (_, i) => i);
    const k = dtlsSrtpKeys(m, 'SRTP_AEAD_AES_128_GCM');
    expect([k.clientWriteSalt[0], k.serverWriteSalt[0], k.serverWriteSalt.length]).toEqual([32, 44, 12]);
  });

  test('the wrong amount of material is refused', () => {
    expect(() => dtlsSrtpKeys(new Uint8Array(56), 'SRTP_AES128_CM_HMAC_SHA1_80')).toThrow(/60 bytes/);
  });
});

describe('AES-128-GCM record protection (RFC 5288, RFC 6347 §4.1.2.1)', () => {
  const key = { key: fromHex('000102030405060708090a0b0c0d0e0f'), fixedIv: fromHex('a0a1a2a3') };
  const meta = { contentType: 23, version: 0xfefd, epoch: 1, sequenceNumber: 0x0102030405 };

  test('protect then unprotect returns the plaintext; the explicit nonce is epoch||seq', () => {
    const pt = utf8Encode('hello from client\n');
    const frag = protectRecord(key, meta, pt);
    expect(frag.length).toBe(8 + pt.length + 16);
    expect(toHex(frag.subarray(0, 8))).toBe('0001000102030405');
    const r = unprotectRecord(key, meta, frag);
    expect(r.ok && toHex(r.plaintext)).toBe(toHex(pt));
  });

  test('the additional data binds epoch, sequence, type, version and plaintext length', () => {
    expect(toHex(additionalData(meta, 18))).toBe('0001000102030405' + '17' + 'fefd' + '0012');
  });

  test('tampering with ciphertext, tag, sequence number or content type is detected, not thrown', () => {
    const frag = protectRecord(key, meta, utf8Encode('secret'));
    for (const i of [0, 9, frag.length - 1]) {
      const bad = frag.slice();
      bad[i]! ^= 0x80;
      expect(unprotectRecord(key, meta, bad).ok).toBe(false);
    }
    expect(unprotectRecord(key, { ...meta, sequenceNumber: meta.sequenceNumber + 1 }, frag).ok).toBe(false);
    expect(unprotectRecord(key, { ...meta, contentType: 22 }, frag).ok).toBe(false);
    expect(unprotectRecord(key, meta, frag.subarray(0, 20))).toEqual({ ok: false, error: expect.stringContaining('shorter') });
  });

  test('a protected record goes on the wire and comes back through the record codec', () => {
    const frag = protectRecord(key, meta, utf8Encode('x'));
    const wire = encodeRecord({ ...meta, fragment: frag });
    const [rec] = decodeRecords(wire).value;
    expect(rec?.kind === 'dtls12' && rec.encrypted).toBe(true);
    if (rec?.kind !== 'dtls12') throw new Error('no record');
    const r = unprotectRecord(key, rec, rec.fragment);
    expect(r.ok && toHex(r.plaintext)).toBe('78');
  });
});

describe('NSS key log', () => {
  test('builds and parses CLIENT_RANDOM lines, skipping comments and reporting garbage by line', () => {
    const cr = fromHex('31'.repeat(32));
    const ms = fromHex('a5'.repeat(48));
    const line = formatKeyLogLine(cr, ms);
    expect(line).toBe(`CLIENT_RANDOM ${'31'.repeat(32)} ${'a5'.repeat(48)}`);
    const { entries, problems } = parseKeyLog(`# comment\n\n${line}\nCLIENT_RANDOM zz 00\n`);
    expect(entries.length).toBe(1);
    expect(problems.map((p) => p.line)).toEqual([4]);
    expect(toHex(findMasterSecret(entries, cr)!)).toBe('a5'.repeat(48));
    expect(findMasterSecret(entries, fromHex('00'.repeat(32)))).toBeUndefined();
  });
});
