import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8Encode } from '../../core/encoding.ts';
import { formatChallenge, parseChallenge, type SipChallenge } from './headers.ts';

/**
 * HTTP Digest authentication as SIP uses it (RFC 3261 §22.4 on RFC 2617, with SHA-256 from RFC 8760 / RFC 7616):
 * A1 = username:realm:password (the -sess variants hash it with the nonce and cnonce), A2 = method:digest-uri, and
 * with qop=auth the response is H(H(A1):nonce:nc:cnonce:qop:H(A2)); without qop, H(H(A1):nonce:H(A2)).
 */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm: DigestAlgorithm;
  /** The qop values offered ("auth"); empty for an RFC 2069 challenge. */
  readonly qop: readonly string[];
  readonly opaque?: string;
  /** RFC 7616 §3.3: the nonce was stale, the credentials were right (retry without asking the user). */
  readonly stale: boolean;
}

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop?: 'auth';
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  const bytes = utf8Encode(text);
  return toHex(algorithm.startsWith('SHA-256') ? sha256(bytes) : md5(bytes));
}

function algorithmOf(text: string | undefined): DigestAlgorithm | string {
  if (text === undefined) return 'MD5'; // RFC 7616 §3.3: absent means MD5
  const a = DIGEST_ALGORITHMS.find((x) => x.toLowerCase() === text.toLowerCase());
  return a ?? `digest algorithm ${JSON.stringify(text)} is not MD5, MD5-sess, SHA-256 or SHA-256-sess (RFC 8760 §2)`;
}

/** The `response` of RFC 7616 §3.4.1 (RFC 2617 §3.2.2.1). */
export function digestResponse(o: {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}): string {
  let ha1 = hash(o.algorithm, `${o.username}:${o.realm}:${o.password}`);
  if (o.algorithm.endsWith('-sess')) ha1 = hash(o.algorithm, `${ha1}:${o.nonce}:${o.cnonce ?? ''}`);
  const ha2 = hash(o.algorithm, `${o.method}:${o.uri}`);
  return o.qop ? hash(o.algorithm, `${ha1}:${o.nonce}:${o.nc ?? ''}:${o.cnonce ?? ''}:${o.qop}:${ha2}`) : hash(o.algorithm, `${ha1}:${o.nonce}:${ha2}`);
}

