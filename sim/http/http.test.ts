import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import { Rng } from '../core/rng.ts';
import { Scheduler } from '../core/scheduler.ts';
import { headerValue } from '../wire/http/http.ts';
import { HttpClientConnection, type HttpResult } from './client.ts';
import type { HttpNote } from './notes.ts';
import { HttpMessageReader } from './reader.ts';
import { HttpServer, type HttpHandler } from './server.ts';
import { streamPair, type MemoryStream } from './stream-pair.ts';

function setup(handler: HttpHandler, split = Infinity, limits?: { maxHeaderBytes: number; maxHeaders: number; maxBodyBytes: number }) {
  const s = new Scheduler();
  const notes: HttpNote[] = [];
  const [c, srv] = streamPair(s);
  c.splitAt = split;
  srv.splitAt = split;
  const server = new HttpServer(handler, { serverName: 'rtclab', note: (_t, n) => notes.push(n), ...(limits ? { limits } : {}) });
  server.accept(srv);
  const client = new HttpClientConnection(c, { host: 'example.test', note: (_t, n) => notes.push(n) });
  return { s, c, srv, client, notes };
}

const text = (r: HttpResult | undefined): string => (r?.ok ? utf8Decode(r.response.body) : `error: ${r?.error}`);
const sent = (m: MemoryStream): string => m.written.map((b) => utf8Decode(b)).join('');

