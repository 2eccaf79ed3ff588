import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8Encode } from '../../core/encoding.ts';
import { saslprep } from './saslprep.ts';

/** Keys for MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (RFC 8489 §9) and the USERHASH value (§14.4). */

/** RFC 8489 §9.1.1: the short-term key is the prepared password itself (ICE uses this). */
export function shortTermKey(password: string): Uint8Array {
  return utf8Encode(saslprep(password));
}

export type KeyAlgorithm = 'md5' | 'sha256';

/**
 * RFC 8489 §9.2.2: MD5(username ":" realm ":" SASLprep(password)), or SHA-256 of the same string when the
 * PASSWORD-ALGORITHM is SHA-256 (16 or 32 bytes).
 */
export function longTermKey(username: string, realm: string, password: string, algorithm: KeyAlgorithm = 'md5'): Uint8Array {
  const input = utf8Encode(`${username}:${realm}:${saslprep(password)}`);
  return algorithm === 'md5' ? md5(input) : sha256(input);
}

/** RFC 8489 §14.4: USERHASH = SHA-256(username ":" realm). */
export function userHash(username: string, realm: string): Uint8Array {
  return sha256(utf8Encode(`${username}:${realm}`));
}
