import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';
import { showVersion, vector8 } from '../handshake/hello.ts';

/** DTLS's stateless cookie exchange (RFC 6347 §4.2.1): the one handshake body TLS does not have. */
export interface HelloVerifyRequest {
  readonly type: 'hello_verify_request';
  readonly serverVersion: number;
  readonly cookie: Uint8Array;
}

/** RFC 6347 §4.2.1: ProtocolVersion server_version; opaque cookie<0..2^8-1>. */
export function readHelloVerifyRequest(r: Reader): HelloVerifyRequest {
  const serverVersion = r.u16('server_version', showVersion);
  const cookie = vector8(r, 'cookie', 255);
  return { type: 'hello_verify_request', serverVersion, cookie };
}

export function writeHelloVerifyRequest(w: Writer, m: HelloVerifyRequest): void {
  w.u16(m.serverVersion).u8(m.cookie.length).bytes(m.cookie);
}
