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
  keyframes = 0;

  constructor(rng: Rng, mid: string, start: Micros, options: VideoOptions = {}, params: SenderParameters = {}) {
    super(rng, params.mid ?? mid, params.payloadType ?? VP8_PT, 90_000, start, params.extensions ?? EXTMAP);
    this.fps = options.fps ?? 30;
    this.keyEvery = Math.max(1, Math.round((options.keyframeInterval ?? 3) * this.fps));
    this.nextAt = start;
  }

  frame(now: Micros): RtpPacketSpec[] {
    const key = this.frames % this.keyEvery === 0;
    if (key) this.keyframes++;
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
      out.push(this.packet(now, timestamp, payload, i === count - 1));
    }
    return out;
  }
}
