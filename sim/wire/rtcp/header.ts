import { struct, uint } from '../struct.ts';

/** RFC 3550 §6.4.1: the first 32-bit word every RTCP packet starts with. */
export const RtcpCommonHeader = struct('RTCP header', [
  uint('version', 2),
  uint('padding', 1),
  /** Reception report count (SR/RR), source count (SDES/BYE), subtype (APP) or FMT (RFC 4585 feedback). */
  uint('count', 5),
  uint('packetType', 8, (v) => `${v} (${rtcpTypeName(v)})`),
  uint('length', 16, (v) => `${v} (${(v + 1) * 4} bytes)`),
]);

export const RTCP_SR = 200; // RFC 3550 §6.4.1
export const RTCP_RR = 201; // RFC 3550 §6.4.2
export const RTCP_SDES = 202; // RFC 3550 §6.5
export const RTCP_BYE = 203; // RFC 3550 §6.6
export const RTCP_APP = 204; // RFC 3550 §6.7
export const RTCP_RTPFB = 205; // RFC 4585 §6.1
export const RTCP_PSFB = 206; // RFC 4585 §6.1
export const RTCP_XR = 207; // RFC 3611

export function rtcpTypeName(pt: number): string {
  switch (pt) {
    case RTCP_SR:
      return 'SR';
    case RTCP_RR:
      return 'RR';
    case RTCP_SDES:
      return 'SDES';
    case RTCP_BYE:
      return 'BYE';
    case RTCP_APP:
      return 'APP';
    case RTCP_RTPFB:
      return 'RTPFB';
    case RTCP_PSFB:
      return 'PSFB';
    case RTCP_XR:
      return 'XR';
    default:
      return 'unknown';
  }
}

/** The clear part of an RTCP (or SRTCP) packet: header word and the first SSRC (RFC 3711 §3.4 leaves both in clear). */
export interface RtcpPeek {
  readonly version: number;
  readonly padding: boolean;
  readonly count: number;
  readonly packetType: number;
  /** Length in bytes of the first packet, from its length field. */
  readonly byteLength: number;
  readonly ssrc: number;
}

export function peekRtcp(p: Uint8Array): RtcpPeek | undefined {
  if (p.length < 8) return undefined;
  return {
    version: p[0]! >> 6,
    padding: (p[0]! & 0x20) !== 0,
    count: p[0]! & 0x1f,
    packetType: p[1]!,
    byteLength: (((p[2]! << 8) | p[3]!) + 1) * 4,
    ssrc: ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0,
  };
}
