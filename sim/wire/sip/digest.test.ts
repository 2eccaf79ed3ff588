import { describe, expect, it } from 'vitest';
import { answerChallenge, digestResponse, formatDigestChallenge, formatDigestCredentials, parseDigestChallenge, parseDigestCredentials, verifyCredentials } from './digest.ts';

describe('digest authentication (RFC 2617, RFC 7616, RFC 8760)', () => {
  it('gives RFC 2617 §3.5 its response (MD5, qop=auth)', () => {
    expect(digestResponse({ algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' })).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('gives RFC 7616 §3.9.1 its MD5 and SHA-256 responses', () => {
    const o = { username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
    expect(digestResponse({ ...o, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse({ ...o, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('reads a challenge as Kamailio sends it, answers it, and the answer verifies', () => {
    const ch = parseDigestChallenge('Digest realm="rtclab.test", nonce="Y2hhbGxlbmdlLW5vbmNl", qop="auth", algorithm=SHA-256');
    expect(ch).toMatchObject({ realm: 'rtclab.test', nonce: 'Y2hhbGxlbmdlLW5vbmNl', qop: ['auth'], algorithm: 'SHA-256', stale: false });
    if (typeof ch === 'string') throw new Error(ch);
    const cred = answerChallenge(ch, { username: '1001', password: 's3cret', method: 'REGISTER', uri: 'sip:rtclab.test', cnonce: 'abcdef01', nc: 1 });
    expect(cred.nc).toBe('00000001');
    const text = formatDigestCredentials(cred);
    expect(text).toBe(`Digest username="1001", realm="rtclab.test", nonce="Y2hhbGxlbmdlLW5vbmNl", uri="sip:rtclab.test", response="${cred.response}", algorithm=SHA-256, cnonce="abcdef01", qop=auth, nc=00000001`);
    const back = parseDigestCredentials(text);
    if (typeof back === 'string') throw new Error(back);
    expect(verifyCredentials(back, 's3cret', 'REGISTER')).toBe(true);
    expect(verifyCredentials(back, 'wrong', 'REGISTER')).toBe(false);
    expect(verifyCredentials(back, 's3cret', 'INVITE')).toBe(false);
    expect(parseDigestChallenge(formatDigestChallenge(ch))).toEqual(ch);
  });

  it('answers an RFC 2069 challenge (no qop) without nc and cnonce', () => {
    const ch = parseDigestChallenge('Digest realm="r", nonce="n"');
    if (typeof ch === 'string') throw new Error(ch);
    const cred = answerChallenge(ch, { username: 'u', password: 'p', method: 'REGISTER', uri: 'sip:r', cnonce: 'c', nc: 1 });
    expect(cred.qop).toBeUndefined();
    expect(formatDigestCredentials(cred)).not.toContain('nc=');
  });

  it.each([
    ['Basic realm="r"', 'not Digest'],
    ['Digest nonce="n"', 'without realm'],
    ['Digest realm="r", nonce="n", algorithm=SHA-512', 'is not MD5, MD5-sess, SHA-256'],
    ['Digest realm="r", realm="s", nonce="n"', 'appears twice'],
    ['Digest', 'is not "<scheme> <param>=<value>'],
  ])('rejects a bad challenge: %s', (text, reason) => {
    expect(parseDigestChallenge(text)).toContain(reason);
  });

  it.each([
    ['Digest username="u", realm="r", nonce="n", uri="sip:r"', 'without response'],
    ['Digest username="u", realm="r", nonce="n", uri="sip:r", response="x", qop=auth', 'without nc and cnonce'],
    ['Digest username="u", realm="r", nonce="n", uri="sip:r", response="x", qop=auth, nc=1, cnonce="c"', 'is not 8 hex digits'],
    ['Digest username="u", realm="r", nonce="n", uri="sip:r", response="x", qop=auth-int, nc=00000001, cnonce="c"', 'only auth'],
  ])('rejects bad credentials: %#', (text, reason) => {
    expect(parseDigestCredentials(text)).toContain(reason);
  });
});
