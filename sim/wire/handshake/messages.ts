import { toHex } from '../../core/encoding.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import { EcCurveType, clientCertificateTypeName, ecCurveTypeName, namedGroupName, signatureSchemeName, withCode } from './names.ts';

/** The other TLS 1.2 handshake bodies used by DTLS-SRTP (RFC 5246 §7.4, RFC 8422 §5, RFC 5077 §3.3). */

export interface Certificate {
  readonly type: 'certificate';
  /** ASN.1 DER certificates, sender's own first (RFC 5246 §7.4.2). */
  readonly certificates: readonly Uint8Array[];
}

/** RFC 8422 §5.4 ServerKeyExchange for ECDHE_ECDSA: ServerECDHParams followed by a digitally-signed struct. */
export interface ServerKeyExchange {
  readonly type: 'server_key_exchange';
  readonly curveType: number;
  readonly namedGroup: number;
  /** The ECPoint (uncompressed P-256 point or 32-byte X25519 key). */
  readonly publicKey: Uint8Array;
  /** RFC 5246 §4.7 SignatureAndHashAlgorithm, as one 16-bit SignatureScheme. */
  readonly signatureScheme: number;
  readonly signature: Uint8Array;
}

/** RFC 5246 §7.4.4 CertificateRequest (TLS 1.2 form). */
export interface CertificateRequest {
  readonly type: 'certificate_request';
  readonly certificateTypes: readonly number[];
  readonly signatureSchemes: readonly number[];
  /** DER-encoded DistinguishedNames. */
  readonly certificateAuthorities: readonly Uint8Array[];
}

export interface ServerHelloDone {
  readonly type: 'server_hello_done';
}

/** RFC 5246 §7.4.8 */
export interface CertificateVerify {
  readonly type: 'certificate_verify';
  readonly signatureScheme: number;
  readonly signature: Uint8Array;
}

/** RFC 8422 §5.7 ClientECDiffieHellmanPublic: opaque point <1..2^8-1>. */
export interface ClientKeyExchange {
  readonly type: 'client_key_exchange';
  readonly publicKey: Uint8Array;
}

/** RFC 5246 §7.4.9: verify_data, 12 bytes for every TLS 1.2 suite we know. */
export interface Finished {
  readonly type: 'finished';
  readonly verifyData: Uint8Array;
}

/** RFC 5077 §3.3 */
export interface NewSessionTicket {
  readonly type: 'new_session_ticket';
  readonly ticketLifetimeHint: number;
  readonly ticket: Uint8Array;
}

const showBytes = (b: Uint8Array): string => (b.length <= 32 ? toHex(b) : `${b.length} bytes`);

/**
 * The certificate_list vector both TLS forms share (RFC 5246 §7.4.2, RFC 8446 §4.4.2): a 24-bit length, then
 * entries until it ends; `readEntry` reads one entry (a bare ASN.1Cert in 1.2, a CertificateEntry in 1.3).
 */
export function readCertificateList(r: Reader, readEntry: (end: number) => Uint8Array): Uint8Array[] {
  const certificates: Uint8Array[] = [];
  r.group(
    'certificate_list',
    () => {
      const total = r.u24('certificate_list length');
      const end = Math.min(r.pos + total, r.end);
      if (r.pos + total > r.end) r.problem(`certificate_list length ${total} runs past the message`, r.pos - 3, 3);
      while (r.pos < end && !r.truncated) certificates.push(readEntry(end));
    },
    () => `${certificates.length} certificate(s)`,
  );
  return certificates;
}

export function readCertificate(r: Reader): Certificate {
  const certificates = readCertificateList(r, (end) => {
    const len = r.u24('certificate length');
    const cert = r.bytes(Math.min(len, end - r.pos), 'ASN.1Cert', (b) => `${b.length} bytes of DER`);
    if (cert.length < len) r.problem(`certificate length ${len} runs past the list`, r.pos - cert.length - 3, 3);
    return cert;
  });
  return { type: 'certificate', certificates };
}

export function writeCertificate(w: Writer, m: Certificate): void {
  const at = w.pos;
  w.u24(0);
  for (const c of m.certificates) w.u24(c.length).bytes(c);
  w.setU24(at, w.pos - at - 3);
}

/** Reads ServerECDHParams (RFC 8422 §5.4): curve_type, namedcurve, public point. */
function readEcdhParams(r: Reader): { curveType: number; namedGroup: number; publicKey: Uint8Array } {
  return r.group(
    'ServerECDHParams',
    () => {
      const curveType = r.u8('curve_type', (v) => withCode(ecCurveTypeName(v), v, 2));
      if (curveType !== EcCurveType.named_curve) r.problem(`curve_type ${curveType} is not named_curve; only named curves are decoded`, r.pos - 1, 1);
      const namedGroup = r.u16('namedcurve', (v) => withCode(namedGroupName(v), v));
      const len = r.u8('public length');
      const publicKey = r.bytes(len, 'public', showBytes);
      return { curveType, namedGroup, publicKey };
    },
    (p) => namedGroupName(p.namedGroup),
  );
}

