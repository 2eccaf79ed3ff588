/** Registry names for DTLS/TLS code points (IANA TLS parameters), so every decoded number can be shown by name. */

/** RFC 5246 §6.2.1 ContentType (+ RFC 6520 heartbeat, RFC 9146 tls12_cid, RFC 8879 ack for DTLS 1.3). */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
  tls12_cid: 25,
  ack: 26,
} as const;
export type ContentTypeName = keyof typeof ContentType;

/** RFC 5246 §7.4 / RFC 6347 §4.2 / RFC 8446 §4 HandshakeType. */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;
export type HandshakeTypeName = keyof typeof HandshakeType;

/** Wire versions (RFC 6347 §4.1: DTLS 1.0 = {254,255}, DTLS 1.2 = {254,253}; RFC 9147: DTLS 1.3 = {254,252}). */
export const Version = {
  DTLS1_0: 0xfeff,
  DTLS1_2: 0xfefd,
  DTLS1_3: 0xfefc,
  TLS1_2: 0x0303,
  TLS1_3: 0x0304,
} as const;

/** RFC 5246 §7.2 AlertLevel and AlertDescription (+ RFC 8446 additions). */
export const AlertLevel = { warning: 1, fatal: 2 } as const;
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;
export type AlertDescriptionName = keyof typeof AlertDescription;

/** TLS cipher suites seen in WebRTC (IANA registry). */
export const CipherSuite = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 0xc009,
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 0xc00a,
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 0xc013,
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 0xc014,
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: 0xc0ae,
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM: 0xc0ac,
  TLS_RSA_WITH_AES_128_GCM_SHA256: 0x009c,
  TLS_RSA_WITH_AES_256_GCM_SHA384: 0x009d,
  TLS_RSA_WITH_AES_128_CBC_SHA: 0x002f,
  TLS_RSA_WITH_AES_256_CBC_SHA: 0x0035,
  TLS_PSK_WITH_AES_128_GCM_SHA256: 0x00a8,
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  TLS_FALLBACK_SCSV: 0x5600,
} as const;

/** TLS ExtensionType values (IANA). */
export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  compress_certificate: 27,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  signature_algorithms_cert: 50,
  key_share: 51,
  connection_id: 54,
  renegotiation_info: 0xff01,
} as const;

/** RFC 8422 §5.1.1 / RFC 8446 §4.2.7 NamedGroup. */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  X25519MLKEM768: 0x11ec,
  SecP256r1MLKEM768: 0x11eb,
} as const;

/** RFC 8446 §4.2.3 SignatureScheme (the TLS 1.2 {hash, signature} pairs share this code space). */
export const SignatureScheme = {
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
  rsa_pkcs1_sha224: 0x0301,
  ecdsa_sha224: 0x0303,
  rsa_pkcs1_sha256: 0x0401,
  ecdsa_secp256r1_sha256: 0x0403,
  rsa_pkcs1_sha384: 0x0501,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
  dsa_sha224: 0x0302,
  dsa_sha256: 0x0402,
  dsa_sha384: 0x0502,
  dsa_sha512: 0x0602,
} as const;

/** RFC 5764 §4.1.2 SRTPProtectionProfile (+ RFC 7714 §14.2 AEAD profiles). */
export const SrtpProtectionProfile = {
  SRTP_AES128_CM_HMAC_SHA1_80: 0x0001,
  SRTP_AES128_CM_HMAC_SHA1_32: 0x0002,
  SRTP_NULL_HMAC_SHA1_80: 0x0005,
  SRTP_NULL_HMAC_SHA1_32: 0x0006,
  SRTP_AEAD_AES_128_GCM: 0x0007,
  SRTP_AEAD_AES_256_GCM: 0x0008,
} as const;

/** RFC 8422 §5.1.2 ECPointFormat. */
export const EcPointFormat = { uncompressed: 0, ansiX962_compressed_prime: 1, ansiX962_compressed_char2: 2 } as const;

/** RFC 5246 §7.4.4 ClientCertificateType. */
export const ClientCertificateType = {
  rsa_sign: 1,
  dss_sign: 2,
  rsa_fixed_dh: 3,
  dss_fixed_dh: 4,
  ecdsa_sign: 64,
  rsa_fixed_ecdh: 65,
  ecdsa_fixed_ecdh: 66,
} as const;

/** RFC 8422 §5.4 ECCurveType. */
export const EcCurveType = { explicit_prime: 1, explicit_char2: 2, named_curve: 3 } as const;

function reverse(table: Readonly<Record<string, number>>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) if (!m.has(v)) m.set(v, k);
  return m;
}

const hex4 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;

/** A name lookup that falls back to "unknown (0x....)" for values outside the table. */
function namer(table: Readonly<Record<string, number>>, width: number): (v: number) => string {
  const m = reverse(table);
  return (v) => m.get(v) ?? (width === 4 && isGrease(v) ? `GREASE (${hex4(v)})` : `unknown (0x${v.toString(16).padStart(width, '0')})`);
}

export const contentTypeName = namer(ContentType, 2);
export const handshakeTypeName = namer(HandshakeType, 2);
export const alertLevelName = namer(AlertLevel, 2);
export const alertDescriptionName = namer(AlertDescription, 2);
export const cipherSuiteName = namer(CipherSuite, 4);
export const extensionTypeName = namer(ExtensionType, 4);
export const namedGroupName = namer(NamedGroup, 4);
export const signatureSchemeName = namer(SignatureScheme, 4);
export const srtpProfileName = namer(SrtpProtectionProfile, 4);
export const ecPointFormatName = namer(EcPointFormat, 2);
export const clientCertificateTypeName = namer(ClientCertificateType, 2);
export const ecCurveTypeName = namer(EcCurveType, 2);

/** "DTLS 1.2" for 0xfefd; unknown versions in hex. GREASE values (RFC 8701) are named as such. */
export function versionName(v: number): string {
  switch (v) {
    case Version.DTLS1_0:
      return 'DTLS 1.0';
    case Version.DTLS1_2:
      return 'DTLS 1.2';
    case Version.DTLS1_3:
      return 'DTLS 1.3';
    case Version.TLS1_2:
      return 'TLS 1.2';
    case Version.TLS1_3:
      return 'TLS 1.3';
    default:
      return isGrease(v) ? `GREASE (${hex4(v)})` : `unknown (${hex4(v)})`;
  }
}

/** RFC 8701 §2: GREASE values are 0x?a?a with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** Name with its number: "use_srtp (14)", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)". */
export function withCode(name: string, v: number, width = 4): string {
  return name.startsWith('unknown') ? name : `${name} (0x${v.toString(16).padStart(width, '0')})`;
}