describe('HTTP/1.1 over a byte stream (RFC 9112)', () => {
  it('keeps the connection alive for two requests, a Content-Length and a chunked body, read one byte at a time', () => {
    const { s, c, srv, client } = setup((now, req, ex) => {
      if (req.start.target === '/a') ex.respond(now, { status: 200, headers: [{ name: 'Content-Type', value: 'text/plain' }], body: 'first body' });
      else ex.respond(now, { status: 200, body: 'x'.repeat(1000), chunkSize: 300 });
    }, 1);
    const got: HttpResult[] = [];
    client.request(0, { method: 'GET', target: '/a' }, (_t, r) => got.push(r));
    client.request(0, { method: 'GET', target: '/b' }, (_t, r) => got.push(r));
    s.runUntil(10_000_000);
    expect(got.map(text)).toEqual(['first body', 'x'.repeat(1000)]);
    expect(got[1]!.ok && got[1]!.response.framing).toBe('chunked');
    // one request at a time, each with Host; no Date (no clock, RFC 9110 §6.6.1)
    expect(sent(c)).toBe('GET /a HTTP/1.1\r\nHost: example.test\r\n\r\nGET /b HTTP/1.1\r\nHost: example.test\r\n\r\n');
    expect(sent(srv)).toContain('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: rtclab\r\nContent-Length: 10\r\n\r\nfirst body');
    expect(sent(srv)).toContain('Transfer-Encoding: chunked\r\n\r\n12c\r\n');
    expect(sent(srv)).not.toContain('Date:');
    expect(client.closed).toBe(false);
  });

  it('holds a request open (long poll) and answers later; responses leave in request order', () => {
    const held: { ex: Parameters<HttpHandler>[2] }[] = [];
    const { s, c, srv } = setup((now, req, ex) => {
      if (req.start.target === '/poll') held.push({ ex });
      else ex.respond(now, { status: 200, body: 'quick' });
    });
    // two pipelined requests: the first is a long poll, the second is answered at once but must wait behind it
    c.write(0, utf8Encode('GET /poll HTTP/1.1\r\nHost: h\r\n\r\nGET /now HTTP/1.1\r\nHost: h\r\n\r\n'));
    s.runUntil(5_000_000);
    expect(sent(srv)).toBe('');
    s.at(7_000_000, 'test: event', () => held[0]!.ex.respond(s.now, { status: 200, body: 'event!' }));
    s.runUntil(10_000_000);
    const out = sent(srv);
    expect(out.indexOf('event!')).toBeGreaterThan(0);
    expect(out.indexOf('event!')).toBeLessThan(out.indexOf('quick'));
  });

  it('streams a chunked response as the app writes it', () => {
    const { s, client } = setup((now, _req, ex) => {
      ex.begin(now, { status: 200, headers: [{ name: 'Content-Type', value: 'application/json' }] });
      ex.chunk(now, '{"a":');
      s.after(500_000, 'test: later', () => {
        ex.chunk(s.now, '1}');
        ex.finish(s.now);
      });
    });
    let r: HttpResult | undefined;
    client.request(0, { method: 'GET', target: '/events' }, (_t, x) => (r = x));
    s.runUntil(10_000_000);
    expect(text(r)).toBe('{"a":1}');
  });

  it('closes after the answer to Connection: close, and fails requests queued behind it', () => {
    const { s, srv, client } = setup((now, _req, ex) => ex.respond(now, { status: 204 }));
    const got: HttpResult[] = [];
    client.request(0, { method: 'GET', target: '/1', headers: [{ name: 'Connection', value: 'close' }] }, (_t, r) => got.push(r));
    client.request(0, { method: 'GET', target: '/2' }, (_t, r) => got.push(r));
    s.runUntil(10_000_000);
    expect(got[0]!.ok && got[0]!.response.start.status).toBe(204);
    expect(got[1]).toEqual({ ok: false, error: 'the server closes the connection (Connection: close)' });
    expect(sent(srv)).toContain('Connection: close');
    expect(srv.finished).toBe(true);
  });

  it('answers HEAD with the header fields of GET and no body', () => {
    const { s, srv, client } = setup((now, _req, ex) => ex.respond(now, { status: 200, body: 'hello' }));
    let r: HttpResult | undefined;
    client.request(0, { method: 'HEAD', target: '/' }, (_t, x) => (r = x));
    client.request(0, { method: 'GET', target: '/' }, () => {});
    s.runUntil(10_000_000);
    expect(r?.ok && headerValue(r.response, 'content-length')).toBe('5');
    expect(text(r)).toBe('');
    expect(sent(srv).match(/hello/g)?.length).toBe(1);
  });

  it('reads a request body sent chunked by the client', () => {
    let body = '';
    const { s, client } = setup((now, req, ex) => {
      body = utf8Decode(req.body);
      ex.respond(now, { status: 201 });
    }, 7);
    client.request(0, { method: 'POST', target: '/up', body: 'abcdefghijklmnopqrstuvwxyz', chunkSize: 5 }, () => {});
    s.runUntil(10_000_000);
    expect(body).toBe('abcdefghijklmnopqrstuvwxyz');
  });

  it.each([
    ['no Host', 'GET / HTTP/1.1\r\n\r\n', 400, 'without Host'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, '2 Host'],
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n', 400, 'not an HTTP/1.1 request'],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400, 'not a header field line'],
    ['TE and CL (smuggling)', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'both Transfer-Encoding and Content-Length'],
    ['differing Content-Lengths', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400, 'differing Content-Length'],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'not hexadecimal'],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505, 'HTTP/2.0'],
    ['body over the limit', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n', 413, 'over the limit of 4096'],
    ['chunked body over the limit', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n', 413, 'chunked body over'],
    ['header section over the limit', `GET / HTTP/1.1\r\nHost: a\r\nX: ${'y'.repeat(3000)}\r\n`, 431, 'header section longer'],
    ['too many fields', `GET / HTTP/1.1\r\nHost: a\r\n${'A: b\r\n'.repeat(20)}\r\n`, 431, '21 header fields'],
  ])('refuses %s with %s, a note and Connection: close', (_name, request, status, why) => {
    const { s, c, srv, notes } = setup((now, _r, ex) => ex.respond(now, { status: 200 }), Infinity, { maxHeaderBytes: 2048, maxHeaders: 16, maxBodyBytes: 4096 });
    c.write(0, utf8Encode(request));
    s.runUntil(10_000_000);
    expect(sent(srv)).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(sent(srv)).toContain('Connection: close');
    const bad = notes.find((n) => n.kind === 'http.bad-message');
    expect(bad?.data).toMatchObject({ role: 'server', status });
    expect(bad?.data.error).toContain(why);
    expect(srv.ended).toBe(true);
  });

  it('a client refuses a response it cannot read and fails the request with why', () => {
    const s = new Scheduler();
    const [c, srv] = streamPair(s);
    const notes: HttpNote[] = [];
    const client = new HttpClientConnection(c, { host: 'h', note: (_t, n) => notes.push(n) });
    srv.handlers.onData = (now) => srv.write(now, utf8Encode('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'));
    let r: HttpResult | undefined;
    client.request(0, { method: 'GET', target: '/' }, (_t, x) => (r = x));
    s.runUntil(10_000_000);
    expect(r?.ok).toBe(false);
    expect(notes[0]?.kind).toBe('http.bad-message');
  });

  it('reads a response delimited by the end of the stream, and says when one is cut short', () => {
    const s = new Scheduler();
    const [c, srv] = streamPair(s);
    const client = new HttpClientConnection(c, { host: 'h' });
    srv.handlers.onData = (now) => {
      srv.write(now, utf8Encode('HTTP/1.0 200 OK\r\n\r\nuntil the end'));
      srv.end(now);
    };
    let r: HttpResult | undefined;
    client.request(0, { method: 'GET', target: '/' }, (_t, x) => (r = x));
    s.runUntil(10_000_000);
    expect(text(r)).toBe('until the end');
    const s2 = new Scheduler();
    const [c2, srv2] = streamPair(s2);
    const client2 = new HttpClientConnection(c2, { host: 'h' });
    srv2.handlers.onData = (now) => {
      srv2.write(now, utf8Encode('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
      srv2.end(now);
    };
    client2.request(0, { method: 'GET', target: '/' }, (_t, x) => (r = x));
    s2.runUntil(10_000_000);
    expect(r).toEqual({ ok: false, error: 'the stream ended in the middle of a message (body, 5 byte(s) read)' });
  });

  it('never throws on random bytes, whole or in pieces', () => {
    const rng = Rng.fromSeed(7);
    const seedReq = utf8Encode('POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    for (let i = 0; i < 500; i++) {
      const r = new HttpMessageReader(i % 2 ? 'request' : 'response', { maxHeaderBytes: 256, maxHeaders: 8, maxBodyBytes: 64 });
      const b = i % 3 ? seedReq.slice() : rng.bytes(rng.int(0, 200));
      for (let k = 0; k < 4; k++) if (b.length) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      let at = 0;
      expect(() => {
        while (at < b.length) {
          const n = rng.int(1, 20);
          r.push(b.subarray(at, at + n));
          at += n;
        }
        r.end();
      }).not.toThrow();
    }
  });
});
