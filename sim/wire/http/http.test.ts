import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { decodeHttpMessage, encodeHttpMessage, headerValue, looksLikeHttp } from './http.ts';

// HTTP/1.1 message framing (RFC 9112): what a stream decoder needs to find where one message ends.

describe('HTTP/1.1 messages (RFC 9112)', () => {
  it('reads a request with a Content-Length body, with spans for the request line and headers', () => {
    const bytes = encodeHttpMessage({ start: { kind: 'request', method: 'POST', target: '/janus', version: 'HTTP/1.1' }, headers: [{ name: 'Host', value: 'example' }], body: '{"janus":"create"}' });
    const d = decodeHttpMessage(bytes, { base: 10 });
    expect(d.status).toBe('complete');
    expect(d.length).toBe(bytes.length);
    expect(d.value!.start).toEqual({ kind: 'request', method: 'POST', target: '/janus', version: 'HTTP/1.1' });
    expect(headerValue(d.value!, 'content-length')).toBe('18');
    expect(utf8Decode(d.value!.body)).toBe('{"janus":"create"}');
    expect(findField(d.fields, 'request-target')).toMatchObject({ offset: 15, length: 6 });
    expect(findField(d.fields, 'Host')).toMatchObject({ offset: 10 + 'POST /janus HTTP/1.1\r\n'.length, display: 'example' });
  });

  it('waits for the rest of a body, and stops at the end of the first of two pipelined messages', () => {
    const one = encodeHttpMessage({ start: { kind: 'request', method: 'POST', target: '/a', version: 'HTTP/1.1' }, body: 'abcdef' });
    const two = encodeHttpMessage({ start: { kind: 'request', method: 'GET', target: '/b', version: 'HTTP/1.1' } });
    expect(decodeHttpMessage(one.subarray(0, one.length - 1)).status).toBe('incomplete');
    const both = new Uint8Array([...one, ...two]);
    const first = decodeHttpMessage(both);
    expect(first.length).toBe(one.length);
    expect(decodeHttpMessage(both.subarray(first.length)).value!.start).toMatchObject({ method: 'GET', target: '/b' });
  });

  it('joins a chunked body (RFC 9112 §7.1), with chunk extensions and a trailer', () => {
    const raw = utf8Encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT');
    const d = decodeHttpMessage(raw);
    expect(d.status).toBe('complete');
    expect(utf8Decode(d.value!.body)).toBe('hello world');
    expect(d.length).toBe(raw.length - 4);
    expect(d.value!.framing).toBe('chunked');
    const viaEncoder = decodeHttpMessage(encodeHttpMessage({ start: { kind: 'response', version: 'HTTP/1.1', status: 200, reason: 'OK' }, body: 'x'.repeat(100), chunkSize: 33 }));
    expect(viaEncoder.value!.body.length).toBe(100);
  });

  it('gives no body to 101, 204, 304 and responses to HEAD; reads until close otherwise', () => {
    const r101 = decodeHttpMessage(utf8Encode('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00'));
    expect(r101.length).toBe(r101.value!.headerLength);
    const head = decodeHttpMessage(utf8Encode('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'), { requestMethod: 'HEAD' });
    expect(head.status).toBe('complete');
    const open = utf8Encode('HTTP/1.0 200 OK\r\n\r\nstreaming');
    expect(decodeHttpMessage(open).status).toBe('incomplete');
    expect(utf8Decode(decodeHttpMessage(open, { closed: true }).value!.body)).toBe('streaming');
  });

  it('says invalid, with a problem, for what is not HTTP: binary, a bad chunk size, a lying Content-Length', () => {
    expect(decodeHttpMessage(new Uint8Array([0x16, 0x03, 0x01, 0x0a, 0, 0, 0, 0])).status).toBe('invalid');
    expect(decodeHttpMessage(utf8Encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).problems[0]!.message).toMatch(/not hexadecimal/);
    expect(decodeHttpMessage(utf8Encode('POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n')).problems[0]!.message).toMatch(/not a number/);
    expect(decodeHttpMessage(utf8Encode('GET / HTTP/1.1\r\nbad header\r\n\r\n')).problems[0]!.message).toMatch(/not a header field line/);
  });

  it('gives up on a header section longer than the limit instead of buffering forever', () => {
    const huge = utf8Encode(`GET / HTTP/1.1\r\nX: ${'a'.repeat(70000)}`);
    expect(decodeHttpMessage(huge).status).toBe('invalid');
    expect(looksLikeHttp(utf8Encode('GET / HTTP/1.1'))).toBe(true);
    expect(looksLikeHttp(utf8Encode('\x16\x03\x01'))).toBe(false);
  });
});
