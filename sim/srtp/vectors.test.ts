import { ctr } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/encoding.ts';
import { SrtpContext } from './context.ts';
import { deriveSessionKey, deriveSessionKeys, LABEL, type SessionKeys } from '../crypto/srtp-kdf.ts';
import { SRTP_PROFILES } from '../wire/srtp/profiles.ts';
import { aesCmIv, gcmRtcpIv, gcmRtpIv } from './transform.ts';

// Known-answer tests straight from the RFCs: if any byte differs, we do not speak SRTP.

describe('RFC 3711 Appendix B.2: AES-CM keystream', () => {
  const sessionKey = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
  const sessionSalt = fromHex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');

  it('builds the counter F0F1…FCFD0000 from the salt with SSRC 0 and index 0', () => {
    expect(toHex(aesCmIv(sessionSalt, 0, 0)).toUpperCase()).toBe('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
  });

  it('produces the keystream blocks of the table, first and last', () => {
    const ks = ctr(sessionKey, aesCmIv(sessionSalt, 0, 0)).encrypt(new Uint8Array(65282 * 16));
    const block = (i: number): string => toHex(ks.subarray(i * 16, i * 16 + 16)).toUpperCase();
    expect(block(0x0000)).toBe('E03EAD0935C95E80E166B16DD92B4EB4');
    expect(block(0x0001)).toBe('D23513162B02D0F72A43A2FE4A5F97AB');
    expect(block(0x0002)).toBe('41E95B3BB0A2E8DD477901E4FCA894C0');
    expect(block(0xfeff)).toBe('EC8CDF7398607CB0F2D21675EA9EA1E4');
    expect(block(0xff00)).toBe('362B7C3C6773516318A077D7FC5073AE');
    expect(block(0xff01)).toBe('6A2CC3787889374FBEB4C81B17BA6C44');
  });

  it('encrypting a zero payload of the packet with SSRC 0, seq 0 gives that keystream', () => {
    const keys: SessionKeys = { srtpKey: sessionKey, srtpSalt: sessionSalt, srtpAuthKey: new Uint8Array(20), srtcpKey: sessionKey, srtcpSalt: sessionSalt, srtcpAuthKey: new Uint8Array(20) };
    const ctx = new SrtpContext(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80, keys);
    const rtp = new Uint8Array(12 + 32);
    rtp[0] = 0x80;
    const r = ctx.protectRtp(rtp);
    expect(r.ok).toBe(true);
    if (r.ok) expect(toHex(r.bytes.subarray(12, 44)).toUpperCase()).toBe('E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB');
  });
});

describe('RFC 3711 Appendix B.3: key derivation', () => {
  const masterKey = fromHex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const masterSalt = fromHex('0EC675AD498AFEEBB6960B3AABE6');

  it('derives the cipher key, cipher salt and the whole 94-byte auth keystream', () => {
    expect(toHex(deriveSessionKey(masterKey, masterSalt, LABEL.srtpEncryption, 16)).toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(toHex(deriveSessionKey(masterKey, masterSalt, LABEL.srtpSalt, 14)).toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(toHex(deriveSessionKey(masterKey, masterSalt, LABEL.srtpAuthentication, 94)).toUpperCase()).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE' +
        'E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25' +
        '6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2',
    );
  });

  it('gives AES_CM_128_HMAC_SHA1_80 a 160-bit auth key, the first 20 bytes of that keystream', () => {
    const k = deriveSessionKeys(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt);
    expect(toHex(k.srtpAuthKey).toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
    expect(k.srtcpKey).not.toEqual(k.srtpKey);
  });

  it('refuses a master key of the wrong length', () => {
    expect(() => deriveSessionKeys(SRTP_PROFILES.AEAD_AES_128_GCM, masterKey, masterSalt)).toThrow(/12-byte master salt/);
  });
});

describe('RFC 7714 §16–17: AEAD_AES_128_GCM packets', () => {
  // The vectors are stated with session keys (no KDF): key 00..0f, salt "Quid pro quo".
  const key = fromHex('000102030405060708090a0b0c0d0e0f');
  const salt = fromHex('517569642070726f2071756f');
  const keys: SessionKeys = { srtpKey: key, srtpSalt: salt, srtpAuthKey: new Uint8Array(0), srtcpKey: key, srtcpSalt: salt, srtcpAuthKey: new Uint8Array(0) };
  const gcm = SRTP_PROFILES.AEAD_AES_128_GCM;
  const rtp = fromHex('8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573');
  const srtp = fromHex(
    '8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833 899d7f27beb16a9152cf765ee4390cce',
  );
  const rtcp = fromHex('81c8000d4d617273 4e5450314e545032525450200000042a0000e9304c756e61 deadbeefdeadbeefdeadbeefdeadbeefdeadbeef');
  const srtcp = fromHex(
    '81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade 800005d4',
  );
  const srtcpTagOnly = fromHex(
    '81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef 841dd9683dd78ec92ae58790125f62b3 000005d4',
  );

  it('§8.1: the RTP IV is 51753c6580c2726f20718414 for SSRC 5501a0b2, ROC 0, SEQ f17b', () => {
    expect(toHex(gcmRtpIv(salt, 0x5501a0b2, 0, 0xf17b))).toBe('51753c6580c2726f20718414');
  });

  it('§9.1: the RTCP IV is the salt XOR 0000 || SSRC "Mars" || 0000 || index 0x5d4', () => {
    expect(toHex(gcmRtcpIv(salt, 0x4d617273, 0x5d4))).toBe('517524055203726f207170bb');
  });

  it('§16.1.1: protects the RTP packet to the published ciphertext and tag', () => {
    const r = new SrtpContext(gcm, keys).protectRtp(rtp);
    expect(r.ok && toHex(r.bytes)).toBe(toHex(srtp));
  });

  it('§16.1.2: unprotects it back, and rejects it with one bit flipped', () => {
    const r = new SrtpContext(gcm, keys).unprotectRtp(srtp);
    expect(r.ok && toHex(r.bytes)).toBe(toHex(rtp));
    const bad = srtp.slice();
    bad[20] = bad[20]! ^ 1;
    const f = new SrtpContext(gcm, keys).unprotectRtp(bad);
    expect(f.ok ? 'accepted' : f.reason).toBe('auth-failed');
  });

  it('§17.1: protects the RTCP packet at SRTCP index 0x5d4 with E = 1', () => {
    const ctx = new SrtpContext(gcm, keys);
    ctx.setNextSrtcpIndex(0x4d617273, 0x5d4);
    const r = ctx.protectRtcp(rtcp);
    expect(r.ok && toHex(r.bytes)).toBe(toHex(srtcp));
  });

  it('§17.2: unprotects the encrypted SRTCP packet', () => {
    const r = new SrtpContext(gcm, keys).unprotectRtcp(srtcp);
    expect(r.ok && { bytes: toHex(r.bytes), index: r.index, encrypted: r.encrypted }).toEqual({ bytes: toHex(rtcp), index: 0x5d4, encrypted: true });
  });

  it('§17.3–17.4: authenticates without encrypting when E = 0, both ways', () => {
    const ctx = new SrtpContext(gcm, keys);
    ctx.setNextSrtcpIndex(0x4d617273, 0x5d4);
    const p = ctx.protectRtcp(rtcp, { encrypt: false });
    expect(p.ok && toHex(p.bytes)).toBe(toHex(srtcpTagOnly));
    const u = new SrtpContext(gcm, keys).unprotectRtcp(srtcpTagOnly);
    expect(u.ok && { bytes: toHex(u.bytes), encrypted: u.encrypted }).toEqual({ bytes: toHex(rtcp), encrypted: false });
  });
});
