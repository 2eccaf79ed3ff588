import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8Decode, utf8Encode } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import { Tag, bitString, children, explicit, integerSmall, integerUnsigned, oid, oidToString, readTlv, sequence, set, tlv } from './der.ts';
import type { Tlv } from './der.ts';
import { ecdsaSign, ecdsaVerify, generateEcdsaKeyPair } from './ecdsa.ts';
import type { EcdsaKeyPair } from './ecdsa.ts';

/** Self-signed ECDSA P-256 X.509 v3 certificates (RFC 5280 §4.1, RFC 5480, RFC 5758 §3.2) and reading them back. */

export const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  commonName: '2.5.4.3',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  rsaEncryption: '1.2.840.113549.1.1.1',
} as const;

const OID_NAMES: Record<string, string> = {
  [OID.ecdsaWithSHA256]: 'ecdsa-with-SHA256',
  [OID.ecPublicKey]: 'id-ecPublicKey',
  [OID.prime256v1]: 'prime256v1',
  [OID.sha256WithRSAEncryption]: 'sha256WithRSAEncryption',
  [OID.rsaEncryption]: 'rsaEncryption',
};

// ---- time without Date: days from civil (proleptic Gregorian, after H. Hinnant's algorithm) ----

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** "2026-12-07T01:00:00.001Z" for milliseconds since 1970 (UTC), without Date: sim/ reads no clock or locale. */
export function isoTime(unixMs: number): string {
  const ms = Math.round(unixMs);
  const days = Math.floor(ms / 86_400_000);
  const rest = ms - days * 86_400_000;
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}T${pad(Math.floor(rest / 3_600_000))}:${pad(Math.floor(rest / 60_000) % 60)}:${pad(Math.floor(rest / 1000) % 60)}.${pad(rest % 1000, 3)}Z`;
}

/** RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050. */
export function encodeTime(unixSeconds: number): Uint8Array {
  const days = Math.floor(unixSeconds / 86400);
  const secs = unixSeconds - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const hms = `${pad(Math.floor(secs / 3600))}${pad(Math.floor(secs / 60) % 60)}${pad(secs % 60)}Z`;
  if (y >= 1950 && y < 2050) return tlv(Tag.UTCTime, utf8Encode(`${pad(y % 100)}${pad(m)}${pad(d)}${hms}`));
  return tlv(Tag.GeneralizedTime, utf8Encode(`${pad(y, 4)}${pad(m)}${pad(d)}${hms}`));
}

/** Seconds since 1970 from a UTCTime/GeneralizedTime element; undefined when malformed. */
export function decodeTime(t: Tlv): number | undefined {
  const s = utf8Decode(t.content);
  const m = t.tag === Tag.UTCTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, ys, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  const y = t.tag === Tag.UTCTime ? (ys >= 50 ? 1900 + ys : 2000 + ys) : ys;
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

// ---- generation ----

export interface CertificateOptions {
  readonly rng: Rng;
  readonly commonName: string;
  /** Validity in seconds since 1970-01-01T00:00:00Z (fixed by the caller: nothing here reads a clock). */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Use this key instead of drawing one from the Rng. */
  readonly keyPair?: EcdsaKeyPair;
}

export interface GeneratedCertificate {
  readonly der: Uint8Array;
  readonly keyPair: EcdsaKeyPair;
  /** SHA-256 fingerprint in the SDP form (RFC 8122 §5). */
  readonly fingerprint: string;
}

function name(cn: string): Uint8Array {
  return sequence(set(sequence(oid(OID.commonName), tlv(Tag.UTF8String, utf8Encode(cn)))));
}

/** A minimal, valid v3 self-signed certificate: serial, ecdsa-with-SHA256, issuer = subject = CN, validity, SPKI. */
export function generateSelfSignedCertificate(o: CertificateOptions): GeneratedCertificate {
  const keyPair = o.keyPair ?? generateEcdsaKeyPair(o.rng);
  // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 16 random bytes with the top bit cleared.
  const serial = o.rng.bytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const algorithm = sequence(oid(OID.ecdsaWithSHA256)); // RFC 5758 §3.2: parameters absent
  const spki = sequence(sequence(oid(OID.ecPublicKey), oid(OID.prime256v1)), bitString(keyPair.publicKey)); // RFC 5480 §2
  const tbs = sequence(
    explicit(0, integerSmall(2)), // v3
    integerUnsigned(serial),
    algorithm,
    name(o.commonName),
    sequence(encodeTime(o.notBefore), encodeTime(o.notAfter)),
    name(o.commonName),
    spki,
  );
  const der = sequence(tbs, algorithm, bitString(ecdsaSign(keyPair.privateKey, tbs)));
  return { der, keyPair, fingerprint: certificateFingerprint(der) };
}

/** RFC 8122 §5: upper-case hex pairs joined by colons, over SHA-256 of the DER certificate. */
export function certificateFingerprint(der: Uint8Array): string {
  return toHex(sha256(der), ':').toUpperCase();
}

// ---- parsing ----

export interface ParsedCertificate {
  readonly version: number;
  readonly serialNumber: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signatureAlgorithmName: string;
  readonly issuerCommonName?: string;
  readonly subjectCommonName?: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly publicKeyAlgorithm: string;
  /** The named curve OID for EC keys. */
  readonly namedCurve?: string;
  /** The subjectPublicKey BIT STRING contents (for EC: the uncompressed point). */
  readonly publicKey: Uint8Array;
  /** The DER TBSCertificate, which the signature covers. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
}

export type ParseCertificateResult = { readonly ok: true; readonly certificate: ParsedCertificate } | { readonly ok: false; readonly error: string };

function commonNameOf(nameTlv: Tlv): string | undefined {
  for (const rdn of children(nameTlv) ?? []) {
    for (const atv of children(rdn) ?? []) {
      const [type, value] = children(atv) ?? [];
      if (type?.tag === Tag.OID && oidToString(type.content) === OID.commonName && value) return utf8Decode(value.content);
    }
  }
  return undefined;
}

function bitStringBytes(t: Tlv | undefined): Uint8Array | undefined {
  if (t?.tag !== Tag.BIT_STRING || t.content.length < 1 || t.content[0] !== 0) return undefined;
  return t.content.subarray(1);
}

/** Reads what DTLS-SRTP needs out of a certificate; malformed input gives an error, never a throw. */
export function parseCertificate(der: Uint8Array): ParseCertificateResult {
  const fail = (error: string): ParseCertificateResult => ({ ok: false, error });
  const top = readTlv(der, 0);
  if (!top || top.tag !== Tag.SEQUENCE) return fail('not a DER SEQUENCE');
  if (top.raw.length !== der.length) return fail(`${der.length - top.raw.length} trailing byte(s) after the certificate`);
  const [tbsT, sigAlgT, sigT] = children(top) ?? [];
  if (!tbsT || !sigAlgT || !sigT || tbsT.tag !== Tag.SEQUENCE) return fail('Certificate must be SEQUENCE { tbsCertificate, signatureAlgorithm, signature }');
  const tbs = children(tbsT);
  if (!tbs) return fail('malformed TBSCertificate');
  let i = 0;
  let version = 1;
  if (tbs[0]?.tag === 0xa0) {
    const v = readTlv(tbs[0].content, 0);
    if (!v || v.tag !== Tag.INTEGER || v.content.length !== 1) return fail('malformed version');
    version = v.content[0]! + 1;
    i = 1;
  }
  const [serialT, , issuerT, validityT, subjectT, spkiT] = tbs.slice(i);
  if (serialT?.tag !== Tag.INTEGER || !issuerT || !validityT || !subjectT || !spkiT) return fail('TBSCertificate is missing fields');
  const [nb, na] = children(validityT) ?? [];
  const notBefore = nb ? decodeTime(nb) : undefined;
  const notAfter = na ? decodeTime(na) : undefined;
  if (notBefore === undefined || notAfter === undefined) return fail('malformed validity');
  const [algT, pkT] = children(spkiT) ?? [];
  const [pkAlg, pkParam] = algT ? (children(algT) ?? []) : [];
  const publicKey = bitStringBytes(pkT);
  if (pkAlg?.tag !== Tag.OID || !publicKey) return fail('malformed SubjectPublicKeyInfo');
  const sigOid = children(sigAlgT)?.[0];
  const signature = bitStringBytes(sigT);
  if (sigOid?.tag !== Tag.OID || !signature) return fail('malformed signature');
  const signatureAlgorithm = oidToString(sigOid.content);
  const issuerCommonName = commonNameOf(issuerT);
  const subjectCommonName = commonNameOf(subjectT);
  return {
    ok: true,
    certificate: {
      version,
      serialNumber: serialT.content,
      signatureAlgorithm,
      signatureAlgorithmName: OID_NAMES[signatureAlgorithm] ?? signatureAlgorithm,
      ...(issuerCommonName !== undefined ? { issuerCommonName } : {}),
      ...(subjectCommonName !== undefined ? { subjectCommonName } : {}),
      notBefore,
      notAfter,
      publicKeyAlgorithm: oidToString(pkAlg.content),
      ...(pkParam?.tag === Tag.OID ? { namedCurve: oidToString(pkParam.content) } : {}),
      publicKey,
      tbs: tbsT.raw,
      signature,
    },
  };
}

/** Checks an ecdsa-with-SHA256 signature over the TBSCertificate (self-signed: pass the certificate's own key). */
export function verifyCertificateSignature(cert: ParsedCertificate, issuerPublicKey: Uint8Array = cert.publicKey): boolean {
  return cert.signatureAlgorithm === OID.ecdsaWithSHA256 && ecdsaVerify(issuerPublicKey, cert.tbs, cert.signature);
}