/** A WWW-Authenticate / Proxy-Authenticate value as a digest challenge, or what is wrong with it. */
export function parseDigestChallenge(text: string): DigestChallenge | string {
  const c = parseChallenge(text);
  if (typeof c === 'string') return c;
  if (c.scheme.toLowerCase() !== 'digest') return `challenge scheme ${c.scheme} is not Digest (RFC 3261 §22.4)`;
  const realm = c.params.get('realm');
  const nonce = c.params.get('nonce');
  if (realm === undefined || nonce === undefined) return `Digest challenge without ${realm === undefined ? 'realm' : 'nonce'} (RFC 7616 §3.3)`;
  const algorithm = algorithmOf(c.params.get('algorithm'));
  if (!DIGEST_ALGORITHMS.includes(algorithm as DigestAlgorithm)) return algorithm;
  const qop = (c.params.get('qop') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const opaque = c.params.get('opaque');
  return { realm, nonce, algorithm: algorithm as DigestAlgorithm, qop, ...(opaque !== undefined ? { opaque } : {}), stale: (c.params.get('stale') ?? '').toLowerCase() === 'true' };
}

export function formatDigestChallenge(c: DigestChallenge): string {
  const p: [string, string][] = [['realm', c.realm], ['nonce', c.nonce]];
  if (c.opaque !== undefined) p.push(['opaque', c.opaque]);
  if (c.stale) p.push(['stale', 'TRUE']);
  p.push(['algorithm', c.algorithm]);
  if (c.qop.length) p.push(['qop', c.qop.join(',')]);
  return formatChallenge('Digest', p);
}

/** An Authorization / Proxy-Authorization value as digest credentials, or what is wrong with it (RFC 7616 §3.4). */
export function parseDigestCredentials(text: string): DigestCredentials | string {
  const c: SipChallenge | string = parseChallenge(text);
  if (typeof c === 'string') return c;
  if (c.scheme.toLowerCase() !== 'digest') return `credentials scheme ${c.scheme} is not Digest (RFC 3261 §22.4)`;
  const get = (k: string): string | undefined => c.params.get(k);
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response']) if (get(k) === undefined) return `Digest credentials without ${k} (RFC 7616 §3.4)`;
  const algorithm = algorithmOf(get('algorithm'));
  if (!DIGEST_ALGORITHMS.includes(algorithm as DigestAlgorithm)) return algorithm;
  const qop = get('qop');
  if (qop !== undefined && qop !== 'auth') return `qop=${qop}: only auth is supported (RFC 7616 §3.4: auth-int protects the body)`;
  if (qop && (get('nc') === undefined || get('cnonce') === undefined)) return 'qop=auth without nc and cnonce (RFC 7616 §3.4)';
  if (qop && !/^[0-9a-fA-F]{8}$/.test(get('nc')!)) return `nc=${get('nc')} is not 8 hex digits (RFC 7616 §3.4)`;
  const opaque = get('opaque');
  return {
    username: get('username')!,
    realm: get('realm')!,
    nonce: get('nonce')!,
    uri: get('uri')!,
    response: get('response')!.toLowerCase(),
    algorithm: algorithm as DigestAlgorithm,
    ...(qop ? { qop: 'auth' as const, nc: get('nc')!, cnonce: get('cnonce')! } : {}),
    ...(opaque !== undefined ? { opaque } : {}),
  };
}

export function formatDigestCredentials(c: DigestCredentials): string {
  const p: [string, string][] = [['username', c.username], ['realm', c.realm], ['nonce', c.nonce], ['uri', c.uri], ['response', c.response], ['algorithm', c.algorithm]];
  if (c.qop) p.push(['cnonce', c.cnonce ?? ''], ['qop', c.qop], ['nc', c.nc ?? '']);
  if (c.opaque !== undefined) p.push(['opaque', c.opaque]);
  return formatChallenge('Digest', p, true);
}

/** The credentials a client sends in answer to a challenge (qop=auth when offered, RFC 7616 §3.4). */
export function answerChallenge(ch: DigestChallenge, o: { username: string; password: string; method: string; uri: string; cnonce: string; nc: number }): DigestCredentials {
  const qop = ch.qop.includes('auth') ? ('auth' as const) : undefined;
  const nc = o.nc.toString(16).padStart(8, '0');
  const response = digestResponse({ algorithm: ch.algorithm, username: o.username, realm: ch.realm, password: o.password, method: o.method, uri: o.uri, nonce: ch.nonce, ...(qop ? { qop, nc, cnonce: o.cnonce } : {}) });
  return {
    username: o.username,
    realm: ch.realm,
    nonce: ch.nonce,
    uri: o.uri,
    response,
    algorithm: ch.algorithm,
    ...(qop ? { qop, nc, cnonce: o.cnonce } : {}),
    ...(ch.opaque !== undefined ? { opaque: ch.opaque } : {}),
  };
}

/** Whether credentials carry the right response for this password and method (the server's check, RFC 7616 §3.4.1). */
export function verifyCredentials(c: DigestCredentials, password: string, method: string): boolean {
  const expected = digestResponse({ algorithm: c.algorithm, username: c.username, realm: c.realm, password, method, uri: c.uri, nonce: c.nonce, ...(c.qop ? { qop: c.qop, nc: c.nc ?? '', cnonce: c.cnonce ?? '' } : {}) });
  // compare every character: the time taken says nothing about where the first difference is
  let diff = expected.length ^ c.response.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (c.response.charCodeAt(i) || 0);
  return diff === 0;
}
