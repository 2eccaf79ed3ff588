import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { absSendTimeFromMicros, encodeNamedExtension, type ExtensionElementSpec } from '../wire/rtp/extensions.ts';
import type { RtpPacketSpec } from '../wire/rtp/rtp.ts';

/**
 * Header extension ids as the seed SDP negotiates them (Chromium's offer: `a=extmap:1 ssrc-audio-level`,
 * `a=extmap:2 abs-send-time`, `a=extmap:4 sdes:mid`).
 */
export const EXTMAP = { audioLevel: 1, absSendTime: 2, mid: 4 } as const;

/** What offer/answer settled for a sender (sim/peer/offer-answer.ts): its payload type and header extension ids. */
export interface SenderParameters {
  readonly mid?: string;
  readonly payloadType?: number;
  /** Extension ids to write; one left out is not written (RFC 8285 §5: only negotiated extensions are sent). */
  readonly extensions?: { readonly audioLevel?: number; readonly absSendTime?: number; readonly mid?: number };
  /** Fault injection: send on this SSRC instead of the one drawn (and signaled). */
  readonly ssrc?: number;
}

/** A media sender: it knows when its next packet is due and makes the RTP packets of one frame. */
export interface MediaSource {
  readonly kind: 'audio' | 'video';
  readonly ssrc: number;
  readonly mid: string;
  readonly payloadType: number;
  readonly clockRate: number;
  /** When the next frame is due. */
  readonly nextAt: Micros;
  /** The packets of the frame due at `now` (RTP header fields set, payload filled). */
  frame(now: Micros): RtpPacketSpec[];
  /** RFC 3550 §6.4.1 sender info. */
  readonly packetsSent: number;
  readonly octetsSent: number;
  /** The RTP timestamp that corresponds to `now` (for a sender report). */
  rtpTimestampAt(now: Micros): number;
}

/** Shared RTP bookkeeping: random initial sequence number and timestamp (RFC 3550 §5.1), counters. */
export abstract class RtpSender {
  protected seq: number;
  protected readonly timestampBase: number;
  protected readonly startedAt: Micros;
  packetsSent = 0;
  octetsSent = 0;
  readonly ssrc: number;
  /** Header extension ids written on every packet (the defaults are the seed SDP's). */
  protected readonly extensionIds: { readonly audioLevel?: number; readonly absSendTime?: number; readonly mid?: number };

  constructor(
    protected readonly rng: Rng,
    readonly mid: string,
    readonly payloadType: number,
    readonly clockRate: number,
    start: Micros,
    extensions: SenderParameters['extensions'] = EXTMAP,
    ssrc?: number,
  ) {
    this.extensionIds = extensions;
    const drawn = rng.u32();
    this.ssrc = ssrc ?? drawn;
    this.seq = rng.int(0, 0x10000);
    this.timestampBase = rng.u32();
    this.startedAt = start;
  }

  rtpTimestampAt(now: Micros): number {
    return (this.timestampBase + Math.floor(((now - this.startedAt) * this.clockRate) / 1_000_000)) >>> 0;
  }

  protected packet(now: Micros, timestamp: number, payload: Uint8Array, marker: boolean, extra: ExtensionElementSpec[] = []): RtpPacketSpec {
    const ids = this.extensionIds;
    const elements: ExtensionElementSpec[] = [...extra];
    if (ids.absSendTime !== undefined) elements.push({ id: ids.absSendTime, data: encodeNamedExtension({ kind: 'abs-send-time', raw: absSendTimeFromMicros(now), seconds: 0 }) });
    if (ids.mid !== undefined) elements.push({ id: ids.mid, data: encodeNamedExtension({ kind: 'mid', value: this.mid }) });
    const spec: RtpPacketSpec = {
      marker,
      payloadType: this.payloadType,
      sequenceNumber: this.seq,
      timestamp,
      ssrc: this.ssrc,
      ...(elements.length ? { extension: { elements, form: 'one-byte' as const } } : {}),
      payload,
    };
    this.seq = (this.seq + 1) & 0xffff;
    this.packetsSent++;
    this.octetsSent += payload.length;
    return spec;
  }
}
