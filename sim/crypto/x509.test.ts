import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { Rng } from '../core/rng.ts';
import { OID, certificateFingerprint, generateSelfSignedCertificate, parseCertificate, verifyCertificateSignature } from './x509.ts';
import { capturePath } from '../../test/captures.ts';

const CERTS = capturePath('dtls-srtp-openssl', 'certs');
const NOT_BEFORE = 1_767_225_600; // 2026-01-01T00:00:00Z
const NOT_AFTER = 2_713_910_400; // 2056-01-01T00:00:00Z (GeneralizedTime)

function make(seed: number) {
  return generateSelfSignedCertificate({ rng: Rng.fromSeed(seed).fork('cert'), commonName: 'rtclab-alice', notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
}

describe('self-signed ECDSA P-256 certificate', () => {
  test('is deterministic for a seed and differs between seeds', () => {
    expect(toHex(make(1).der)).toBe(toHex(make(1).der));
    expect(toHex(make(1).der)).not.toBe(toHex(make(2).der));
  });

  test('openssl x509 accepts it, shows our fields, and its SHA-256 fingerprint equals ours', () => {
    const cert = make(3);
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-x509-'));
    const file = join(dir, 'cert.der');
    writeFileSync(file, cert.der);
    const text = execFileSync('openssl', ['x509', '-inform', 'der', '-noout', '-text', '-in', file], { encoding: 'utf8' });
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toMatch(/Subject: CN ?= ?rtclab-alice/);
    expect(text).toMatch(/Issuer: CN ?= ?rtclab-alice/);
    expect(text).toContain('Not Before: Jan  1 00:00:00 2026 GMT');
    expect(text).toContain('Not After : Jan  1 00:00:00 2056 GMT');
    expect(text).toContain('NIST CURVE: P-256');
    const fp = execFileSync('openssl', ['x509', '-inform', 'der', '-noout', '-fingerprint', '-sha256', '-in', file], { encoding: 'utf8' });
    expect(fp.trim().split('=')[1]).toBe(cert.fingerprint);
    // openssl verifies the self-signature too
    const pem = execFileSync('openssl', ['x509', '-inform', 'der', '-in', file], { encoding: 'utf8' });
    writeFileSync(join(dir, 'cert.pem'), pem);
    const v = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'cert.pem'), join(dir, 'cert.pem')], { encoding: 'utf8' });
    expect(v.trim()).toMatch(/: OK$/);
  });

  test('our parser reads back what we generated', () => {
    const cert = make(4);
    const p = parseCertificate(cert.der);
    if (!p.ok) throw new Error(p.error);
    expect(p.certificate.version).toBe(3);
    expect(p.certificate.subjectCommonName).toBe('rtclab-alice');
    expect(p.certificate.issuerCommonName).toBe('rtclab-alice');
    expect([p.certificate.notBefore, p.certificate.notAfter]).toEqual([NOT_BEFORE, NOT_AFTER]);
    expect(p.certificate.namedCurve).toBe(OID.prime256v1);
    expect(toHex(p.certificate.publicKey)).toBe(toHex(cert.keyPair.publicKey));
    expect(verifyCertificateSignature(p.certificate)).toBe(true);
  });
});

describe('parsing openssl-made certificates', () => {
  const ders = readdirSync(CERTS).filter((f) => f.endsWith('.der'));

  test.each(ders)('%s: fingerprint equals the .sha256 file, fields match openssl, self-signature verifies', (f) => {
    const der = new Uint8Array(readFileSync(join(CERTS, f)));
    expect(certificateFingerprint(der)).toBe(readFileSync(join(CERTS, f.replace('.der', '.sha256')), 'utf8').trim());
    const p = parseCertificate(der);
    if (!p.ok) throw new Error(p.error);
    const role = f.startsWith('server') ? 'server' : 'client';
    expect(p.certificate.subjectCommonName).toBe(`dtls-${role}.example`);
    expect(p.certificate.signatureAlgorithmName).toBe('ecdsa-with-SHA256');
    expect(p.certificate.publicKey.length).toBe(65);
    expect(p.certificate.notAfter - p.certificate.notBefore).toBe(3650 * 86400);
    const dates = execFileSync('openssl', ['x509', '-inform', 'der', '-noout', '-startdate', '-in', join(CERTS, f)], { encoding: 'utf8' });
    const m = /notBefore=(\w+) +(\d+) (\d+):(\d+):(\d+) (\d+) GMT/.exec(dates)!;
    const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[1]!);
    expect(p.certificate.notBefore * 1000).toBe(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
    expect(verifyCertificateSignature(p.certificate)).toBe(true);
  });

  test('every truncation of a real certificate is an error, never a throw', () => {
    const der = new Uint8Array(readFileSync(join(CERTS, ders[0]!)));
    for (let n = 0; n < der.length; n++) expect(parseCertificate(der.subarray(0, n)).ok).toBe(false);
  });
});