/** The ServerECDHParams bytes that the ServerKeyExchange signature covers (RFC 8422 §5.4). */
export function ecdhParamsBytes(w: Writer, m: Pick<ServerKeyExchange, 'curveType' | 'namedGroup' | 'publicKey'>): void {
  w.u8(m.curveType).u16(m.namedGroup).u8(m.publicKey.length).bytes(m.publicKey);
}

function readSigned(r: Reader): { signatureScheme: number; signature: Uint8Array } {
  const signatureScheme = r.u16('signature algorithm', (v) => withCode(signatureSchemeName(v), v));
  const len = r.u16('signature length');
  const signature = r.bytes(len, 'signature', showBytes);
  return { signatureScheme, signature };
}

export function readServerKeyExchange(r: Reader): ServerKeyExchange {
  const p = readEcdhParams(r);
  if (p.curveType !== EcCurveType.named_curve) {
    r.rest('unparsed');
    return { type: 'server_key_exchange', ...p, signatureScheme: 0, signature: new Uint8Array(0) };
  }
  return { type: 'server_key_exchange', ...p, ...readSigned(r) };
}

export function writeServerKeyExchange(w: Writer, m: ServerKeyExchange): void {
  ecdhParamsBytes(w, m);
  w.u16(m.signatureScheme).u16(m.signature.length).bytes(m.signature);
}

export function readCertificateRequest(r: Reader): CertificateRequest {
  const certificateTypes: number[] = [];
  r.group(
    'certificate_types',
    () => {
      const n = r.u8('certificate_types length');
      for (let i = 0; i < n && !r.truncated; i++) certificateTypes.push(r.u8('certificate type', (v) => withCode(clientCertificateTypeName(v), v, 2)));
    },
    () => certificateTypes.map(clientCertificateTypeName).join(', '),
  );
  const signatureSchemes: number[] = [];
  r.group(
    'supported_signature_algorithms',
    () => {
      const len = r.u16('supported_signature_algorithms length');
      const end = Math.min(r.pos + len, r.end);
      while (r.pos + 2 <= end && !r.truncated) signatureSchemes.push(r.u16('signature scheme', (v) => withCode(signatureSchemeName(v), v)));
      if (r.pos < end) r.skip(end - r.pos);
    },
    () => `${signatureSchemes.length} scheme(s)`,
  );
  const certificateAuthorities: Uint8Array[] = [];
  r.group(
    'certificate_authorities',
    () => {
      const len = r.u16('certificate_authorities length');
      const end = Math.min(r.pos + len, r.end);
      while (r.pos < end && !r.truncated) {
        const n = r.u16('DistinguishedName length');
        certificateAuthorities.push(r.bytes(n, 'DistinguishedName', (b) => `${b.length} bytes of DER`));
      }
    },
    () => `${certificateAuthorities.length}`,
  );
  return { type: 'certificate_request', certificateTypes, signatureSchemes, certificateAuthorities };
}

export function writeCertificateRequest(w: Writer, m: CertificateRequest): void {
  w.u8(m.certificateTypes.length);
  for (const t of m.certificateTypes) w.u8(t);
  w.u16(m.signatureSchemes.length * 2);
  for (const s of m.signatureSchemes) w.u16(s);
  const at = w.pos;
  w.u16(0);
  for (const dn of m.certificateAuthorities) w.u16(dn.length).bytes(dn);
  w.setU16(at, w.pos - at - 2);
}

export function readCertificateVerify(r: Reader): CertificateVerify {
  return { type: 'certificate_verify', ...readSigned(r) };
}

export function writeCertificateVerify(w: Writer, m: CertificateVerify): void {
  w.u16(m.signatureScheme).u16(m.signature.length).bytes(m.signature);
}

export function readClientKeyExchange(r: Reader): ClientKeyExchange {
  const len = r.u8('public length');
  if (len === 0) r.problem('ClientECDiffieHellmanPublic must not be empty (RFC 8422 §5.7)', r.pos - 1, 1);
  return { type: 'client_key_exchange', publicKey: r.bytes(len, 'ecdh_Yc', showBytes) };
}

export function writeClientKeyExchange(w: Writer, m: ClientKeyExchange): void {
  w.u8(m.publicKey.length).bytes(m.publicKey);
}

export function readFinished(r: Reader): Finished {
  const verifyData = r.rest('verify_data', toHex);
  if (verifyData.length !== 12) r.problem(`verify_data is ${verifyData.length} bytes, expected 12 (RFC 5246 §7.4.9)`, r.pos - verifyData.length, verifyData.length);
  return { type: 'finished', verifyData };
}

export function writeFinished(w: Writer, m: Finished): void {
  w.bytes(m.verifyData);
}

export function readNewSessionTicket(r: Reader): NewSessionTicket {
  const ticketLifetimeHint = r.u32('ticket_lifetime_hint', (v) => `${v} s`);
  const len = r.u16('ticket length');
  return { type: 'new_session_ticket', ticketLifetimeHint, ticket: r.bytes(len, 'ticket', (b) => `${b.length} bytes`) };
}

export function writeNewSessionTicket(w: Writer, m: NewSessionTicket): void {
  w.u32(m.ticketLifetimeHint).u16(m.ticket.length).bytes(m.ticket);
}
