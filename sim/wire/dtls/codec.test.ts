import { describe, expect, test } from 'vitest';
import { fromHex, toHex } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { decodeAlert, describeAlert, encodeAlert } from '../handshake/alert.ts';
import {
  ecPointFormatsExtension,
  extendedMasterSecretExtension,
  findExtension,
  keyShareExtension,
  rawExtension,
  renegotiationInfoExtension,
  sessionTicketExtension,
  signatureAlgorithmsExtension,
  supportedGroupsExtension,
  supportedVersionsExtension,
  useSrtpExtension,
} from '../handshake/extensions.ts';
import { decodeHandshake, decodeHandshakeFragments, encodeHandshake } from './handshake.ts';
import type { HandshakeBody } from './handshake.ts';
import { NamedGroup, SignatureScheme, SrtpProtectionProfile } from '../handshake/names.ts';
import { decodeRecords, encodeRecord } from './record.ts';

const random = (b: number): Uint8Array => new Uint8Array(32).fill(b);

const clientHello: HandshakeBody = {
  type: 'client_hello',
  clientVersion: 0xfefd,
  random: random(1),
  sessionId: new Uint8Array(0),
  cookie: new Uint8Array(32).fill(7),
  cipherSuites: [0xc02b, 0x00ff],
  compressionMethods: [0],
  extensions: [
    useSrtpExtension([SrtpProtectionProfile.SRTP_AEAD_AES_128_GCM, SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80], new Uint8Array([0xab])),
    extendedMasterSecretExtension(),
    supportedGroupsExtension([NamedGroup.x25519, NamedGroup.secp256r1]),
    ecPointFormatsExtension([0]),
    signatureAlgorithmsExtension([SignatureScheme.ecdsa_secp256r1_sha256]),
    renegotiationInfoExtension(),
    sessionTicketExtension(),
    rawExtension(0x1234, new Uint8Array([9, 9])),
  ],
};

const bodies: HandshakeBody[] = [
  clientHello,
  { type: 'hello_verify_request', serverVersion: 0xfeff, cookie: new Uint8Array(20).fill(3) },
  {
    type: 'server_hello',
    serverVersion: 0xfefd,
    random: random(2),
    sessionId: new Uint8Array(32).fill(5),
    cipherSuite: 0xc02b,
    compressionMethod: 0,
    extensions: [useSrtpExtension([1]), extendedMasterSecretExtension(), renegotiationInfoExtension()],
  },
  { type: 'certificate', certificates: [new Uint8Array(300).fill(0x30), new Uint8Array(5).fill(1)] },
  { type: 'server_key_exchange', curveType: 3, namedGroup: NamedGroup.secp256r1, publicKey: new Uint8Array(65).fill(4), signatureScheme: 0x0403, signature: new Uint8Array(71).fill(0x30) },
  { type: 'certificate_request', certificateTypes: [64, 1], signatureSchemes: [0x0403, 0x0804], certificateAuthorities: [new Uint8Array([0x30, 0])] },
  { type: 'server_hello_done' },
  { type: 'certificate_verify', signatureScheme: 0x0403, signature: new Uint8Array(70).fill(9) },
  { type: 'client_key_exchange', publicKey: new Uint8Array(32).fill(8) },
  { type: 'finished', verifyData: new Uint8Array(12).fill(6) },
  { type: 'new_session_ticket', ticketLifetimeHint: 7200, ticket: new Uint8Array(40).fill(2) },
];

