import { toHex } from '../../core/encoding.ts';
import { checkUint, defineAttribute } from './attribute.ts';
import { AttrType } from './constants.ts';

/**
 * SPED, "STUN Protocol for Embedding DTLS" (draft-hancke-webrtc-sped-00 §3.3.2): a DTLS handshake packet and the
 * CRC-32s acknowledging received ones, carried in ICE Binding requests and responses. Both are comprehension-optional;
 * the draft leaves their codes TBD and libwebrtc uses 0xC070 and 0xC071 (see constants.ts).
 */

/** RFC 9443 §3 (RFC 7983 §7): a first byte from 20 to 63 is DTLS. */
export function isDtlsFirstByte(b: number | undefined): boolean {
  return b !== undefined && b >= 20 && b <= 63;
}

/**
 * §3.3.2.1: one DTLS handshake packet, or empty to say "SPED supported, nothing to embed". A non-empty value whose
 * first byte is not DTLS is to be silently discarded by the receiver: noted here, the bytes kept.
 */
export const DtlsInStunData = defineAttribute<Uint8Array>(AttrType.DtlsInStunData, {
  decode: (r) => {
    const first = r.peekU8();
    if (first !== undefined && !isDtlsFirstByte(first)) {
      r.problem(`DTLS-IN-STUN-DATA: first byte ${first} is not DTLS (20–63, RFC 9443 §3): the receiver discards it (draft-hancke-webrtc-sped §3.3.2.1)`, r.pos, r.remaining);
    }
    return r.rest('Embedded DTLS', (v) => (v.length === 0 ? 'empty (SPED supported, no DTLS packet embedded)' : `${v.length} bytes`));
  },
  encode: (w, v) => {
    w.bytes(v);
  },
  show: (v) => (v.length === 0 ? 'empty (SPED supported)' : `${v.length}-byte DTLS packet`),
});

/** The draft's recommended cap on acknowledgements per attribute (§3.3.2.2). */
export const SPED_ACK_CAP = 4;

/**
 * §3.3.2.2: the CRC-32 (as FINGERPRINT's, without its XOR) of each DTLS-IN-STUN-DATA value received, in the order
 * received; may be empty. A length that is not a multiple of 4 is noted and its tail kept as bytes.
 */
export const DtlsInStunAck = defineAttribute<readonly number[]>(AttrType.DtlsInStunAck, {
  decode: (r) => {
    const start = r.pos;
    const acks: number[] = [];
    const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;
    while (r.remaining >= 4) acks.push(r.u32('Acknowledged CRC-32', hex));
    if (r.remaining > 0) {
      r.problem(`DTLS-IN-STUN-ACK: ${r.remaining} byte(s) left over, the value must be a list of 32-bit CRC-32s (draft-hancke-webrtc-sped §3.3.2.2)`, r.pos, r.remaining);
      r.rest('Left over', toHex);
    }
    if (acks.length > SPED_ACK_CAP) r.problem(`DTLS-IN-STUN-ACK: ${acks.length} acknowledgements, more than the recommended cap of ${SPED_ACK_CAP} (draft-hancke-webrtc-sped §3.3.2.2)`, start, acks.length * 4);
    return acks;
  },
  encode: (w, v) => {
    for (const crc of v) w.u32(checkUint(crc, 32, 'DTLS-IN-STUN-ACK CRC-32'));
  },
  show: (v) => (v.length === 0 ? 'none' : v.map((c) => `0x${c.toString(16).padStart(8, '0')}`).join(', ')),
});
