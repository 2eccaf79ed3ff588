import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { encodeNamedExtension } from '../wire/rtp/extensions.ts';
import type { RtpPacketSpec } from '../wire/rtp/rtp.ts';
import { EXTMAP, RtpSender, type MediaSource, type SenderParameters } from './source.ts';

/** 20 ms Opus frames at 48 kHz (RFC 7587 §4.1: the RTP clock is always 48 kHz), payload type 111 as in the seed SDP. */
export const OPUS_PT = 111;
const FRAME: Micros = 20_000;
const SAMPLES_PER_FRAME = 960;

/**
 * An Opus-like talker: talkspurts and pauses (a two-state chain), voiced frames of 60–130 bytes (about 32 kbit/s),
 * comfort-level frames of 8–20 bytes in pauses, each with the RFC 6464 audio level.
 */
export class AudioSource extends RtpSender implements MediaSource {
  readonly kind = 'audio';
  nextAt: Micros;
  private talking = true;
  private frames = 0;

  constructor(rng: Rng, mid: string, start: Micros, params: SenderParameters = {}) {
    super(rng, params.mid ?? mid, params.payloadType ?? OPUS_PT, 48_000, start, params.extensions ?? EXTMAP, params.ssrc);
    this.nextAt = start;
  }

  frame(now: Micros): RtpPacketSpec[] {
    // Talkspurts average 1.5 s, pauses 0.75 s.
    const wasTalking = this.talking;
    if (this.talking ? this.rng.chance(1 / 75) : this.rng.chance(1 / 37)) this.talking = !this.talking;
    const size = this.talking ? this.rng.int(60, 131) : this.rng.int(8, 21);
    const level = this.talking ? this.rng.int(20, 50) : this.rng.int(90, 128);
    const timestamp = (this.timestampBase + this.frames * SAMPLES_PER_FRAME) >>> 0;
    // RFC 3551 §4.1: the marker bit flags the first packet of a talkspurt.
    const first = this.frames === 0 || (this.talking && !wasTalking);
    this.frames++;
    this.nextAt = this.startedAt + this.frames * FRAME;
    const id = this.extensionIds.audioLevel;
    const audioLevel = id === undefined ? [] : [{ id, data: encodeNamedExtension({ kind: 'audio-level', voiceActivity: this.talking, level }) }];
    return [this.packet(now, timestamp, this.rng.bytes(size), first, audioLevel)];
  }
}
