import type { TransportAddress } from '../core/endpoint.ts';
import type { EncodeOptions, StunAttribute, StunMessage } from '../wire/stun/index.ts';
import { encodeStun, ERROR_REASONS, ErrorCode, Software, UnknownAttributes } from '../wire/stun/index.ts';

/** Building responses shared by the STUN and TURN servers (RFC 8489 §6.3). */

/** A success or error response to `req` with the same method and transaction id. */
export function response(req: StunMessage, cls: 'success' | 'error', attributes: readonly StunAttribute[], options: EncodeOptions = {}): Uint8Array {
  return encodeStun({ method: req.method, class: cls, transactionId: req.transactionId, attributes }, options);
}

/** ERROR-CODE with the registry's reason phrase (RFC 8489 §14.8), then any extra attributes. */
export function errorAttributes(code: number, extra: readonly StunAttribute[] = [], reason?: string): StunAttribute[] {
  return [ErrorCode.of({ code, reason: reason ?? ERROR_REASONS.get(code) ?? 'Error' }), ...extra];
}

/** RFC 8489 §6.3.1.1: 420 listing the comprehension-required attributes the server did not understand. */
export function unknownAttributeError(req: StunMessage, unknown: readonly number[], software: string | undefined, fingerprint: boolean): Uint8Array {
  return response(req, 'error', [...errorAttributes(420, [UnknownAttributes.of(unknown)]), ...softwareAttr(software)], { fingerprint });
}

export function softwareAttr(software: string | undefined): StunAttribute[] {
  return software ? [Software.of(software)] : [];
}

export const key = (a: TransportAddress): string => `${a.ip}|${a.port}`;
