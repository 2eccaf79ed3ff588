import type { TransportAddress } from '../core/endpoint.ts';
import {
  decodeStun, encodeStun, ErrorCode, getAttribute, hasAttribute, IceControlled, IceControlling, Method, Priority, shortTermKey, UseCandidate,
  Username, verifyFingerprint, verifyMessageIntegrity, XorMappedAddress, AttrType, Software,
} from '../wire/stun/index.ts';
import type { EncodeOptions, StunAttribute, StunMessage } from '../wire/stun/index.ts';

/** ICE connectivity checks on the wire (RFC 8445 §7.1, §7.3): Binding requests and responses with short-term credentials. */

export interface CheckRequest {
  readonly transactionId: Uint8Array;
  readonly localUfrag: string;
  readonly remoteUfrag: string;
  /** The peer's password: the request's MESSAGE-INTEGRITY uses it (§7.2.2). */
  readonly remotePwd: string;
  /** §7.1.1: the priority a peer-reflexive candidate learned from this check would get. */
  readonly priority: number;
  readonly controlling: boolean;
  readonly tieBreaker: bigint;
  readonly useCandidate: boolean;
}

/** §7.1: USERNAME is "remote ufrag:local ufrag"; PRIORITY, ICE-CONTROLLING/ICE-CONTROLLED, USE-CANDIDATE. */
export function checkAttributes(c: Omit<CheckRequest, 'transactionId' | 'remotePwd'>): StunAttribute[] {
  const attrs: StunAttribute[] = [
    Username.of(`${c.remoteUfrag}:${c.localUfrag}`),
    Priority.of(c.priority),
    c.controlling ? IceControlling.of(c.tieBreaker) : IceControlled.of(c.tieBreaker),
  ];
  if (c.useCandidate) attrs.push(UseCandidate.of(true));
  return attrs;
}

/** §7.2.2: short-term MESSAGE-INTEGRITY with the peer's password, then FINGERPRINT. */
export function checkEncodeOptions(remotePwd: string): EncodeOptions {
  return { integrity: shortTermKey(remotePwd), fingerprint: true };
}

/** A whole check request, as sent on the wire. */
export function encodeCheck(c: CheckRequest): Uint8Array {
  return encodeStun({ method: Method.Binding, class: 'request', transactionId: c.transactionId, attributes: checkAttributes(c) }, checkEncodeOptions(c.remotePwd));
}

/** §7.3.1: the success response carries XOR-MAPPED-ADDRESS (the request's source), then `extra` (SPED's), signed with the local password. */
export function encodeCheckSuccess(transactionId: Uint8Array, mapped: TransportAddress, localPwd: string, extra: readonly StunAttribute[] = []): Uint8Array {
  return encodeStun({ method: Method.Binding, class: 'success', transactionId, attributes: [XorMappedAddress.of(mapped), ...extra] }, { integrity: shortTermKey(localPwd), fingerprint: true });
}

/** An error response (400, 401, 487); signed when the request's credentials were good (RFC 8489 §9.1.4). */
export function encodeCheckError(transactionId: Uint8Array, code: number, reason: string, localPwd?: string): Uint8Array {
  return encodeStun(
    { method: Method.Binding, class: 'error', transactionId, attributes: [ErrorCode.of({ code, reason }), Software.of('rtclab')] },
    { ...(localPwd !== undefined ? { integrity: shortTermKey(localPwd) } : {}), fingerprint: true },
  );
}

export interface ReceivedCheck {
  readonly msg: StunMessage;
  readonly username: string | undefined;
  readonly priority: number | undefined;
  readonly controlling: bigint | undefined;
  readonly controlled: bigint | undefined;
  readonly useCandidate: boolean;
}

export function readCheck(msg: StunMessage): ReceivedCheck {
  return {
    msg,
    username: getAttribute(msg, Username),
    priority: getAttribute(msg, Priority),
    controlling: getAttribute(msg, IceControlling),
    controlled: getAttribute(msg, IceControlled),
    useCandidate: hasAttribute(msg, AttrType.UseCandidate),
  };
}

/**
 * RFC 8445 §7.3 with RFC 8489 §9.1.3: a check is authentic when FINGERPRINT is right, USERNAME starts with our
 * ufrag and MESSAGE-INTEGRITY verifies with our password. Returns the error code to answer with (`authentic` when the
 * request's MESSAGE-INTEGRITY verified, so the answer is signed; `why` for a 400), or undefined.
 */
export function authenticateCheck(bytes: Uint8Array, check: ReceivedCheck, localUfrag: string, localPwd: string): { code: number; reason: string; authentic?: boolean; why?: string } | undefined {
  if (verifyFingerprint(bytes).status === 'mismatch') return { code: 400, reason: 'Bad Request' };
  if (check.username === undefined || !hasAttribute(check.msg, AttrType.MessageIntegrity)) return { code: 400, reason: 'Bad Request' };
  const [ours] = check.username.split(':');
  if (ours !== localUfrag) return { code: 401, reason: 'Unauthorized' };
  if (verifyMessageIntegrity(bytes, shortTermKey(localPwd)).status !== 'valid') return { code: 401, reason: 'Unauthorized' };
  // §7.3: authentic, but without the PRIORITY a peer-reflexive candidate would need (§7.1.1)
  if (check.priority === undefined) return { code: 400, reason: 'Bad Request', authentic: true, why: 'no PRIORITY attribute' };
  return undefined;
}

export { decodeStun };
