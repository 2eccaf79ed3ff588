import type { TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { NamedGroup, SrtpProtectionProfile } from '../wire/handshake/names.ts';
import type { EcdheGroupCode } from '../crypto/ecdhe.ts';
import { INITIAL_RETRANSMIT_TIMEOUT, MAX_RETRANSMIT_TIMEOUT } from './flights.ts';
import type { DtlsIdentity } from './identity.ts';
import type { ClientHello } from '../wire/handshake/hello.ts';

/** `a=setup:active` makes this side the DTLS client, `passive` the server (RFC 5763 §5). */
export type DtlsRole = 'client' | 'server';

export type DtlsCurveName = 'x25519' | 'p256';
export type DtlsSrtpProfileName = 'SRTP_AES128_CM_HMAC_SHA1_80' | 'SRTP_AEAD_AES_128_GCM';

export const CURVES: Readonly<Record<DtlsCurveName, EcdheGroupCode>> = { x25519: NamedGroup.x25519, p256: NamedGroup.secp256r1 };
export const SRTP_PROFILE_IDS: Readonly<Record<DtlsSrtpProfileName, number>> = {
  SRTP_AES128_CM_HMAC_SHA1_80: SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80,
  SRTP_AEAD_AES_128_GCM: SrtpProtectionProfile.SRTP_AEAD_AES_128_GCM,
};

export interface DtlsEndpointOptions {
  readonly role: DtlsRole;
  /** The endpoint's own stream: randoms, ECDHE keys, the cookie secret. */
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  /** Where datagrams are sent from (the local side of the selected pair). */
  readonly local: TransportAddress;
  /** The peer; a server may leave it out and take it from the first ClientHello with a valid cookie. */
  readonly remote?: TransportAddress;
  /** The peer's `a=fingerprint` from signaling ("sha-256 AB:CD:…"); absent: not checked (a note says so). */
  readonly remoteFingerprint?: string;
  /** Key exchange groups in preference order (default X25519, then P-256). */
  readonly curves?: readonly DtlsCurveName[];
  /** use_srtp profiles in preference order (default AEAD_AES_128_GCM, then AES128_CM_HMAC_SHA1_80). */
  readonly srtpProfiles?: readonly DtlsSrtpProfileName[];
  /** Largest UDP payload to send; handshake messages are fragmented to fit (default 1200). */
  readonly mtu?: number;
  /**
   * After more than two timer retransmissions of a flight, fall back to 548 bytes (IPv4) or 1232 (IPv6), as OpenSSL
   * and BoringSSL on a datagram socket do (default false: WebRTC's BIO gives BoringSSL no fallback; sim/dtls/pmtu.ts).
   */
  readonly mtuFallback?: boolean;
  /** Server: answer a ClientHello without a valid cookie with a HelloVerifyRequest (default true). */
  readonly cookieExchange?: boolean;
  /**
   * What the server's cookie is bound to (RFC 6347 §4.2.1, RFC 9147 §5.1): 'address' (default), the client's IP and
   * port; 'transport', the transport the endpoint runs over, for DTLS over ICE (RFC 8842 §5.5: one association per ICE
   * transport; ICE authenticated every pair, and a client may move to another pair between its two ClientHellos).
   */
  readonly cookieBinding?: 'address' | 'transport';
  /** Initial retransmission timeout (default 1 s) and its cap (default 60 s), RFC 6347 §4.2.4.1. */
  readonly initialTimeout?: number;
  readonly maxTimeout?: number;
  /** Timer retransmissions of one flight before the handshake is given up (default 7). */
  readonly maxRetransmits?: number;
  /**
   * DTLS versions this side offers (client) or accepts (server), RFC 8446 §4.2.1 supported_versions: default ['1.2']
   * (this endpoint). With '1.3', sim/dtls/v13/factory.ts makes a DTLS 1.3 endpoint that falls back to 1.2 when both
   * are listed.
   */
  readonly versions?: readonly DtlsVersionName[];
  /** DTLS 1.3 key exchange groups in preference order (default x25519, p256); `x25519mlkem768` is the hybrid. */
  readonly groups13?: readonly ('x25519' | 'p256' | 'x25519mlkem768')[];
  /** DTLS 1.3 client: the groups it sends key shares for in its first ClientHello (default the first of groups13). */
  readonly keyShares13?: readonly ('x25519' | 'p256' | 'x25519mlkem768')[];
  readonly adoptClientHello?: DtlsFallbackOptions['adoptClientHello'];
  readonly downgradeSentinel?: boolean;
}

export type DtlsVersionName = '1.2' | '1.3';

/** Internal to sim/dtls/v13/factory.ts: what a DTLS 1.2 endpoint is told when DTLS 1.3 was offered or possible. */
export interface DtlsFallbackOptions {
  /** Client: the DTLS 1.3 ClientHello already sent (its records up to `nextRecordSeq`), which this endpoint goes on from. */
  readonly adoptClientHello?: { readonly hello: ClientHello; readonly nextRecordSeq: number };
  /** Server: a DTLS 1.3-capable server agreeing to 1.2 ends its random with the sentinel (RFC 8446 §4.1.3). */
  readonly downgradeSentinel?: boolean;
}

export interface DtlsConfig {
  readonly role: DtlsRole;
  readonly groups: readonly EcdheGroupCode[];
  readonly srtpProfiles: readonly number[];
  readonly mtu: number;
  readonly cookieExchange: boolean;
  readonly cookieBinding: 'address' | 'transport';
  readonly initialTimeout: number;
  readonly maxTimeout: number;
  readonly maxRetransmits: number;
  readonly remoteFingerprint: string | undefined;
  readonly downgradeSentinel: boolean;
}

export function resolveConfig(o: DtlsEndpointOptions): DtlsConfig {
  const mtu = o.mtu ?? 1200;
  if (!Number.isInteger(mtu) || mtu < 128) throw new RangeError(`DTLS mtu ${mtu}: at least 128 bytes`);
  return {
    role: o.role,
    groups: (o.curves ?? ['x25519', 'p256']).map((c) => CURVES[c]),
    // AES-CM first, as the use_srtp offer lists it: Wireshark 4.0 misplaces the RFC 7714 SRTCP trailer of
    // AEAD-GCM and calls some encrypted SRTCP malformed, so the default export stays clean; GCM is one option away
    srtpProfiles: (o.srtpProfiles ?? ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM']).map((p) => SRTP_PROFILE_IDS[p]),
    mtu,
    cookieExchange: o.cookieExchange ?? true,
    cookieBinding: o.cookieBinding ?? 'address',
    initialTimeout: o.initialTimeout ?? INITIAL_RETRANSMIT_TIMEOUT,
    maxTimeout: o.maxTimeout ?? MAX_RETRANSMIT_TIMEOUT,
    maxRetransmits: o.maxRetransmits ?? 7,
    remoteFingerprint: o.remoteFingerprint,
    downgradeSentinel: o.downgradeSentinel ?? false,
  };
}