describe('handshake messages (RFC 6347 §4.2.2)', () => {
  test.each(bodies.map((b) => [b.type, b] as const))('%s encodes and decodes back to the same value with no problems', (_, body) => {
    const bytes = encodeHandshake({ messageSeq: 3, body });
    const d = decodeHandshake(bytes);
    expect(d.problems).toEqual([]);
    expect(d.value?.messageSeq).toBe(3);
    expect(d.value?.body).toEqual(body);
    // and re-encoding the decoded value gives the same bytes
    expect(toHex(encodeHandshake(d.value!))).toBe(toHex(bytes));
  });

  test('every field span lies inside the message', () => {
    for (const body of bodies) {
      const bytes = encodeHandshake({ messageSeq: 0, body });
      const walk = (fs: readonly { offset: number; length: number; children?: readonly unknown[] }[]): void => {
        for (const f of fs) {
          expect(f.offset).toBeGreaterThanOrEqual(0);
          expect(f.offset + f.length).toBeLessThanOrEqual(bytes.length);
          if (f.children) walk(f.children as typeof fs);
        }
      };
      walk(decodeHandshake(bytes).fields);
    }
  });

  test('use_srtp decodes its profile list and MKI, with spans on the right bytes', () => {
    const bytes = encodeHandshake({ messageSeq: 0, body: clientHello });
    const d = decodeHandshake(bytes);
    const ch = d.value?.body;
    if (ch?.type !== 'client_hello') throw new Error('not a ClientHello');
    const srtp = findExtension(ch.extensions, 'use_srtp');
    expect(srtp?.body.profiles).toEqual([7, 1]);
    expect(toHex(srtp!.body.mki)).toBe('ab');
    const mki = findField(d.fields, 'srtp_mki')!;
    expect(toHex(bytes.subarray(mki.offset, mki.offset + mki.length))).toBe('ab');
    const suite = findField(d.fields, 'cipher suite')!;
    expect(suite.display).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)');
    expect(findExtension(ch.extensions, 'extended_master_secret')).toBeDefined();
    expect(ch.extensions.at(-1)?.body.kind).toBe('raw');
  });

  test('DTLS 1.3 supported_versions and key_share have client and server forms', () => {
    const share = { group: NamedGroup.x25519, keyExchange: new Uint8Array(32).fill(1) };
    const c = keyShareExtension([share, { group: NamedGroup.X25519MLKEM768, keyExchange: new Uint8Array(1216) }]);
    expect(c.body.kind === 'key_share' && c.body.shares.map((s) => s.group)).toEqual([0x001d, 0x11ec]);
    const s = keyShareExtension([share], 'server_hello');
    expect(s.data.length).toBe(2 + 2 + 32);
    expect(s.body.kind === 'key_share' && s.body.shares[0]?.group).toBe(0x001d);
    expect(supportedVersionsExtension([0xfefc, 0xfefd]).body).toEqual({ kind: 'supported_versions', versions: [0xfefc, 0xfefd] });
    expect(supportedVersionsExtension([0xfefc], 'server_hello').body).toEqual({ kind: 'supported_versions', versions: [0xfefc], selected: 0xfefc });
  });

  test('several handshake messages in one record are all decoded', () => {
    const a = encodeHandshake({ messageSeq: 4, body: { type: 'server_hello_done' } });
    const b = encodeHandshake({ messageSeq: 5, body: { type: 'finished', verifyData: new Uint8Array(12) } });
    const d = decodeHandshakeFragments(new Uint8Array([...a, ...b]));
    expect(d.value.map((m) => m.body?.type)).toEqual(['server_hello_done', 'finished']);
    expect(d.value[1]?.fragment.offset).toBe(12);
  });

  test('a fragment that claims to run past its message length is a problem', () => {
    const bytes = fromHex('0e000002000100000100000500');
    const d = decodeHandshakeFragments(bytes);
    expect(d.problems.some((p) => p.message.includes('exceeds message length'))).toBe(true);
  });

  test('a Finished of the wrong size and an unknown message type are problems with the bytes kept', () => {
    const f = decodeHandshake(fromHex('140000030000000000000003010203'));
    expect(f.problems.map((p) => p.message)).toEqual([expect.stringContaining('expected 12')]);
    const u = decodeHandshake(fromHex('630000020000000000000002aabb'));
    expect(u.value?.body).toEqual({ type: 'unknown', msgType: 0x63, raw: fromHex('aabb') });
    expect(u.problems[0]?.message).toContain('unknown handshake type 99');
  });
});

describe('records (RFC 6347 §4.1)', () => {
  test('encode/decode round trip with a 48-bit sequence number', () => {
    const rec = encodeRecord({ contentType: 22, epoch: 0, sequenceNumber: 0xfffffffffff0, fragment: fromHex('0102') });
    expect(toHex(rec)).toBe('16fefd0000fffffffffff000020102');
    const d = decodeRecords(rec);
    expect(d.problems).toEqual([]);
    expect(d.value[0]).toMatchObject({ kind: 'dtls12', contentType: 22, version: 0xfefd, epoch: 0, sequenceNumber: 0xfffffffffff0, length: 2, encrypted: false });
  });

  test('several records in one datagram, epoch > 0 flagged as encrypted', () => {
    const a = encodeRecord({ contentType: 20, epoch: 0, sequenceNumber: 5, fragment: new Uint8Array([1]) });
    const b = encodeRecord({ contentType: 22, epoch: 1, sequenceNumber: 0, fragment: new Uint8Array(40) });
    const d = decodeRecords(new Uint8Array([...a, ...b]));
    expect(d.value.map((r) => [r.offset, r.encrypted])).toEqual([
      [0, false],
      [14, true],
    ]);
  });

  test('an unknown content type and a non-DTLS version are problems, the record still decodes', () => {
    const e = decodeRecords(fromHex('1b030300000000000000000001ff'));
    expect(e.value.length).toBe(1);
    expect(e.problems.map((p) => p.message)).toEqual([expect.stringContaining('unknown content type 27'), expect.stringContaining('not a DTLS version')]);
  });

  test('a length running past the datagram is a truncation problem', () => {
    const d = decodeRecords(fromHex('16fefd000000000000000000100102'));
    expect(d.value.length).toBe(1);
    expect(d.problems[0]?.message).toMatch(/truncated/);
  });
});

describe('alerts (RFC 5246 §7.2)', () => {
  test('level and description by name', () => {
    const d = decodeAlert(encodeAlert({ level: 2, description: 40 }));
    expect(d.problems).toEqual([]);
    expect(describeAlert(d.value)).toBe('fatal handshake_failure');
    expect(findField(d.fields, 'description')?.display).toBe('handshake_failure (0x28)');
  });
});
