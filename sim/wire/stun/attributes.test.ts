// Every attribute definition writes a value that reads back the same, with no problem, inside a real message.
import { describe as suite, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import * as S from './index.ts';
import type { AttributeCodec } from './index.ts';

const tid = new Uint8Array([0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae]);

const cases: [AttributeCodec<unknown>, unknown][] = [
  [S.MappedAddress, { ip: '192.0.2.1', port: 1 }],
  [S.XorMappedAddress, { ip: '2001:db8::1', port: 65535 }],
  [S.AlternateServer, { ip: '2001:db8::2', port: 3478 }],
  [S.XorPeerAddress, { ip: '198.51.100.7', port: 3480 }],
  [S.XorRelayedAddress, { ip: '203.0.113.9', port: 49152 }],
  [S.ResponseOrigin, { ip: '192.0.2.2', port: 3478 }],
  [S.OtherAddress, { ip: '192.0.2.3', port: 3479 }],
  [S.ChangedAddress, { ip: '192.0.2.4', port: 3479 }],
  [S.Username, 'alice'],
  [S.Userhash, new Uint8Array(32).fill(7)],
  [S.ErrorCode, { code: 438, reason: 'Stale Nonce' }],
  [S.Realm, 'example.org'],
  [S.Nonce, S.makeNonce({ passwordAlgorithms: true, usernameAnonymity: true }, 'abc')],
  [S.PasswordAlgorithms, [{ algorithm: 2, parameters: new Uint8Array(0) }, { algorithm: 1, parameters: new Uint8Array([9]) }]],
  [S.PasswordAlgorithmAttr, { algorithm: 2, parameters: new Uint8Array(0) }],
  [S.UnknownAttributes, [0x7777, 0x0031]],
  [S.Software, 'rtclab'],
  [S.AlternateDomain, 'turn.example.org'],
  [S.ChannelNumber, 0x4001],
  [S.Lifetime, 600],
  [S.Data, new Uint8Array([1, 2, 3, 4, 5])],
  [S.RequestedAddressFamily, 6],
  [S.AdditionalAddressFamily, 6],
  [S.EvenPort, { reserve: true }],
  [S.RequestedTransport, 17],
  [S.DontFragment, true],
  [S.ReservationToken, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])],
  [S.AddressErrorCode, { family: 6, code: 440, reason: 'Address Family not Supported' }],
  [S.Icmp, { type: 3, code: 4, data: 1400 }],
  [S.ConnectionId, 0xdeadbeef],
  [S.Priority, 0x6e0001ff],
  [S.UseCandidate, true],
  [S.IceControlled, 0x932ff9b151263b36n],
  [S.IceControlling, 0xffffffffffffffffn],
  [S.GoogNetworkInfo, { networkId: 1, networkCost: 10 }],
  [S.ChangeRequest, { changeIp: true, changePort: false }],
  [S.Padding, new Uint8Array(7)],
  [S.ResponsePort, 5000],
  [S.CacheTimeout, 60],
];

suite('attribute round trips', () => {
  for (const [codec, value] of cases) {
    it(`${codec.name} (0x${codec.type.toString(16).padStart(4, '0')}) reads back what it wrote`, () => {
      const bytes = S.encodeStun({ method: S.Method.Allocate, class: 'request', transactionId: tid, attributes: [codec.of(value)] });
      const d = S.decodeStun(bytes);
      expect(d.problems).toEqual([]);
      expect(d.value!.attributes).toHaveLength(1);
      expect(d.value!.attributes[0]!.opaque).toBeUndefined();
      expect(d.value!.attributes[0]!.value).toEqual(value);
      expect(findField(d.fields, codec.name)?.length).toBe(bytes.length - 20);
    });
  }

  it('bit-level layouts: ERROR-CODE class/number, EVEN-PORT R bit, ICMP 7/9 bits, CHANGE-REQUEST A/B flags', () => {
    const enc = (a: S.StunAttribute): string => toHex(S.encodeStun({ method: 1, class: 'request', transactionId: tid, attributes: [a] }).subarray(24));
    expect(enc(S.ErrorCode.of({ code: 420, reason: '' }))).toBe('00000414');
    expect(enc(S.EvenPort.of({ reserve: true }))).toBe('80000000');
    expect(enc(S.Icmp.of({ type: 3, code: 4, data: 0 }))).toBe('0000060400000000');
    expect(enc(S.ChangeRequest.of({ changeIp: true, changePort: true }))).toBe('00000006');
    expect(enc(S.RequestedTransport.of(17))).toBe('11000000');
    expect(enc(S.ChannelNumber.of(0x4000))).toBe('40000000');
  });

  it('encoders refuse values that do not fit', () => {
    const enc = (a: S.StunAttribute): Uint8Array => S.encodeStun({ method: 1, class: 'request', transactionId: tid, attributes: [a] });
    expect(() => enc(S.XorMappedAddress.of({ ip: 'not-an-ip', port: 1 }))).toThrow(RangeError);
    expect(() => enc(S.ErrorCode.of({ code: 700, reason: '' }))).toThrow(RangeError);
    expect(() => enc(S.Lifetime.of(-1))).toThrow(RangeError);
    expect(() => S.encodeStun({ method: 1, class: 'request', transactionId: new Uint8Array(8), attributes: [] })).toThrow(S.StunEncodeError);
  });
});
