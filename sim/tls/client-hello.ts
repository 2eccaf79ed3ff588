import { toHex } from '../core/encoding.ts';
import { generateEcdheKeyPair, type EcdheGroupCode, type EcdheKeyPair } from '../crypto/ecdhe.ts';
import type { ClientHello } from '../wire/handshake/hello.ts';
import {
  alpnExtension,
  ecPointFormatsExtension,
  extendedMasterSecretExtension,
  keyShareExtension,
  rawExtension,
  renegotiationInfoExtension,
  serverNameExtension,
  signatureAlgorithmsExtension,
  supportedGroupsExtension,
  supportedVersionsExtension,
  type Extension,
} from '../wire/handshake/extensions.ts';
import { CipherSuite, ExtensionType, Version, cipherSuiteName, namedGroupName, versionName } from '../wire/handshake/names.ts';
import type { HandshakeHost } from './handshake-host.ts';
import { TLS12_SUITE } from './config.ts';
import { tlsNote } from './notes.ts';
import { SIGNATURE_SCHEMES } from './peer-certificate.ts';

/** The client's ClientHello (RFC 8446 §4.1.2; for TLS 1.2, RFC 5246 §7.4.1.2 with RFC 8422, 7627, 5746). */


export interface ClientOffer {
  readonly hello: ClientHello;
  /** The ECDHE key pairs whose shares the hello carries (TLS 1.3), by group. */
  readonly keyPairs: readonly EcdheKeyPair[];
}

export function offers13(host: HandshakeHost): boolean {
  return host.config.versions.includes(Version.TLS1_3);
}

export function offers12(host: HandshakeHost): boolean {
  return host.config.versions.includes(Version.TLS1_2);
}

/**
 * Builds a ClientHello. `retry` is the HelloRetryRequest's answer (RFC 8446 §4.1.2): the same hello with one
 * share of the group asked for, and the cookie echoed.
 */
export function buildClientHello(
  host: HandshakeHost,
  random: Uint8Array,
  sessionId: Uint8Array,
  retry?: { readonly group: EcdheGroupCode; readonly cookie?: Uint8Array },
): ClientOffer {
  const c = host.config;
  const tls13 = offers13(host);
  const tls12 = offers12(host);
  const keyPairs = tls13 ? (retry ? [retry.group] : c.keyShares).map((g) => generateEcdheKeyPair(g as EcdheGroupCode, host.rng)) : [];
  const ext: Extension[] = [];
  if (c.serverName !== undefined) ext.push(serverNameExtension(c.serverName));
  if (tls12) ext.push(ecPointFormatsExtension([0]));
  ext.push(supportedGroupsExtension(c.groups));
  if (c.alpn.length) ext.push(alpnExtension(c.alpn));
  if (tls12) ext.push(extendedMasterSecretExtension());
  ext.push(signatureAlgorithmsExtension(SIGNATURE_SCHEMES));
  if (tls13) {
    ext.push(supportedVersionsExtension(c.versions));
    if (retry?.cookie) ext.push(rawExtension(ExtensionType.cookie, retry.cookie));
    // RFC 8446 §4.2.9: psk_dhe_ke (1), as browsers send it; the server may then send NewSessionTicket
    ext.push(rawExtension(ExtensionType.psk_key_exchange_modes, new Uint8Array([1, 1])));
    ext.push(keyShareExtension(keyPairs.map((k) => ({ group: k.group, keyExchange: k.publicKey }))));
  }
  if (tls12) ext.push(renegotiationInfoExtension());
  const hello: ClientHello = {
    type: 'client_hello',
    clientVersion: Version.TLS1_2,
    random,
    sessionId,
    cookie: new Uint8Array(0),
    cipherSuites: [...(tls13 ? c.cipherSuites : []), ...(tls12 ? [TLS12_SUITE, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] : [])],
    compressionMethods: [0],
    extensions: ext,
  };
  return { hello, keyPairs };
}

export function clientHelloNote(role: 'client' | 'server', hello: ClientHello, versions: readonly number[], shares: readonly number[], sni: string | undefined, alpn: readonly string[]) {
  const v = versions.map(versionName);
  return tlsNote(
    'tls.client-hello',
    `${role === 'client' ? 'ClientHello sent' : 'ClientHello read'}: ${v.join('/')}${sni ? `, SNI ${sni}` : ''}${alpn.length ? `, ALPN ${alpn.join(',')}` : ''}${shares.length ? `, key shares ${shares.map(namedGroupName).join(', ')}` : ''} (random ${toHex(hello.random).slice(0, 16)}…)`,
    { role, versions: v, cipherSuites: hello.cipherSuites.map(cipherSuiteName), keyShares: shares.map(namedGroupName), sni: sni ?? null, alpn: [...alpn] },
  );
}
