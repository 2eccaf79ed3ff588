import { toHex, utf8Decode } from '../core/encoding.ts';
import { children, oidToString, readTlv, Tag, type Tlv } from './der.ts';
import { certificateFingerprint, isoTime, OID, parseCertificate } from './x509.ts';

/**
 * A certificate as an engineer reads it (what `openssl x509 -text` shows first): subject and issuer names in
 * OpenSSL's one-line form ("C = US, O = Example, CN = host"), validity, public key algorithm and size, signature
 * algorithm, serial number, and the SHA-256 fingerprint RFC 8122 §5 compares with a=fingerprint.
 */
export interface CertificateDescription {
  readonly version: number;
  /** Lower-case hex pairs joined by colons, as OpenSSL prints a serial of more than 8 bytes. */
  readonly serial: string;
  readonly subject: string;
  readonly issuer: string;
  readonly selfIssued: boolean;
  /** ISO 8601 UTC ("2026-11-21T05:18:53.000Z") and OpenSSL's form ("Nov 21 05:18:53 2026 GMT"). */
  readonly notBefore: string;
  readonly notAfter: string;
  readonly notBeforeText: string;
  readonly notAfterText: string;
  /** "id-ecPublicKey", "rsaEncryption", "ED25519" … or the OID. */
  readonly publicKeyAlgorithm: string;
  readonly publicKeyBits?: number;
  /** The named curve of an EC key ("prime256v1"). */
  readonly curve?: string;
  readonly signatureAlgorithm: string;
  /** RFC 8122 §5: upper-case hex pairs over SHA-256 of the DER. */
  readonly sha256: string;
}

const NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const ALGORITHMS: Record<string, string> = {
  [OID.ecPublicKey]: 'id-ecPublicKey',
  [OID.rsaEncryption]: 'rsaEncryption',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
};

const CURVES: Record<string, { name: string; bits: number }> = {
  '1.2.840.10045.3.1.7': { name: 'prime256v1', bits: 256 },
  '1.3.132.0.34': { name: 'secp384r1', bits: 384 },
  '1.3.132.0.35': { name: 'secp521r1', bits: 521 },
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** OpenSSL's ASN1_TIME form: "Nov 21 05:18:53 2026 GMT", the day padded with a space. */
function opensslTime(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  if (!m) return iso;
  return `${MONTHS[Number(m[2]) - 1]} ${String(Number(m[3])).padStart(2, ' ')} ${m[4]} ${m[1]} GMT`;
}

/** A Name (RFC 5280 §4.1.2.4) in OpenSSL's one-line form: RDNs in order, "type = value" joined by ", ". */
function nameText(name: Tlv | undefined): string {
  const rdns: string[] = [];
  for (const rdn of (name && children(name)) ?? []) {
    const parts: string[] = [];
    for (const atv of children(rdn) ?? []) {
      const [type, value] = children(atv) ?? [];
      if (type?.tag !== Tag.OID || !value) continue;
      const oid = oidToString(type.content);
      const text = value.tag === 0x1e ? bmpText(value.content) : utf8Decode(value.content);
      // OpenSSL quotes a value holding a separator
      parts.push(`${NAMES[oid] ?? oid} = ${/[,+;<>#="]/.test(text) ? `"${text.replace(/"/g, '\\"')}"` : text}`);
    }
    if (parts.length) rdns.push(parts.join(' + '));
  }
  return rdns.join(', ');
}

function bmpText(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s;
}

/** RSA: the modulus's size in bits (RFC 8017 §A.1.1 RSAPublicKey), without its sign byte. */
function rsaBits(publicKey: Uint8Array): number | undefined {
  const top = readTlv(publicKey, 0);
  const n = top && children(top)?.[0];
  if (n?.tag !== Tag.INTEGER) return undefined;
  let i = 0;
  while (i < n.content.length && n.content[i] === 0) i++;
  if (i === n.content.length) return 0;
  return (n.content.length - i - 1) * 8 + (32 - Math.clz32(n.content[i]!));
}

/** Describes a DER certificate, or says why it cannot be read (never throws). */
export function describeCertificate(der: Uint8Array): { ok: true; value: CertificateDescription } | { ok: false; error: string } {
  const parsed = parseCertificate(der);
  if (!parsed.ok) return parsed;
  const c = parsed.certificate;
  // the names again, whole (parseCertificate keeps the common names only)
  const tbs = readTlv(c.tbs, 0);
  const fields = tbs ? (children(tbs) ?? []) : [];
  const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  const issuer = nameText(rest[2]);
  const subject = nameText(rest[4]);
  const curve = c.namedCurve ? CURVES[c.namedCurve] : undefined;
  const algorithm = ALGORITHMS[c.publicKeyAlgorithm] ?? c.publicKeyAlgorithm;
  const bits = c.publicKeyAlgorithm === OID.rsaEncryption ? rsaBits(c.publicKey) : curve ? curve.bits : c.publicKeyAlgorithm === '1.3.101.112' ? 256 : c.publicKeyAlgorithm === '1.3.101.113' ? 456 : undefined;
  const notBefore = isoTime(c.notBefore * 1000);
  const notAfter = isoTime(c.notAfter * 1000);
  return {
    ok: true,
    value: {
      version: c.version,
      serial: toHex(c.serialNumber.length > 1 && c.serialNumber[0] === 0 ? c.serialNumber.subarray(1) : c.serialNumber, ':'),
      subject,
      issuer,
      selfIssued: subject === issuer,
      notBefore,
      notAfter,
      notBeforeText: opensslTime(notBefore),
      notAfterText: opensslTime(notAfter),
      publicKeyAlgorithm: algorithm,
      ...(bits !== undefined ? { publicKeyBits: bits } : {}),
      ...(curve ? { curve: curve.name } : c.namedCurve ? { curve: c.namedCurve } : {}),
      signatureAlgorithm: ALGORITHMS[c.signatureAlgorithm] ?? c.signatureAlgorithmName,
      sha256: certificateFingerprint(der),
    },
  };
}
