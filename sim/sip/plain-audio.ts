import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { decodeRtp, encodeRtp } from '../wire/rtp/rtp.ts';
import type { SdpDirection } from '../wire/sdp/types.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import { utf8Encode } from '../core/encoding.ts';
import type { TransportAddress } from '../core/endpoint.ts';

/**
 * The plain RTP audio of a SIP phone (RFC 3551): G.711 μ-law (PCMU, payload type 0) or A-law (PCMA, 8) at 8 kHz,
 * 20 ms packets of 160 samples, no header extensions, no SRTP; and the RTP/AVP SDP offer/answer that sets it up
 * (RFC 3264 on RFC 8866).
 */

export const PTIME: Micros = 20 * MS;
const SAMPLES = 160;

/** ITU-T G.711 μ-law of a 16-bit linear sample. */
export function muLaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** ITU-T G.711 A-law of a 16-bit linear sample (13-bit magnitude, segment ends 0x1F … 0xFFF, even bits inverted). */
export function aLaw(sample: number): number {
  let v = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask = 0xd5;
  if (v < 0) {
    mask = 0x55;
    v = -v - 1;
  }
  let seg = 0;
  while (seg < 8 && v > (0x1f << seg)) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f);
  return aval ^ mask;
}

/** A sender of one plain G.711 stream: a 440 Hz tone (what a test phone plays), one packet per ptime. */
export class G711Sender {
  readonly ssrc: number;
  private seq: number;
  private readonly tsBase: number;
  private sample = 0;
  packets = 0;
  octets = 0;
  next: Micros;

  constructor(
    rng: Rng,
    readonly payloadType: 0 | 8,
    start: Micros,
  ) {
    this.ssrc = rng.u32();
    this.seq = rng.int(0, 0x8000); // RFC 3550 §5.1: a random initial sequence number
    this.tsBase = rng.u32();
    this.next = start;
  }

  /** The packet due at `this.next` is not sent (the stream is on hold, RFC 3264 §8.4): time moves on, the sequence number does not. */
  skip(): void {
    this.sample += SAMPLES;
    this.next += PTIME;
  }

  /** The packet due at `this.next`; advances to the next one. */
  packet(): Uint8Array {
    const payload = new Uint8Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i++) {
      const v = 8000 * Math.sin((2 * Math.PI * 440 * (this.sample + i)) / 8000);
      payload[i] = this.payloadType === 0 ? muLaw(v) : aLaw(v);
    }
    const bytes = encodeRtp({ payloadType: this.payloadType, marker: this.packets === 0, sequenceNumber: this.seq, timestamp: (this.tsBase + this.sample) >>> 0, ssrc: this.ssrc, payload });
    this.seq = (this.seq + 1) & 0xffff;
    this.sample += SAMPLES;
    this.packets++;
    this.octets += SAMPLES;
    this.next += PTIME;
    return bytes;
  }
}

/** What a receiver counts of the RTP that reaches it: packets per SSRC and payload type, with sequence gaps. */
export class RtpCounter {
  packets = 0;
  lost = 0;
  readonly payloadTypes = new Set<number>();
  private last = new Map<number, number>();
  notRtp = 0;

  take(bytes: Uint8Array): boolean {
    const d = decodeRtp(bytes, { spans: false });
    if (d.problems.length || bytes.length < 12 || (bytes[0]! >> 6) !== 2) {
      this.notRtp++;
      return false;
    }
    const h = d.value.header;
    const prev = this.last.get(h.ssrc);
    if (prev !== undefined) this.lost += Math.max(0, ((h.sequenceNumber - prev - 1) & 0xffff) < 0x8000 ? (h.sequenceNumber - prev - 1) & 0xffff : 0);
    this.last.set(h.ssrc, h.sequenceNumber);
    this.packets++;
    this.payloadTypes.add(h.payloadType);
    return true;
  }
}

export interface PlainAudioOffer {
  readonly address: string;
  readonly port: number;
  /** Payload types in preference order, with their encodings: 0 PCMU, 8 PCMA, 101 telephone-event. */
  readonly formats: readonly number[];
  readonly sessionId: string;
  readonly version: number;
  /** RFC 3264 §6.1: the media direction (default sendrecv; a hold answer is recvonly or inactive, §8.4). */
  readonly direction?: SdpDirection;
}

/** RFC 3264 §5 over RFC 3551: a plain RTP/AVP audio section, as a desk phone writes it. */
export function plainAudioSdp(o: PlainAudioOffer): Uint8Array {
  const names: Record<number, string> = { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' };
  const lines = [
    'v=0',
    `o=- ${o.sessionId} ${o.version} IN IP4 ${o.address}`,
    's=rtclab',
    `c=IN IP4 ${o.address}`,
    't=0 0',
    `m=audio ${o.port} RTP/AVP ${o.formats.join(' ')}`,
    ...o.formats.filter((f) => names[f]).map((f) => `a=rtpmap:${f} ${names[f]}`),
    ...(o.formats.includes(101) ? ['a=fmtp:101 0-16'] : []),
    'a=ptime:20',
    `a=${o.direction ?? 'sendrecv'}`,
  ];
  return utf8Encode(lines.join('\r\n') + '\r\n');
}

export interface RemoteAudio {
  readonly rtp: TransportAddress;
  readonly formats: readonly number[];
  readonly proto: string;
  /** a=sendrecv/sendonly/recvonly/inactive of the section (or the session; RFC 3264 §5.1: sendrecv by default). */
  readonly direction: SdpDirection;
}

/** Where a plain SDP sends RTP and which payload types it lists (the first audio section), or what is wrong. */
export function readRemoteAudio(body: Uint8Array): RemoteAudio | string {
  const d = decodeSdp(body);
  const sdp = d.value;
  const audio = sdp.media.find((m) => m.media === 'audio');
  if (!audio) return 'the SDP has no audio section (RFC 3264 §5)';
  const c = audio.connection ?? sdp.connection;
  if (!c) return 'the SDP audio section has no connection address (RFC 8866 §5.7)';
  if (audio.port === 0) return 'the audio section is rejected (port 0, RFC 3264 §6)';
  return { rtp: { ip: c.address, port: audio.port }, formats: audio.formats.map(Number).filter((n) => Number.isInteger(n)), proto: audio.proto, direction: audio.direction ?? sdp.direction ?? 'sendrecv' };
}

/** RFC 3264 §6.1: the answer's direction for an offer's (sendonly ↔ recvonly; inactive stays inactive). */
export function answerDirection(offered: SdpDirection): SdpDirection {
  return offered === 'sendonly' ? 'recvonly' : offered === 'recvonly' ? 'sendonly' : offered;
}

/** Whether a side whose section says `d` sends media (RFC 3264 §5.1). */
export const sendsMedia = (d: SdpDirection): boolean => d === 'sendrecv' || d === 'sendonly';

/** The first offered G.711 payload type we also have (RFC 3264 §6.1: the answer keeps the offer's order). */
export function chooseG711(offered: readonly number[]): 0 | 8 | undefined {
  for (const f of offered) if (f === 0 || f === 8) return f;
  return undefined;
}
