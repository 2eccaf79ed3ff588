/**
 * RFC 7983 §7: demultiplexing the packets that share one UDP 5-tuple in WebRTC (STUN, ZRTP, DTLS, TURN
 * ChannelData, RTP/RTCP) by the first byte, with RTP and RTCP told apart by the second byte (RFC 5761 §4).
 * The class comes from the first byte alone; quick checks beyond it only add a `doubt` for the learner.
 */
export type DemuxClass = 'stun' | 'zrtp' | 'dtls' | 'turn-channeldata' | 'rtp' | 'rtcp' | 'other' | 'empty';

export interface DemuxResult {
  readonly class: DemuxClass;
  /** Why, in words: "first byte 0x16 is in 20–63: DTLS". */
  readonly reason: string;
  /** DTLS only: first byte 32–63, the DTLS 1.3 unified header of an encrypted record (RFC 9147 §4). */
  readonly dtls13Ciphertext?: boolean;
  /** Set when a check beyond the first byte disagrees with the class (no magic cookie, bad length, …). */
  readonly doubt?: string;
}

const STUN_MAGIC_COOKIE = 0x2112a442; // RFC 8489 §5
const RTP_FIXED_HEADER = 12; // RFC 3550 §5.1
const RTCP_MIN_HEADER = 8; // RFC 3550 §6.4: header word + SSRC

const hex2 = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * The class alone, by the same rules as `demux` but without a word of explanation: nothing is allocated, so a
 * packet list can classify every datagram and ask `demux` for the reason only when it shows one.
 */
export function demuxClass(payload: Uint8Array): DemuxClass {
  const b = payload[0];
  if (b === undefined) return 'empty';
  if (b <= 3) return 'stun';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return 'turn-channeldata';
  if (b >= 128 && b <= 191) {
    // RFC 5761 §4: RTCP packet types 192–223 sit where RTP has the marker bit and payload type
    const second = payload[1];
    if (second !== undefined && second >= 192 && second <= 223 && payload.length >= RTCP_MIN_HEADER) return 'rtcp';
    if (second !== undefined && (second < 192 || second > 223) && payload.length >= RTP_FIXED_HEADER) return 'rtp';
  }
  return 'other';
}

export function demux(payload: Uint8Array): DemuxResult {
  const c = demuxClass(payload);
  const b = payload[0];
  if (b === undefined) return { class: 'empty', reason: 'empty UDP payload' };
  const first = `first byte ${hex2(b)}`;
  switch (c) {
    case 'stun': {
      const doubt = stunDoubt(payload);
      return { class: c, reason: `${first} is in 0–3: STUN`, ...(doubt ? { doubt } : {}) };
    }
    case 'zrtp':
      return { class: c, reason: `${first} is in 16–19: ZRTP` };
    case 'dtls':
      if (b >= 32) {
        return { class: c, dtls13Ciphertext: true, reason: `${first} is in 20–63: DTLS (32–63: a DTLS 1.3 unified header, an encrypted record, RFC 9147 §4)` };
      }
      return { class: c, reason: `${first} is in 20–63: DTLS (content type ${b})` };
    case 'turn-channeldata': {
      const doubt = channelDataDoubt(payload);
      return { class: c, reason: `${first} is in 64–79: TURN ChannelData`, ...(doubt ? { doubt } : {}) };
    }
    case 'rtcp':
      return { class: c, reason: `${first} is in 128–191 (RTP/RTCP) and the second byte ${payload[1]!} is in 192–223: RTCP (RFC 5761 §4)` };
    case 'rtp':
      return { class: c, reason: `${first} is in 128–191 (RTP/RTCP) and the second byte ${payload[1]!} is outside 192–223: RTP, payload type ${payload[1]! & 0x7f}` };
    default:
      if (b >= 128 && b <= 191) return { class: c, reason: `${first} is in 128–191 but ${payload.length} byte(s) are too few for an RTP (12) or RTCP (8) header` };
      return { class: c, reason: `${first} is in no range RFC 7983 assigns (0–3, 16–19, 20–63, 64–79, 128–191)` };
  }
}

function stunDoubt(p: Uint8Array): string | undefined {
  if (p.length < 20) return `only ${p.length} byte(s): a STUN header needs 20`;
  const cookie = ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
  if (cookie !== STUN_MAGIC_COOKIE) return `no magic cookie 0x2112a442 at offset 4 (an RFC 3489 message, or not STUN)`;
  const length = (p[2]! << 8) | p[3]!;
  if (length % 4 !== 0 || 20 + length !== p.length) return `message length ${length} does not match the ${p.length - 20} byte(s) after the header`;
  return undefined;
}

function channelDataDoubt(p: Uint8Array): string | undefined {
  if (p.length < 4) return `only ${p.length} byte(s): a ChannelData header needs 4`;
  const length = (p[2]! << 8) | p[3]!;
  if (4 + length > p.length) return `length ${length} is more than the ${p.length - 4} byte(s) that follow`;
  // RFC 8656 §12.4: over UDP the padding to a multiple of 4 may be absent, so only excess beyond it is odd.
  if (p.length - 4 - length > 3) return `${p.length - 4 - length} byte(s) after the ChannelData payload`;
  return undefined;
}
