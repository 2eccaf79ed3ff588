import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { RtpPacketSpec } from '../wire/rtp/rtp.ts';
import { EXTMAP, RtpSender, type MediaSource, type SenderParameters } from './source.ts';

/** VP8 at 90 kHz (RFC 7741 §4.1), payload type 96 as in the seed SDP. */
export const VP8_PT = 96;
/** Largest RTP payload per packet, as browsers keep packets under a 1200-byte-ish budget. */
export const MAX_VIDEO_PAYLOAD = 1200;

export interface VideoOptions {
  readonly fps?: number;
  /** Seconds between keyframes (default 3). */
  readonly keyframeInterval?: number;
}

/**
 * A video sender: frames at a fixed rate, a large keyframe every few seconds and small delta frames between,
 * each frame split into packets of at most 1200 payload bytes sharing one timestamp, the marker on the last
 * (RFC 3550 §5.1, RFC 7741 §4.1).
 */
export class VideoSource extends RtpSender implements MediaSource {
  readonly kind = 'video';
  nextAt: Micros;
  readonly fps: number;
  private readonly keyEvery: number;
  private frames = 0;
  /** Frames since the last keyframe; the next frame is a keyframe when it reaches the interval (or one was asked for). */
  private sinceKey = 0;
  keyframes = 0;
  /** Keyframes sent because a receiver asked (PLI or FIR). */
  keyframesRequested = 0;
  private forceKey = false;

  constructor(rng: Rng, mid: string, start: Micros, options: VideoOptions = {}, params: SenderParameters = {}) {
    super(rng, params.mid ?? mid, params.payloadType ?? VP8_PT, 90_000, start, params.extensions ?? EXTMAP, params.ssrc);
    this.fps = options.fps ?? 30;
    this.keyEvery = Math.max(1, Math.round((options.keyframeInterval ?? 3) * this.fps));
    this.nextAt = start;
  }

  /** A receiver asked for a keyframe (RFC 4585 §6.3.1 PLI, RFC 5104 §4.3.1 FIR): the next frame is one, and the interval restarts there. */
  requestKeyframe(): void {
    this.forceKey = true;
  }

  frame(now: Micros): RtpPacketSpec[] {
    const key = this.sinceKey % this.keyEvery === 0 || this.forceKey;
    if (key) {
      this.keyframes++;
      if (this.forceKey && this.sinceKey % this.keyEvery !== 0) this.keyframesRequested++;
      this.forceKey = false;
      this.sinceKey = 0;
    }
    this.sinceKey++;
    const size = key ? this.rng.int(12_000, 20_001) : this.rng.int(1_500, 5_001);
    const timestamp = (this.timestampBase + Math.round((this.frames * 90_000) / this.fps)) >>> 0;
    this.frames++;
    this.nextAt = this.startedAt + Math.round((this.frames * 1_000_000) / this.fps);
    const count = Math.ceil(size / MAX_VIDEO_PAYLOAD);
    const each = Math.ceil(size / count);
    const out: RtpPacketSpec[] = [];
    for (let i = 0, left = size; i < count; i++, left -= each) {
      const payload = this.rng.bytes(Math.min(each, left));
      // VP8 payload descriptor (RFC 7741 §4.2): S bit on the first packet of the frame, partition 0.
      payload[0] = i === 0 ? 0x10 : 0x00;
      if (i === 0) vp8PayloadHeader(payload, key);
      out.push(this.packet(now, timestamp, payload, i === count - 1));
    }
    return out;
  }
}

/**
 * The VP8 payload header at the start of a frame (RFC 7741 §4.3, RFC 6386 §9.1) after a one-octet descriptor:
 * show_frame set, version 0, P bit 0 for a keyframe and 1 for an interframe; a keyframe carries the start code
 * 9d 01 2a. The other bits stay as the sender's random payload made them.
 */
function vp8PayloadHeader(payload: Uint8Array, key: boolean): void {
  if (payload.length < 7) return;
  payload[1] = (payload[1]! & 0xe0) | 0x10 | (key ? 0 : 1);
  if (key) payload.set([0x9d, 0x01, 0x2a], 4);
}

/**
 * Whether an RTP payload starts a VP8 keyframe: the descriptor (RFC 7741 §4.2, its optional extension octets
 * skipped) has S set and partition 0, and the payload header that follows has P = 0 (§4.3).
 */
export function isVp8Keyframe(payload: Uint8Array): boolean {
  const b0 = payload[0];
  if (b0 === undefined || (b0 & 0x10) === 0 || (b0 & 0x07) !== 0) return false;
  let i = 1;
  if (b0 & 0x80) {
    const x = payload[i++] ?? 0;
    if (x & 0x80) i += (payload[i] ?? 0) & 0x80 ? 2 : 1; // I: PictureID, 7 or 15 bits
    if (x & 0x40) i++; // L: TL0PICIDX
    if (x & 0x30) i++; // T or K: TID/Y/KEYIDX
  }
  const h = payload[i];
  return h !== undefined && (h & 0x01) === 0;
}
