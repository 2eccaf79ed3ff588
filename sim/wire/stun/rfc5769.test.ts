// The RFC 5769 STUN test vectors, byte for byte: decoding, integrity and fingerprint checks, and re-encoding.
import { describe as suite, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import {
  AttrType,
  decodeStun,
  encodeStun,
  getAttribute,
  IceControlled,
  longTermKey,
  Method,
  Nonce,
  Priority,
  Realm,
  shortTermKey,
  Software,
  Username,
  verifyFingerprint,
  verifyMessageIntegrity,
  XorMappedAddress,
} from './index.ts';
import type { StunMessage } from './index.ts';
import {
  LONG_TERM_NONCE,
  LONG_TERM_PASSWORD,
  LONG_TERM_REALM,
  LONG_TERM_USERNAME,
  PASSWORD,
  SAMPLE_IPV4_RESPONSE,
  SAMPLE_IPV6_RESPONSE,
  SAMPLE_LONG_TERM_REQUEST,
  SAMPLE_REQUEST,
} from './testdata/rfc5769.ts';

function decodeClean(bytes: Uint8Array): StunMessage {
  const d = decodeStun(bytes);
  expect(d.problems).toEqual([]);
  expect(d.value).toBeDefined();
  return d.value!;
}

suite('RFC 5769 §2.1 sample request', () => {
  it('decodes every attribute with its value', () => {
    const m = decodeClean(SAMPLE_REQUEST);
    expect(m.method).toBe(Method.Binding);
    expect(m.class).toBe('request');
    expect(toHex(m.transactionId)).toBe('b7e7a701bc34d686fa87dfae');
    expect(m.attributes.map((a) => a.type)).toEqual([0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028]);
    expect(getAttribute(m, Software)).toBe('STUN test client');
    expect(getAttribute(m, Priority)).toBe(0x6e0001ff);
    expect(getAttribute(m, IceControlled)).toBe(0x932ff9b151263b36n);
    expect(getAttribute(m, Username)).toBe('evtj:h6vY');
  });

  it('verifies MESSAGE-INTEGRITY with the short-term key and the FINGERPRINT', () => {
    expect(verifyMessageIntegrity(SAMPLE_REQUEST, shortTermKey(PASSWORD)).status).toBe('valid');
    expect(verifyFingerprint(SAMPLE_REQUEST).status).toBe('valid');
  });

  it('re-encodes to the exact bytes, keeping the space padding, both verbatim and recomputing the HMAC', () => {
    const m = decodeClean(SAMPLE_REQUEST);
    expect(toHex(encodeStun(m))).toBe(toHex(SAMPLE_REQUEST));
    expect(toHex(encodeStun(m, { integrity: shortTermKey(PASSWORD), fingerprint: true }))).toBe(toHex(SAMPLE_REQUEST));
  });

  it('builds the same bytes from a plain attribute list, with the encoder adding MESSAGE-INTEGRITY and FINGERPRINT', () => {
    const built = encodeStun(
      {
        method: Method.Binding,
        class: 'request',
        transactionId: SAMPLE_REQUEST.slice(8, 20),
        attributes: [
          Software.of('STUN test client'),
          Priority.of(0x6e0001ff),
          IceControlled.of(0x932ff9b151263b36n),
          { ...Username.of('evtj:h6vY'), padding: new Uint8Array([0x20, 0x20, 0x20]) },
        ],
      },
      { integrity: shortTermKey(PASSWORD), fingerprint: true },
    );
    expect(toHex(built)).toBe(toHex(SAMPLE_REQUEST));
  });
});

suite('RFC 5769 §2.2 and §2.3 sample responses', () => {
  it('decodes the IPv4 XOR-MAPPED-ADDRESS as 192.0.2.1:32853 and shows the XOR-decoded value', () => {
    const d = decodeStun(SAMPLE_IPV4_RESPONSE);
    const m = decodeClean(SAMPLE_IPV4_RESPONSE);
    expect(m.class).toBe('success');
    expect(getAttribute(m, XorMappedAddress)).toEqual({ ip: '192.0.2.1', port: 32853 });
    expect(getAttribute(m, Software)).toBe('test vector');
    expect(findField(d.fields, 'X-Port')?.display).toBe('0xa147 → 32853');
    expect(findField(d.fields, 'X-Address')?.display).toBe('0xe112a643 → 192.0.2.1');
    expect(findField(d.fields, 'X-Address')?.offset).toBe(44);
  });

  it('decodes the IPv6 XOR-MAPPED-ADDRESS (xored with cookie and transaction id)', () => {
    const m = decodeClean(SAMPLE_IPV6_RESPONSE);
    expect(getAttribute(m, XorMappedAddress)).toEqual({ ip: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  });

  for (const [name, bytes] of [
    ['IPv4', SAMPLE_IPV4_RESPONSE],
    ['IPv6', SAMPLE_IPV6_RESPONSE],
  ] as const) {
    it(`${name}: integrity and fingerprint verify, and re-encoding with the key reproduces the bytes`, () => {
      const key = shortTermKey(PASSWORD);
      expect(verifyMessageIntegrity(bytes, key).ok).toBe(true);
      expect(verifyFingerprint(bytes).ok).toBe(true);
      expect(toHex(encodeStun(decodeClean(bytes), { integrity: key }))).toBe(toHex(bytes));
    });
  }
});

suite('RFC 5769 §2.4 long-term credentials request', () => {
  it('derives the key through SASLprep ("The\\u00ADM\\u00AAtr\\u2168" → "TheMatrIX") and verifies MESSAGE-INTEGRITY', () => {
    const key = longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, LONG_TERM_PASSWORD);
    expect(toHex(key)).toBe(toHex(longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, 'TheMatrIX')));
    expect(verifyMessageIntegrity(SAMPLE_LONG_TERM_REQUEST, key).status).toBe('valid');
    expect(verifyFingerprint(SAMPLE_LONG_TERM_REQUEST).status).toBe('absent');
  });

  it('decodes USERNAME, NONCE and REALM, and re-encodes to the same bytes', () => {
    const m = decodeClean(SAMPLE_LONG_TERM_REQUEST);
    expect(getAttribute(m, Username)).toBe(LONG_TERM_USERNAME);
    expect(getAttribute(m, Nonce)).toBe(LONG_TERM_NONCE);
    expect(getAttribute(m, Realm)).toBe(LONG_TERM_REALM);
    expect(m.attributes.at(-1)?.type).toBe(AttrType.MessageIntegrity);
    const key = longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, LONG_TERM_PASSWORD);
    expect(toHex(encodeStun(m, { integrity: key }))).toBe(toHex(SAMPLE_LONG_TERM_REQUEST));
  });

  it('reports a wrong password as a mismatch with the expected and actual HMAC', () => {
    const r = verifyMessageIntegrity(SAMPLE_LONG_TERM_REQUEST, longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, 'TheMatrix'));
    expect(r.status).toBe('mismatch');
    expect(r.actual).toBe('f67024656dd64a3e02b8e0712e85c9a28ca89666');
    expect(r.expected).not.toBe(r.actual);
  });
});
