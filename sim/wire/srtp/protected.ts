import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import { decodeRtp, type RtpPacket } from '../rtp/rtp.ts';
import type { ExtensionMap } from '../rtp/extensions.ts';
import { RtcpCommonHeader, rtcpTypeName } from '../rtcp/header.ts';
import { hex } from '../struct.ts';
import type { SrtpProfile } from './profiles.ts';

/**
 * Dissecting protected packets without keys, for the packet view: what SRTP and SRTCP leave in clear
 * (RFC 3711 §3.1, §3.4) with spans, and the ciphertext and tag as opaque fields.
 */
export function decodeSrtp(bytes: Uint8Array, profile: SrtpProfile, extensions?: ExtensionMap, base = 0, spans = true): Decoded<RtpPacket> {
  // two literals rather than a conditional spread (this runs for every SRTP packet of a packet list)
  return decodeRtp(bytes, extensions ? { srtpTagLength: profile.srtpTagLength, extensions, spans } : { srtpTagLength: profile.srtpTagLength, spans }, base);
}

export interface SrtcpView {
  readonly packetType: number;
  readonly count: number;
  readonly ssrc: number;
  readonly encrypted: boolean;
  readonly index: number;
  /** The (possibly encrypted) rest of the compound packet after the first 8 bytes. */
  readonly body: Uint8Array;
  readonly authTag: Uint8Array;
}

/** One Reader for every SRTCP decode (nothing here decodes SRTCP again before it returns). */
const reader = new Reader(new Uint8Array(0));
const NO_TAG = new Uint8Array(0);

export function decodeSrtcp(bytes: Uint8Array, profile: SrtpProfile, base = 0, spans = true): Decoded<SrtcpView | undefined> {
  const r = reader.reset(bytes, base, spans);
  const t = srtcpTrailer(profile, bytes);
  if (!t) {
    r.problem(`${bytes.length} bytes are too few for SRTCP with a ${profile.srtcpTagLength}-byte tag`, 0, bytes.length);
    return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  }
  const h = r.spans ? r.group('RTCP header (clear)', () => RtcpCommonHeader.decode(r), (v) => rtcpTypeName(v.packetType)) : RtcpCommonHeader.decode(r);
  const ssrc = r.u32('SSRC of sender', hex(8));
  const gcm = profile.cipher === 'aes-gcm';
  const bodyEnd = gcm ? t.trailerAt - profile.srtcpTagLength : t.trailerAt;
  const body = r.bytes(bodyEnd - 8, t.encrypted ? 'encrypted RTCP' : 'RTCP (authenticated only)');
  let authTag: Uint8Array = NO_TAG;
  if (gcm) authTag = r.bytes(profile.srtcpTagLength, 'GCM auth tag');
  const word = r.u32();
  if (r.spans) {
    r.fieldBits('E', t.trailerAt, 1, 0, 1, t.encrypted ? '1 (encrypted)' : '0 (not encrypted)');
    r.fieldBits('SRTCP index', t.trailerAt, 4, 1, 31, String(word & 0x7fffffff));
  }
  if (!gcm) authTag = r.bytes(profile.srtcpTagLength, 'auth tag');
  return { value: { packetType: h.packetType, count: h.count, ssrc, encrypted: t.encrypted, index: t.index, body, authTag }, fields: r.fieldList(), problems: r.problemList() };
}

/** RFC 3711 §3.4: the E bit of the SRTCP index word says the payload is encrypted. */
export const SRTCP_E_FLAG = 0x80000000;

const readU32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** The E flag and index of an SRTCP packet, read from its trailer (no authentication). */
export function srtcpTrailer(profile: SrtpProfile, packet: Uint8Array): { index: number; encrypted: boolean; trailerAt: number } | undefined {
  const tag = profile.srtcpTagLength;
  if (packet.length < 8 + 4 + tag) return undefined;
  const trailerAt = profile.cipher === 'aes-gcm' ? packet.length - 4 : packet.length - tag - 4;
  const word = readU32(packet, trailerAt);
  return { index: word & 0x7fffffff, encrypted: (word & SRTCP_E_FLAG) !== 0, trailerAt };
}
