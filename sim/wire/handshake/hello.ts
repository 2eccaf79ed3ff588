import { toHex } from '../../core/encoding.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import { readExtensions, writeExtensions } from './extensions.ts';
import type { Extension } from './extensions.ts';
import { cipherSuiteName, versionName, withCode } from './names.ts';

/**
 * ClientHello and ServerHello bodies (RFC 5246 §7.4.1, RFC 8446 §4.1.2, RFC 6347 §4.2.1, RFC 9147 §5.3), shared by
 * TLS and DTLS: the bodies are the same except DTLS's cookie (RFC 6347 §4.2.1), absent in TLS. DTLS's own
 * HelloVerifyRequest is in sim/wire/dtls/hello-verify.ts.
 */

/** Which record layer the hello travels on: DTLS hellos carry a cookie, TLS hellos do not. */
export type HelloVariant = 'dtls' | 'tls';

export interface ClientHello {
  readonly type: 'client_hello';
  readonly clientVersion: number;
  /** 32 bytes: gmt_unix_time(4) + random_bytes(28) in TLS 1.2; fully random in practice. */
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  /** RFC 6347 §4.2.1: empty on the first ClientHello, the server's cookie after a HelloVerifyRequest; empty in TLS. */
  readonly cookie: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: readonly number[];
  readonly extensions: readonly Extension[];
}

export interface ServerHello {
  readonly type: 'server_hello';
  readonly serverVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly Extension[];
}

export const showVersion = (v: number): string => `${versionName(v)} (0x${v.toString(16)})`;
const showBytes = (b: Uint8Array): string => (b.length === 0 ? '(empty)' : b.length <= 32 ? toHex(b) : `${b.length} bytes`);

export function vector8(r: Reader, name: string, max: number): Uint8Array {
  const len = r.u8(`${name} length`);
  if (len > max) r.problem(`${name} length ${len} exceeds ${max}`, r.pos - 1, 1);
  return r.bytes(len, name, showBytes);
}

export function readClientHello(r: Reader, variant: HelloVariant = 'dtls'): ClientHello {
  const clientVersion = r.u16('client_version', showVersion);
  const random = r.bytes(32, 'random', toHex);
  const sessionId = vector8(r, 'session_id', 32);
  // RFC 6347 §4.2.1: opaque cookie<0..2^8-1> (DTLS only).
  const cookie = variant === 'dtls' ? vector8(r, 'cookie', 255) : new Uint8Array(0);
  const cipherSuites: number[] = [];
  r.group(
    'cipher_suites',
    () => {
      const len = r.u16('cipher_suites length');
      if (len % 2 !== 0) r.problem(`cipher_suites length ${len} is odd`, r.pos - 2, 2);
      const end = Math.min(r.pos + len, r.end);
      while (r.pos + 2 <= end && !r.truncated) cipherSuites.push(r.u16('cipher suite', (v) => withCode(cipherSuiteName(v), v)));
      if (r.pos < end) r.skip(end - r.pos);
    },
    () => `${cipherSuites.length} suite(s)`,
  );
  const compressionMethods: number[] = [];
  r.group(
    'compression_methods',
    () => {
      const len = r.u8('compression_methods length');
      for (let i = 0; i < len && !r.truncated; i++) compressionMethods.push(r.u8('compression method', (v) => (v === 0 ? 'null (0)' : String(v))));
    },
    () => compressionMethods.map((m) => (m === 0 ? 'null' : String(m))).join(', '),
  );
  const extensions = r.truncated ? [] : readExtensions(r, 'client_hello');
  return { type: 'client_hello', clientVersion, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export function writeClientHello(w: Writer, m: ClientHello, variant: HelloVariant = 'dtls'): void {
  w.u16(m.clientVersion).bytes(m.random);
  w.u8(m.sessionId.length).bytes(m.sessionId);
  if (variant === 'dtls') w.u8(m.cookie.length).bytes(m.cookie);
  w.u16(m.cipherSuites.length * 2);
  for (const c of m.cipherSuites) w.u16(c);
  w.u8(m.compressionMethods.length);
  for (const c of m.compressionMethods) w.u8(c);
  writeExtensions(w, m.extensions);
}

export function readServerHello(r: Reader): ServerHello {
  const serverVersion = r.u16('server_version', showVersion);
  const random = r.bytes(32, 'random', toHex);
  const sessionId = vector8(r, 'session_id', 32);
  const cipherSuite = r.u16('cipher_suite', (v) => withCode(cipherSuiteName(v), v));
  const compressionMethod = r.u8('compression_method', (v) => (v === 0 ? 'null (0)' : String(v)));
  const extensions = r.truncated ? [] : readExtensions(r, 'server_hello');
  return { type: 'server_hello', serverVersion, random, sessionId, cipherSuite, compressionMethod, extensions };
}

export function writeServerHello(w: Writer, m: ServerHello): void {
  w.u16(m.serverVersion).bytes(m.random);
  w.u8(m.sessionId.length).bytes(m.sessionId);
  w.u16(m.cipherSuite).u8(m.compressionMethod);
  writeExtensions(w, m.extensions);
}
