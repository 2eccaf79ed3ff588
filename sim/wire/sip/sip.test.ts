import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../../core/encoding.ts';
import { decodeSipMessage, describeSip, encodeSipMessage, isSipKeepAlive, looksLikeSip, sipHeader, sipHeaderValues } from './message.ts';
import { BRANCH_MAGIC, type SipUri, formatNameAddr, formatVia, parseCSeq, parseNameAddr, parseSipUri, parseVia } from './headers.ts';

const crlf = (lines: string[]): Uint8Array => utf8Encode(lines.join('\r\n'));

// RFC 3665 §2.1 (Successful New Registration), F1 with our line breaks
const REGISTER = [
  'REGISTER sips:ss2.biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7',
  'Max-Forwards: 70',
  'From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl',
  'To: Bob <sips:bob@biloxi.example.com>',
  'Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com',
  'CSeq: 1 REGISTER',
  'Contact: <sips:bob@client.biloxi.example.com>',
  'Content-Length: 0',
  '',
  '',
];

describe('SIP messages (RFC 3261 §7)', () => {
  it('decodes RFC 3665 F1 REGISTER: request line, headers, fields', () => {
    const d = decodeSipMessage(crlf(REGISTER), { base: 28 });
    expect(d.status).toBe('complete');
    expect(d.problems).toEqual([]);
    const m = d.value!;
    expect(m.start).toEqual({ kind: 'request', method: 'REGISTER', uri: 'sips:ss2.biloxi.example.com', version: 'SIP/2.0' });
    expect(sipHeader(m, 'call-id')).toBe('1j9FpLxk3uxtm8tn@biloxi.example.com');
    expect(sipHeader(m, 'i')).toBe('1j9FpLxk3uxtm8tn@biloxi.example.com');
    expect(d.fields[0]).toMatchObject({ name: 'Request-Line', offset: 28, display: REGISTER[0] });
    expect(d.fields[1]!.children!.map((f) => f.name)).toEqual(['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Length']);
    expect(m.body.length).toBe(0);
  });

  it('expands compact forms (RFC 3261 §7.3.3) and unfolds continuation lines (§7.3.1)', () => {
    const text = [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
      'Max-Forwards: 70',
      't: Bob <sip:bob@biloxi.example.com>',
      'f: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
      'i: a84b4c76e66710@pc33.atlanta.example.com',
      'CSeq: 314159 INVITE',
      'm: <sip:alice@pc33.atlanta.example.com>',
      'Subject: a long',
      '  folded subject',
      'c: application/sdp',
      'l: 4',
      '',
      'v=0\r\n',
    ];
    const d = decodeSipMessage(crlf(text));
    expect(d.status).toBe('complete');
    const m = d.value!;
    expect(m.headers.map((h) => h.name)).toEqual(['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Subject', 'Content-Type', 'Content-Length']);
    expect(sipHeader(m, 'Subject')).toBe('a long folded subject');
    expect(utf8Decode(m.body)).toBe('v=0\r');
    expect(d.problems.map((p) => p.message)).toEqual(['1 byte(s) after the Content-Length 4 body are discarded (RFC 3261 §18.3)']);
  });

  it('splits comma lists outside quotes and brackets', () => {
    const m = { headers: [{ name: 'Contact', value: '"Doe, J" <sip:j@a.example>;q=0.5, <sip:j@b.example>' }, { name: 'Contact', value: '<sip:c@c.example>' }] };
    expect(sipHeaderValues(m, 'm')).toEqual(['"Doe, J" <sip:j@a.example>;q=0.5', '<sip:j@b.example>', '<sip:c@c.example>']);
  });

  it('encodes what it decodes, writing Content-Length from the body', () => {
    const d = decodeSipMessage(crlf(REGISTER));
    const again = decodeSipMessage(encodeSipMessage(d.value!));
    expect(again.value).toEqual(d.value);
    expect(utf8Decode(encodeSipMessage({ ...d.value!, body: utf8Encode('xy') })).endsWith('Content-Length: 2\r\n\r\nxy')).toBe(true);
  });

  it('names a response by status and CSeq method', () => {
    const r = decodeSipMessage(crlf(['SIP/2.0 401 Unauthorized', 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=5060;received=192.0.2.4', 'From: <sip:a@x>;tag=1', 'To: <sip:a@x>;tag=2', 'Call-ID: c', 'CSeq: 1 REGISTER', 'Content-Length: 0', '', '']));
    expect(r.status).toBe('complete');
    expect(describeSip(r.value!)).toBe('401 Unauthorized (REGISTER)');
  });

  it.each([
    [['INVITE sip:b@x SIP/3.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Max-Forwards: 70', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'Call-ID: c', 'CSeq: 1 INVITE', '', ''], 'version "SIP/3.0" is not SIP/2.0'],
    [['INVITE  sip:b@x SIP/2.0', 'Via: SIP/2.0/UDP h', '', ''], 'single spaces'],
    [['INVITE sip:b@x SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'Call-ID: c', 'CSeq: 1 INVITE', '', ''], 'without Max-Forwards'],
    [['INVITE sip:b@x SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Max-Forwards: 70', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'Call-ID: c', 'CSeq: 1 BYE', '', ''], 'CSeq method BYE is not the request\'s INVITE'],
    [['INVITE sip:b@x SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Max-Forwards: 70', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'Call-ID: c', 'CSeq: 1 INVITE', 'Content-Length: 50', '', 'short'], 'Content-Length 50 but only 5 byte(s)'],
    [['SIP/2.0 99 Odd', 'Via: SIP/2.0/UDP h', '', ''], 'status line'],
    [['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h', 'no colon here', '', ''], 'not a header field line'],
    [['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h'], 'no empty line'],
    [['OPTIONS sip:b@x SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Max-Forwards: 70', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'To: <sip:c@x>', 'Call-ID: c', 'CSeq: 1 OPTIONS', '', ''], 'more than one To'],
  ])('rejects malformed input with a clear reason: %#', (lines, reason) => {
    const d = decodeSipMessage(crlf(lines));
    expect(d.status).toBe('invalid');
    expect(d.value).toBeUndefined();
    expect(d.problems.at(-1)!.message).toContain(reason);
  });

  it('never throws on arbitrary bytes', () => {
    let x = 7;
    for (let n = 0; n < 300; n++) {
      const b = new Uint8Array(n % 90);
      for (let i = 0; i < b.length; i++) b[i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) % 256;
      expect(() => decodeSipMessage(b)).not.toThrow();
    }
  });

  it('recognises SIP by content, and keep-alives', () => {
    expect(looksLikeSip(crlf(REGISTER))).toBe(true);
    expect(looksLikeSip(utf8Encode('SIP/2.0 180 Ringing\r\n'))).toBe(true);
    expect(looksLikeSip(utf8Encode('GET / HTTP/1.1\r\n'))).toBe(false);
    expect(looksLikeSip(utf8Encode('REGISTER sip:x SIP/2.0'))).toBe(false); // no end of line: not a whole start line
    expect(looksLikeSip(new Uint8Array([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]))).toBe(false);
    expect(isSipKeepAlive(utf8Encode('\r\n\r\n'))).toBe(true);
    expect(isSipKeepAlive(utf8Encode('\r\n'))).toBe(true);
    expect(isSipKeepAlive(utf8Encode('\n\n'))).toBe(false);
  });
});

describe('SIP headers (RFC 3261 §20, RFC 3581)', () => {
  it('reads Via: transport, sent-by, branch, received and rport', () => {
    const v = parseVia('SIP/2.0/UDP 10.0.0.2:5062;rport=40001;branch=z9hG4bK74bf9;received=203.0.113.7');
    expect(v).toMatchObject({ protocol: 'SIP', version: '2.0', transport: 'UDP', host: '10.0.0.2', port: 5062, branch: 'z9hG4bK74bf9', received: '203.0.113.7', rport: 40001 });
    expect(parseVia('SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKx;rport')).toMatchObject({ host: '2001:db8::9', rport: null });
    expect(BRANCH_MAGIC).toBe('z9hG4bK');
    expect(formatVia({ transport: 'UDP', host: '10.0.0.2', port: 5060, params: new Map([['branch', 'z9hG4bKa'], ['rport', undefined]]) })).toBe('SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa;rport');
    expect(parseVia('SIP/2.0 10.0.0.2')).toMatch(/RFC 3261 §20.42/);
    expect(parseVia('SIP/2.0/UDP h:99999')).toMatch(/outside 1–65535/);
    expect(parseVia('SIP/2.0/UDP h;rport=x')).toMatch(/RFC 3581/);
  });

  it('reads name-addr and addr-spec with their tags (§20.10, §20.20)', () => {
    expect(parseNameAddr('"Alice \\"A\\"" <sip:alice@atlanta.example.com>;tag=1928301774')).toMatchObject({ display: 'Alice "A"', uri: 'sip:alice@atlanta.example.com', tag: '1928301774' });
    // an addr-spec's parameters are the header's, not the URI's
    expect(parseNameAddr('sip:bob@biloxi.example.com;tag=8321234356')).toMatchObject({ uri: 'sip:bob@biloxi.example.com', tag: '8321234356' });
    expect(parseNameAddr('*')).toMatchObject({ uri: '*' });
    expect(parseNameAddr('Bob <sip:bob@x')).toMatch(/without ">"/);
    expect(formatNameAddr({ display: 'Bob', uri: 'sip:bob@x', params: new Map([['tag', 'a1']]) })).toBe('"Bob" <sip:bob@x>;tag=a1');
  });

  it('reads SIP URIs and CSeq', () => {
    expect(parseSipUri('sip:alice:secret@atlanta.example.com:5070;transport=udp?subject=x')).toMatchObject({ scheme: 'sip', user: 'alice', password: 'secret', host: 'atlanta.example.com', port: 5070 });
    expect((parseSipUri("sip:a@h;transport=udp;lr") as SipUri).params).toEqual(new Map([['transport', 'udp'], ['lr', undefined]]));
    expect(parseSipUri('mailto:x@y')).toMatch(/not a SIP URI/);
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('2147483648 INVITE')).toMatch(/below 2\^31/);
  });
});
