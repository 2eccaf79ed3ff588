// Building and parsing whole messages: type bits, the encoder's integrity ordering, RFC 8489's SHA-256 variants,
// and the problems a malformed message yields without ever throwing.
import { describe as suite, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import {
  AttrType,
  ChannelNumber,
  decodeStun,
  describe,
  encodeStun,
  ErrorCode,
  Fingerprint,
  getAttribute,
  Lifetime,
  longTermKey,
  makeNonce,
  messageType,
  Method,
  MessageIntegrity,
  Nonce,
  nonceSecurityFeatures,
  rawAttribute,
  Realm,
  Software,
  splitMessageType,
  StunEncodeError,
  unknownComprehensionRequired,
  UseCandidate,
  Username,
  Userhash,
  userHash,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  XorPeerAddress,
} from './index.ts';
import type { StunMessage } from './index.ts';
import { LONG_TERM_PASSWORD, LONG_TERM_USERNAME, RFC8489_B1_REQUEST, SAMPLE_IPV4_RESPONSE, SAMPLE_REQUEST } from './testdata/rfc5769.ts';

const tid = new Uint8Array(12).map((_, i) => i + 1);
const msg = (attributes: StunMessage['attributes'], method: number = Method.Binding, cls: StunMessage['class'] = 'request'): StunMessage => ({
  method,
  class: cls,
  transactionId: tid,
  attributes,
});
const messages = (bytes: Uint8Array): string[] => decodeStun(bytes).problems.map((p) => p.message);

suite('message type bits (RFC 8489 §5)', () => {
  it('interleaves class bits among method bits', () => {
    expect(messageType(Method.Binding, 'request')).toBe(0x0001);
    expect(messageType(Method.Binding, 'success')).toBe(0x0101);
    expect(messageType(Method.Binding, 'error')).toBe(0x0111);
    expect(messageType(Method.Allocate, 'error')).toBe(0x0113);
    expect(messageType(Method.Send, 'indication')).toBe(0x0016);
    expect(messageType(Method.Data, 'indication')).toBe(0x0017);
    expect(messageType(Method.ChannelBind, 'success')).toBe(0x0109);
    expect(messageType(0xfff, 'error')).toBe(0x3fff);
    for (const t of [0x0001, 0x0113, 0x0017, 0x3eef]) {
      const s = splitMessageType(t);
      expect(messageType(s.method, s.class)).toBe(t);
    }
  });

  it('records every header bit field with its span', () => {
    const d = decodeStun(SAMPLE_IPV4_RESPONSE);
    expect(findField(d.fields, 'Message Type')).toMatchObject({ offset: 0, length: 2, display: '0x0101 Binding Success Response' });
    expect(findField(d.fields, 'Leading zero bits')).toMatchObject({ bits: { start: 0, count: 2 } });
    expect(findField(d.fields, 'C1')).toMatchObject({ offset: 0, bits: { start: 7, count: 1 }, display: '1' });
    expect(findField(d.fields, 'C0')).toMatchObject({ offset: 1, length: 1, bits: { start: 3, count: 1 }, display: '0' });
    expect(findField(d.fields, 'M3–M0')).toMatchObject({ offset: 1, length: 1, bits: { start: 4, count: 4 }, display: '1' });
    expect(findField(d.fields, 'Magic Cookie')).toMatchObject({ offset: 4, length: 4, display: '0x2112a442' });
    expect(findField(d.fields, 'Transaction ID')).toMatchObject({ offset: 8, length: 12 });
    const software = findField(d.fields, 'SOFTWARE')!;
    expect(software).toMatchObject({ offset: 20, length: 16 });
    expect(software.children?.map((c) => c.name)).toEqual(['Attribute Type', 'Attribute Length', 'Value', 'Padding']);
  });
});

suite('encoder puts integrity attributes last, in order', () => {
  it('adds MESSAGE-INTEGRITY then FINGERPRINT after the attributes it was given', () => {
    const key = new Uint8Array([1, 2, 3]);
    const bytes = encodeStun(msg([Username.of('a:b'), UseCandidate.of(true)]), { integrity: key, fingerprint: true });
    const m = decodeStun(bytes).value!;
    expect(m.attributes.map((a) => a.type)).toEqual([AttrType.Username, AttrType.UseCandidate, AttrType.MessageIntegrity, AttrType.Fingerprint]);
    expect(verifyMessageIntegrity(bytes, key).ok).toBe(true);
    expect(verifyFingerprint(bytes).ok).toBe(true);
    expect(describe(m)).toBe('Binding Request (USE-CANDIDATE)');
  });

  it('refuses an attribute after MESSAGE-INTEGRITY or after FINGERPRINT, and a wrong trailer order', () => {
    const mi = MessageIntegrity.of(new Uint8Array(20));
    const fp = Fingerprint.of(0);
    expect(() => encodeStun(msg([mi, Software.of('x')]))).toThrow(/only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow/);
    expect(() => encodeStun(msg([fp, Software.of('x')]))).toThrow(/FINGERPRINT must be the last/);
    expect(() => encodeStun(msg([fp, mi]))).toThrow(StunEncodeError);
    expect(() => encodeStun(msg([mi, mi]))).toThrow(StunEncodeError);
  });

  it('computes MESSAGE-INTEGRITY-SHA256 after MESSAGE-INTEGRITY, truncated when asked, and verifies both', () => {
    const key = longTermKey('alice', 'example.org', 'pw', 'sha256');
    expect(key.length).toBe(32);
    const bytes = encodeStun(msg([Username.of('alice')]), { integrity: key, integritySha256: key, integritySha256Length: 16, fingerprint: true });
    const m = decodeStun(bytes).value!;
    expect(m.attributes.map((a) => a.type)).toEqual([AttrType.Username, AttrType.MessageIntegrity, AttrType.MessageIntegritySha256, AttrType.Fingerprint]);
    expect((m.attributes[2]!.value as Uint8Array).length).toBe(16);
    expect(verifyMessageIntegrity(bytes, key).ok).toBe(true);
    expect(verifyMessageIntegritySha256(bytes, key).ok).toBe(true);
    expect(verifyMessageIntegritySha256(bytes, new Uint8Array(32)).status).toBe('mismatch');
    expect(() => encodeStun(msg([]), { integritySha256: key, integritySha256Length: 18 })).toThrow(/multiple of 4/);
  });

  it('says what failed: absent, altered message, not STUN', () => {
    const key = new Uint8Array([9]);
    const bytes = encodeStun(msg([Software.of('x')]), { integrity: key });
    expect(verifyMessageIntegrity(encodeStun(msg([])), key).status).toBe('absent');
    const altered = bytes.slice();
    altered[24] = altered[24]! ^ 1;
    expect(verifyMessageIntegrity(altered, key)).toMatchObject({ status: 'mismatch', ok: false });
    expect(verifyMessageIntegrity(new Uint8Array(8), key).status).toBe('not-stun');
    const fp = encodeStun(msg([]), { fingerprint: true });
    fp[fp.length - 1] = fp[fp.length - 1]! ^ 1;
    expect(verifyFingerprint(fp)).toMatchObject({ status: 'mismatch' });
  });
});

suite('RFC 8489 Appendix B.1: USERHASH, nonce cookie, MESSAGE-INTEGRITY-SHA256', () => {
  it('decodes cleanly, USERHASH equals SHA-256(username ":" realm), and MI-SHA256 verifies with the (default MD5) long-term key', () => {
    const d = decodeStun(RFC8489_B1_REQUEST);
    expect(d.problems).toEqual([]);
    const m = d.value!;
    expect(toHex(getAttribute(m, Userhash)!)).toBe(toHex(userHash(LONG_TERM_USERNAME, 'example.org')));
    expect(getAttribute(m, Nonce)).toBe('obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA');
    expect(nonceSecurityFeatures(getAttribute(m, Nonce)!)?.bits).toBe(2);
    expect(findField(d.fields, 'Nonce cookie')).toMatchObject({ offset: 60, length: 9 });
    expect(getAttribute(m, Realm)).toBe('example.org');
    const key = longTermKey(LONG_TERM_USERNAME, 'example.org', LONG_TERM_PASSWORD);
    expect(verifyMessageIntegritySha256(RFC8489_B1_REQUEST, key).status).toBe('valid');
    expect(toHex(encodeStun(m, { integritySha256: key }))).toBe(toHex(RFC8489_B1_REQUEST));
  });

  it('reads and writes the security feature bits of a nonce cookie (bit 0 = password algorithms, bit 1 = username anonymity)', () => {
    const n = makeNonce({ passwordAlgorithms: true }, 'xyz');
    expect(n).toBe('obMatJos2gAAAxyz');
    expect(nonceSecurityFeatures(n)).toEqual({ passwordAlgorithms: true, usernameAnonymity: false, bits: 0x800000 });
    expect(nonceSecurityFeatures(makeNonce({ usernameAnonymity: true }, ''))?.usernameAnonymity).toBe(true);
    expect(nonceSecurityFeatures('plain-nonce')).toBeUndefined();
  });
});

suite('malformed messages give problems, never exceptions', () => {
  const good = encodeStun(msg([Username.of('user'), Software.of('abc'), XorPeerAddress.of({ ip: '192.0.2.1', port: 3480 })]), {
    integrity: new Uint8Array([1]),
    fingerprint: true,
  });

  it('every truncation of a valid message is reported, and nothing throws', () => {
    for (const src of [good, SAMPLE_REQUEST, RFC8489_B1_REQUEST]) {
      for (let n = 0; n < src.length; n++) {
        const d = decodeStun(src.subarray(0, n));
        expect(d.problems.length, `${n} of ${src.length} bytes`).toBeGreaterThan(0);
      }
    }
  });

  it('every single-byte corruption decodes without throwing', () => {
    for (let i = 0; i < SAMPLE_REQUEST.length; i++) {
      for (const v of [0x00, 0xff, 0x7f]) {
        const b = SAMPLE_REQUEST.slice();
        b[i] = v;
        expect(() => decodeStun(b)).not.toThrow();
      }
    }
  });

  it('flags a bad cookie, nonzero leading bits and a length that is not a multiple of 4', () => {
    const b = good.slice();
    b[4] = 0;
    expect(messages(b).join()).toMatch(/magic cookie/);
    const lead = good.slice();
    lead[0] = lead[0]! | 0xc0;
    expect(messages(lead).join()).toMatch(/leading bits/);
    const odd = good.slice();
    odd[3] = odd[3]! + 1;
    expect(messages(odd).join()).toMatch(/not a multiple of 4/);
  });

  it('flags an attribute that runs past the end, and trailing bytes', () => {
    const b = encodeStun(msg([Software.of('abcd')]));
    b[23] = 40; // SOFTWARE length 40 inside a 28-byte message
    expect(messages(b).join()).toMatch(/SOFTWARE runs past the end/);
    expect(messages(new Uint8Array([...encodeStun(msg([])), 1, 2])).join()).toMatch(/2 byte\(s\) after the end/);
  });

  it('flags attributes after FINGERPRINT and after MESSAGE-INTEGRITY, duplicates, and a wrong FINGERPRINT', () => {
    const withFp = encodeStun(msg([Software.of('abcd')]), { fingerprint: true });
    const after = new Uint8Array([...withFp, 0x80, 0x22, 0x00, 0x00]);
    after[3] = after[3]! + 4;
    expect(messages(after).join()).toMatch(/SOFTWARE after FINGERPRINT/);

    const mi = encodeStun(msg([Software.of('abcd')]), { integrity: new Uint8Array([1]) });
    const afterMi = new Uint8Array([...mi, 0x80, 0x22, 0x00, 0x00]);
    afterMi[3] = afterMi[3]! + 4;
    expect(messages(afterMi).join()).toMatch(/SOFTWARE after MESSAGE-INTEGRITY is ignored/);

    const dup = encodeStun(msg([Lifetime.of(1), Lifetime.of(2), XorPeerAddress.of({ ip: '192.0.2.1', port: 1 }), XorPeerAddress.of({ ip: '192.0.2.2', port: 1 })]));
    expect(messages(dup)).toEqual(['duplicate LIFETIME: only the first is processed (RFC 8489 §14)']);

    const badFp = withFp.slice();
    badFp[badFp.length - 1] = badFp[badFp.length - 1]! ^ 0xff;
    expect(messages(badFp).join()).toMatch(/FINGERPRINT is 0x[0-9a-f]+, expected/);
  });

  it('flags missing padding at the end of the message', () => {
    const b = encodeStun(msg([Software.of('abc')]));
    const cut = b.slice(0, b.length - 1);
    cut[3] = cut[3]! - 1;
    expect(messages(cut).join()).toMatch(/padding missing/);
  });

  it('keeps unknown attributes as raw bytes, flagged comprehension-required or optional', () => {
    const bytes = encodeStun(msg([rawAttribute(0x7777, new Uint8Array([1, 2])), rawAttribute(0xfeed, new Uint8Array([3]))]));
    const d = decodeStun(bytes);
    expect(d.problems).toEqual([]);
    expect(d.value!.attributes).toEqual([
      { type: 0x7777, value: new Uint8Array([1, 2]), opaque: true },
      { type: 0xfeed, value: new Uint8Array([3]), opaque: true },
    ]);
    expect(unknownComprehensionRequired(d.value!)).toEqual([0x7777]);
    expect(findField(d.fields, 'UNKNOWN-0x7777')?.display).toBe('2 bytes, unknown (comprehension-required)');
    expect(findField(d.fields, 'UNKNOWN-0xfeed')?.display).toBe('1 bytes, unknown (comprehension-optional)');
    expect(toHex(encodeStun(d.value!))).toBe(toHex(bytes));
  });

  it('a known attribute with a malformed value is kept raw, with a problem', () => {
    const bytes = encodeStun(msg([rawAttribute(AttrType.ErrorCode, new Uint8Array([0, 0]))], Method.Binding, 'error'));
    const d = decodeStun(bytes);
    expect(d.problems.map((p) => p.message).join()).toMatch(/ERROR-CODE: value is 2 byte\(s\), needs 4/);
    expect(d.value!.attributes[0]).toMatchObject({ type: AttrType.ErrorCode, opaque: true });
    expect(getAttribute(d.value!, ErrorCode)).toBeUndefined();
  });
});

suite('describe', () => {
  it('names method, class, error and the details a ladder wants', () => {
    expect(describe(msg([ErrorCode.of({ code: 401, reason: 'Unauthorized' })], Method.Allocate, 'error'))).toBe('Allocate Error Response 401 Unauthorized');
    expect(describe(msg([ChannelNumber.of(0x4000), XorPeerAddress.of({ ip: '192.0.2.1', port: 3480 })], Method.ChannelBind))).toBe(
      'ChannelBind Request (0x4000 → 192.0.2.1:3480)',
    );
    expect(describe(msg([Lifetime.of(0)], Method.Refresh))).toBe('Refresh Request (LIFETIME 0)');
    expect(describe(msg([], 0x0ab, 'indication'))).toBe('Method 0x0ab Indication');
  });
});
