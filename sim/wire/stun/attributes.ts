import { AttrType } from './constants.ts';
import type { AttributeCodec, StunAttribute } from './attribute.ts';
import * as address from './attrs-address.ts';
import * as iceNat from './attrs-ice-nat.ts';
import * as sped from './attrs-sped.ts';
import * as stun from './attrs-stun.ts';
import * as turn from './attrs-turn.ts';

/** Every attribute this codec understands, by type; anything else is kept as raw bytes. */
const ALL: readonly AttributeCodec<unknown>[] = [
  address.MappedAddress,
  address.XorMappedAddress,
  address.AlternateServer,
  address.XorPeerAddress,
  address.XorRelayedAddress,
  address.ResponseOrigin,
  address.OtherAddress,
  address.ResponseAddress,
  address.SourceAddress,
  address.ChangedAddress,
  address.ReflectedFrom,
  stun.Username,
  stun.Userhash,
  stun.MessageIntegrity,
  stun.MessageIntegritySha256,
  stun.Fingerprint,
  stun.ErrorCode,
  stun.Realm,
  stun.Nonce,
  stun.PasswordAlgorithms,
  stun.PasswordAlgorithmAttr,
  stun.UnknownAttributes,
  stun.Software,
  stun.AlternateDomain,
  stun.Password,
  turn.ChannelNumber,
  turn.Lifetime,
  turn.Data,
  turn.RequestedAddressFamily,
  turn.AdditionalAddressFamily,
  turn.EvenPort,
  turn.RequestedTransport,
  turn.DontFragment,
  turn.ReservationToken,
  turn.AddressErrorCode,
  turn.Icmp,
  turn.ConnectionId,
  iceNat.Priority,
  iceNat.UseCandidate,
  iceNat.IceControlled,
  iceNat.IceControlling,
  iceNat.GoogNetworkInfo,
  iceNat.ChangeRequest,
  iceNat.Padding,
  iceNat.ResponsePort,
  iceNat.CacheTimeout,
  sped.DtlsInStunData,
  sped.DtlsInStunAck,
];

const BY_TYPE = new Map<number, AttributeCodec<unknown>>(ALL.map((c) => [c.type, c]));

export function codecFor(type: number): AttributeCodec<unknown> | undefined {
  return BY_TYPE.get(type);
}

/** The value of the first attribute of this kind (RFC 8489 §14: later duplicates need not be processed). */
export function getAttribute<T>(msg: { readonly attributes: readonly StunAttribute[] }, codec: AttributeCodec<T>): T | undefined {
  for (const a of msg.attributes) if (a.type === codec.type && !a.opaque) return a.value as T;
  return undefined;
}

/** Every value of this kind, in order (XOR-PEER-ADDRESS may repeat in CreatePermission, RFC 8656 §9.1). */
export function getAttributes<T>(msg: { readonly attributes: readonly StunAttribute[] }, codec: AttributeCodec<T>): T[] {
  const out: T[] = [];
  for (const a of msg.attributes) if (a.type === codec.type && !a.opaque) out.push(a.value as T);
  return out;
}

export function hasAttribute(msg: { readonly attributes: readonly StunAttribute[] }, type: number): boolean {
  return msg.attributes.some((a) => a.type === type);
}

/** An attribute of a type this codec does not know, or any raw value (tests that craft odd messages). */
export function rawAttribute(type: number, value: Uint8Array): StunAttribute {
  return { type, value, opaque: true };
}

/**
 * The attributes an agent may act on (RFC 8489 §14.5, §14.6): once MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256
 * is present, everything after it is ignored except the other integrity attribute and FINGERPRINT, since the
 * HMAC does not cover it and anyone on the path could have appended it. A message without integrity is returned
 * as it is; so is one with nothing to drop.
 */
export function integrityProtected<M extends { readonly attributes: readonly StunAttribute[] }>(msg: M): M {
  const at = msg.attributes.findIndex((a) => a.type === AttrType.MessageIntegrity || a.type === AttrType.MessageIntegritySha256);
  if (at < 0) return msg;
  const kept = msg.attributes.filter(
    (a, i) => i <= at || a.type === AttrType.MessageIntegrity || a.type === AttrType.MessageIntegritySha256 || a.type === AttrType.Fingerprint,
  );
  return kept.length === msg.attributes.length ? msg : { ...msg, attributes: kept };
}
