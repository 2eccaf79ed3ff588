import { concatBytes, utf8Encode } from '../core/encoding.ts';
import { encodeHttpMessage, type HttpHeader } from '../wire/http/http.ts';

/** RFC 9110 §15: the reason phrases this implementation sends. */
export const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Content Too Large',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** What an app answers: the status, header fields, a body (sent with Content-Length, or chunked in `chunkSize` pieces). */
export interface HttpResponseInit {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: readonly HttpHeader[];
  readonly body?: Uint8Array | string;
  readonly chunkSize?: number;
}

export interface HttpRequestInit {
  readonly method: string;
  readonly target: string;
  readonly headers?: readonly HttpHeader[];
  readonly body?: Uint8Array | string;
  readonly chunkSize?: number;
}

const has = (headers: readonly HttpHeader[], name: string): boolean => headers.some((h) => h.name.toLowerCase() === name);

/**
 * A response's bytes. Content-Length: 0 is sent for an empty body where a body is allowed (so that the client does not
 * read until close); no Date field: an origin server without a clock must not send one (RFC 9110 §6.6.1).
 */
export function encodeResponse(init: HttpResponseInit, extra: readonly HttpHeader[] = []): Uint8Array {
  const headers = [...(init.headers ?? []), ...extra];
  const body = typeof init.body === 'string' ? utf8Encode(init.body) : (init.body ?? new Uint8Array(0));
  const bodiless = init.status < 200 || init.status === 204 || init.status === 304;
  if (!bodiless && body.length === 0 && !init.chunkSize && !has(headers, 'content-length')) headers.push({ name: 'Content-Length', value: '0' });
  return encodeHttpMessage({
    start: { kind: 'response', version: 'HTTP/1.1', status: init.status, reason: init.reason ?? REASONS[init.status] ?? '' },
    headers,
    ...(bodiless ? {} : { body }),
    ...(init.chunkSize && !bodiless ? { chunkSize: init.chunkSize } : {}),
  });
}

/** One chunk of a chunked body (RFC 9112 §7.1); an empty one is the last-chunk with no trailer. */
export function encodeChunk(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return utf8Encode('0\r\n\r\n');
  return concatBytes(utf8Encode(`${bytes.length.toString(16)}\r\n`), bytes, utf8Encode('\r\n'));
}
