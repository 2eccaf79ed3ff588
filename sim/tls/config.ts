import type { Rng } from '../core/rng.ts';
import type { EcdsaKeyPair } from '../crypto/ecdsa.ts';
import { generateSelfSignedCertificate } from '../crypto/x509.ts';
import { CipherSuite, NamedGroup, Version } from '../wire/handshake/names.ts';

/** What a TLS endpoint offers and accepts (RFC 8446, RFC 5246). Every field has a default (`resolveTlsConfig`). */

export type TlsVersionName = '1.2' | '1.3';
export type TlsGroupName = 'x25519' | 'p256';
export type TlsSuiteName = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';

/** An ECDSA P-256 certificate (DER) and its key; the first certificate of `chain` is the endpoint's own. */
export interface TlsIdentity {
  readonly chain: readonly Uint8Array[];
  readonly keyPair: EcdsaKeyPair;
}

export interface TlsConfig {
  /** Versions allowed, in any order (default both). */
  readonly versions?: readonly TlsVersionName[];
  /** TLS 1.3 suites in preference order (default AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305). */
  readonly cipherSuites?: readonly TlsSuiteName[];
  /** Groups supported, in preference order (default x25519, p256). */
  readonly groups?: readonly TlsGroupName[];
  /** Client: the groups it sends a key share for in its first ClientHello (default the first group only). */
  readonly keyShares?: readonly TlsGroupName[];
  /** Client: the server name sent in SNI (RFC 6066 §3). Server: the common name of a generated certificate. */
  readonly serverName?: string;
  /** ALPN (RFC 7301): the client's offer, or the server's protocols in preference order. */
  readonly alpn?: readonly string[];
  /** Server: its certificate; generated from the RNG (self-signed ECDSA P-256) when absent. */
  readonly identity?: TlsIdentity;
  /** Client: accept the server's certificate only if its SHA-256 fingerprint (colon hex) is one of these. */
  readonly pinnedFingerprints?: readonly string[];
  /** Server: NewSessionTicket messages sent after the handshake (RFC 8446 §4.6.1; default 1, 0 for none). */
  readonly tickets?: number;
  /** Largest plaintext per record (RFC 8446 §5.1: at most 2^14, the default); smaller values fragment. */
  readonly maxFragment?: number;
  /** RFC 8446 Appendix D.4 middlebox compatibility (session id and ChangeCipherSpec), on by default as browsers do. */
  readonly middleboxCompat?: boolean;
}

export interface ResolvedTlsConfig {
  readonly versions: readonly number[];
  readonly cipherSuites: readonly number[];
  readonly groups: readonly number[];
  readonly keyShares: readonly number[];
  readonly serverName: string | undefined;
  readonly alpn: readonly string[];
  readonly identity: TlsIdentity | undefined;
  readonly pinnedFingerprints: readonly string[] | undefined;
  readonly tickets: number;
  readonly maxFragment: number;
  readonly middleboxCompat: boolean;
}

export const SUITE_CODES: Readonly<Record<TlsSuiteName, number>> = {
  TLS_AES_128_GCM_SHA256: CipherSuite.TLS_AES_128_GCM_SHA256,
  TLS_AES_256_GCM_SHA384: CipherSuite.TLS_AES_256_GCM_SHA384,
  TLS_CHACHA20_POLY1305_SHA256: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
};
export const GROUP_CODES: Readonly<Record<TlsGroupName, number>> = { x25519: NamedGroup.x25519, p256: NamedGroup.secp256r1 };
export const VERSION_CODES: Readonly<Record<TlsVersionName, number>> = { '1.2': Version.TLS1_2, '1.3': Version.TLS1_3 };

/** The one TLS 1.2 suite (RFC 5289): ECDHE-ECDSA with AES-128-GCM and SHA-256. */
export const TLS12_SUITE = CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

/** Fixed validity (2024-01-01 to 2034-01-01): nothing under sim/ reads a clock. */
const NOT_BEFORE = 1_704_067_200;
const NOT_AFTER = 2_019_686_400;

/** A self-signed ECDSA P-256 certificate drawn from `rng` (the same RNG gives the same certificate). */
export function generateTlsIdentity(rng: Rng, commonName: string): TlsIdentity {
  const c = generateSelfSignedCertificate({ rng, commonName, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
  return { chain: [c.der], keyPair: c.keyPair };
}

/** A problem with a configuration, named; undefined when it is usable. */
export function checkTlsConfig(c: TlsConfig): string | undefined {
  if (c.versions && c.versions.length === 0) return 'versions: at least one of 1.2, 1.3';
  if (c.cipherSuites && c.cipherSuites.length === 0) return 'cipherSuites: at least one suite';
  if (c.groups && c.groups.length === 0) return 'groups: at least one group';
  const groups = c.groups ?? ['x25519', 'p256'];
  for (const g of c.keyShares ?? []) if (!groups.includes(g)) return `keyShares: ${g} is not in groups`;
  if (c.maxFragment !== undefined && (!Number.isInteger(c.maxFragment) || c.maxFragment < 64 || c.maxFragment > 16384)) return 'maxFragment: an integer from 64 to 16384';
  if (c.tickets !== undefined && (!Number.isInteger(c.tickets) || c.tickets < 0 || c.tickets > 8)) return 'tickets: an integer from 0 to 8';
  for (const p of c.alpn ?? []) if (p.length === 0 || p.length > 255) return `alpn: protocol names are 1 to 255 bytes ("${p}")`;
  return undefined;
}

export function resolveTlsConfig(c: TlsConfig, role: 'client' | 'server', rng: Rng): ResolvedTlsConfig {
  const groups = (c.groups ?? ['x25519', 'p256']).map((g) => GROUP_CODES[g]);
  const versions = [...new Set<TlsVersionName>(c.versions ?? ['1.3', '1.2'])].map((v) => VERSION_CODES[v]).sort((a, b) => b - a);
  const identity = c.identity ?? (role === 'server' ? generateTlsIdentity(rng.fork('certificate'), c.serverName ?? 'rtclab') : undefined);
  return {
    versions,
    cipherSuites: (c.cipherSuites ?? ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']).map((s) => SUITE_CODES[s]),
    groups,
    keyShares: c.keyShares ? c.keyShares.map((g) => GROUP_CODES[g]) : groups.slice(0, 1),
    serverName: c.serverName,
    alpn: c.alpn ?? [],
    identity,
    pinnedFingerprints: c.pinnedFingerprints,
    tickets: c.tickets ?? 1,
    maxFragment: c.maxFragment ?? 16384,
    middleboxCompat: c.middleboxCompat ?? true,
  };
}
