import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../core/encoding.ts';
import { alpnExtension, findExtension, keyShareExtension, serverNameExtension, supportedVersionsExtension } from '../handshake/extensions.ts';
import { encodeCommonHandshakeBody as encodeHandshakeBody } from '../handshake/body.ts';
import type { ClientHello } from '../handshake/hello.ts';
import { ContentType, HandshakeType } from '../handshake/names.ts';
import { HELLO_RETRY_REQUEST_RANDOM, TlsHandshakeBuffer, decodeTlsHandshakes, encodeTlsHandshake, isHelloRetryRequest } from './handshake.ts';
import { decodeTlsRecord, encodeTlsRecord, looksLikeTls } from './record.ts';

const hello: ClientHello = {
  type: 'client_hello',
  clientVersion: 0x0303,
  random: new Uint8Array(32).fill(0xab),
  sessionId: new Uint8Array(32).fill(1),
  cookie: new Uint8Array(0),
  cipherSuites: [0x1301, 0x1302],
  compressionMethods: [0],
  extensions: [serverNameExtension('turn.example.org'), alpnExtension(['h2', 'http/1.1']), supportedVersionsExtension([0x0304, 0x0303]), keyShareExtension([{ group: 0x1d, keyExchange: new Uint8Array(32).fill(5) }])],
};

describe('TLS record layer over a stream (RFC 8446 §5.1)', () => {
  it('recognises a stream by its first handshake record, and nothing else', () => {
    expect(looksLikeTls(fromHex('160301'))).toBe(true);
    expect(looksLikeTls(fromHex('160304'))).toBe(true);
    expect(looksLikeTls(fromHex('160305'))).toBe(false);
    expect(looksLikeTls(fromHex('474554'))).toBe(false); // "GET"
    expect(looksLikeTls(fromHex('1603'))).toBe(false);
  });

  it('reads one record and says how much a short buffer needs', () => {
    const rec = encodeTlsRecord({ contentType: ContentType.application_data, fragment: new Uint8Array(40) });
    expect(decodeTlsRecord(rec.subarray(0, 3))).toEqual({ status: 'incomplete', need: 5 });
    expect(decodeTlsRecord(rec.subarray(0, 20))).toEqual({ status: 'incomplete', need: 45 });
    const d = decodeTlsRecord(concatBytes(rec, rec), 100);
    expect(d.status).toBe('ok');
    if (d.status === 'ok') {
      expect(d.length).toBe(45);
      expect(d.value).toMatchObject({ contentType: 23, version: 0x0303, length: 40, offset: 100 });
      expect(d.fields[0]).toMatchObject({ name: 'TLS record', offset: 100, length: 45 });
    }
  });

  it('calls bytes that are not a record invalid, with where and why', () => {
    const d = decodeTlsRecord(fromHex('4745542f20485454'), 7);
    expect(d.status).toBe('invalid');
    if (d.status === 'invalid') expect(d.problems[0]).toMatchObject({ offset: 7, message: expect.stringContaining('not a TLS record') });
    const long = decodeTlsRecord(fromHex('17030348ff00'));
    expect(long.status).toBe('invalid');
  });
});

describe('TLS handshake messages (RFC 8446 §4)', () => {
  it('reads a TLS ClientHello (no cookie) with SNI, ALPN, supported_versions and key_share', () => {
    const msg = encodeTlsHandshake(HandshakeType.client_hello, encodeHandshakeBody(hello, 'tls'));
    const d = decodeTlsHandshakes(msg);
    expect(d.problems).toEqual([]);
    const b = d.value[0]!.body;
    expect(b.type).toBe('client_hello');
    if (b.type !== 'client_hello') return;
    expect(toHex(b.random)).toBe('ab'.repeat(32));
    expect(b.cipherSuites).toEqual([0x1301, 0x1302]);
    expect(findExtension(b.extensions, 'server_name')?.body.hostNames).toEqual(['turn.example.org']);
    expect(findExtension(b.extensions, 'application_layer_protocol_negotiation')?.body.protocols).toEqual(['h2', 'http/1.1']);
    expect(findExtension(b.extensions, 'supported_versions')?.body.versions).toEqual([0x0304, 0x0303]);
    expect(findExtension(b.extensions, 'key_share')?.body.shares[0]?.group).toBe(0x1d);
  });

  it('the same ClientHello read as DTLS takes a cookie byte, so the codecs differ only there', () => {
    const tls = encodeHandshakeBody(hello, 'tls');
    const dtls = encodeHandshakeBody(hello, 'dtls');
    expect(dtls.length).toBe(tls.length + 1);
    expect(toHex(dtls.subarray(0, 67))).toBe(toHex(tls.subarray(0, 67)));
    expect(dtls[67]).toBe(0); // the empty cookie's length
  });

  it('joins a message split over records and splits records holding several messages', () => {
    const a = encodeTlsHandshake(HandshakeType.encrypted_extensions, fromHex('0000'));
    const b = encodeTlsHandshake(HandshakeType.finished, new Uint8Array(32).fill(7));
    const stream = concatBytes(a, b);
    const buf = new TlsHandshakeBuffer();
    expect(buf.push(stream.subarray(0, 3))).toEqual([]);
    const first = buf.push(stream.subarray(3, 10));
    expect(first.map((b) => toHex(b))).toEqual([toHex(a)]);
    expect(buf.pending).toBe(4);
    expect(buf.push(stream.subarray(10)).map((b) => toHex(b))).toEqual([toHex(b)]);
    const d = decodeTlsHandshakes(stream, 0, { tls13: true });
    expect(d.value.map((m) => m.body.type)).toEqual(['encrypted_extensions', 'finished']);
    expect(d.problems).toEqual([]);
  });

  it('reads the TLS 1.3 Certificate form (request context, entries with extensions)', () => {
    const cert = fromHex('3082000130');
    const body = concatBytes(fromHex('00'), fromHex('00000c'), fromHex('000005'), cert, fromHex('0002'), fromHex('ffff'));
    // 2-byte extension list length 0x0002 followed by 2 bytes: the entry's extensions
    const d = decodeTlsHandshakes(encodeTlsHandshake(HandshakeType.certificate, body), 0, { tls13: true });
    const c = d.value[0]!.body;
    expect(c.type).toBe('certificate');
    if (c.type === 'certificate') expect(c.certificates.map((b) => toHex(b))).toEqual([toHex(cert)]);
  });

  it('a ServerHello with the special random is a HelloRetryRequest (RFC 8446 §4.1.3)', () => {
    const sh = concatBytes(fromHex('0303'), fromHex(HELLO_RETRY_REQUEST_RANDOM), fromHex('00'), fromHex('1301'), fromHex('00'), fromHex('0006002b00020304'));
    const d = decodeTlsHandshakes(encodeTlsHandshake(HandshakeType.server_hello, sh));
    expect(d.problems).toEqual([]);
    expect(isHelloRetryRequest(d.value[0]!.body)).toBe(true);
  });

  it('a length that runs past the data is a problem, not a throw', () => {
    const d = decodeTlsHandshakes(fromHex('0800ffff0000'));
    expect(d.problems.some((p) => p.message.includes('runs past'))).toBe(true);
  });
});
