import type { Micros } from '../core/time.ts';
import type { RtpHeader } from '../wire/rtp/rtp.ts';

/**
 * RTP streams per SSRC, inferred from headers alone (which SRTP leaves in clear): packets, sequence range, loss
 * from the extended highest sequence number and interarrival jitter (RFC 3550 §6.4.1, A.3, A.8).
 */
export interface InferredStream {
  readonly ssrc: number;
  readonly src: string;
  readonly dst: string;
  readonly srtp: boolean;
  packets: number;
  readonly payloadTypes: Map<number, number>;
  readonly firstSeq: number;
  lastSeq: number;
  /** Extended sequence numbers (RFC 3550 A.1): cycles × 65536 + seq. */
  readonly baseExtended: number;
  maxExtended: number;
  /** Interarrival jitter in RTP timestamp units, smoothed with gain 1/16 (RFC 3550 §6.4.1). */
  jitter: number;
  readonly clockRate: number;
  readonly clockRateAssumed: boolean;
  firstPacket: number;
  firstT: Micros;
  lastT: Micros;
  /** Packets with the padding bit set (RFC 3550 §5.1): padding-only probes when every packet has it. */
  paddingPackets: number;
  /** Times the timestamp went backwards while the sequence number went forward: an RTX stream (RFC 4588 §4). */
  timestampBackwards: number;
  /** The same packet (sequence number) seen again: relayed by TURN, or a copy from another vantage point. */
  duplicates: number;
  /** Some packets came inside TURN ChannelData. */
  relayed: boolean;
  private_: { lastTransit: number | undefined; cycles: number; maxSeq: number; maxTs: number; seen: Uint8Array };
}

/** RFC 3551 §6 static payload types with their clock rates; dynamic ones are guessed (48 kHz Opus, else 90 kHz video). */
function clockRateOf(pt: number): { rate: number; assumed: boolean } {
  if (pt === 0 || pt === 8 || pt === 3 || pt === 4 || pt === 5 || pt === 18 || pt === 13) return { rate: 8000, assumed: false };
  if (pt === 9) return { rate: 8000, assumed: false }; // G.722's RTP clock is 8 kHz (RFC 3551 §4.5.2)
  if (pt === 26 || pt === 31 || pt === 32 || pt === 33 || pt === 34) return { rate: 90000, assumed: false };
  if (pt === 111 || pt === 63) return { rate: 48000, assumed: true };
  return { rate: 90000, assumed: true };
}

export class StreamTable {
  readonly streams: InferredStream[] = [];
  private readonly bySsrc = new Map<string, InferredStream>();

  /** Counts one RTP packet; a sequence number seen lately on the stream is a duplicate, not counted again. */
  observe(h: RtpHeader, src: string, dst: string, srtp: boolean, packet: number, t: Micros, relayed = false): InferredStream {
    const key = `${h.ssrc} ${src} ${dst}`;
    let s = this.bySsrc.get(key);
    if (!s) {
      const c = clockRateOf(h.payloadType);
      s = {
        ssrc: h.ssrc,
        src,
        dst,
        srtp,
        packets: 0,
        payloadTypes: new Map(),
        firstSeq: h.sequenceNumber,
        lastSeq: h.sequenceNumber,
        baseExtended: h.sequenceNumber,
        maxExtended: h.sequenceNumber,
        jitter: 0,
        clockRate: c.rate,
        clockRateAssumed: c.assumed,
        firstPacket: packet,
        firstT: t,
        lastT: t,
        paddingPackets: 0,
        timestampBackwards: 0,
        duplicates: 0,
        relayed: false,
        private_: { lastTransit: undefined, cycles: 0, maxSeq: h.sequenceNumber, maxTs: h.timestamp >>> 0, seen: new Uint8Array(8192) },
      };
      this.bySsrc.set(key, s);
      this.streams.push(s);
    }
    const st = s.private_;
    if (relayed) s.relayed = true;
    // one bit per sequence number; the half cycle ahead is cleared as the maximum advances (see below)
    const seq = h.sequenceNumber;
    if (s.packets > 0 && (st.seen[seq >> 3]! & (1 << (seq & 7))) !== 0) {
      s.duplicates++;
      return s;
    }
    st.seen[seq >> 3]! |= 1 << (seq & 7);
    s.packets++;
    if (h.padding) s.paddingPackets++;
    s.lastSeq = h.sequenceNumber;
    s.lastT = t;
    s.payloadTypes.set(h.payloadType, (s.payloadTypes.get(h.payloadType) ?? 0) + 1);
    // RFC 3550 A.1: a sequence number a little below the maximum is a reordering; far below, a wrap
    const delta = (h.sequenceNumber - st.maxSeq + 65536) % 65536;
    if (delta > 0 && delta < 32768) {
      for (let i = 1; i <= delta; i++) {
        const old = (st.maxSeq + i + 32768) & 0xffff;
        st.seen[old >> 3]! &= ~(1 << (old & 7));
      }
      // RTP timestamps follow the sequence numbers of a media stream; an RTX stream's are its originals' (RFC 4588 §4)
      const ts = h.timestamp >>> 0;
      if (((ts - st.maxTs) | 0) < 0) s.timestampBackwards++;
      st.maxTs = ts;
      if (h.sequenceNumber < st.maxSeq) st.cycles += 65536;
      st.maxSeq = h.sequenceNumber;
      s.maxExtended = st.cycles + h.sequenceNumber;
    }
    // RFC 3550 §6.4.1: D = (Rj - Ri) - (Sj - Si) in timestamp units, J += (|D| - J) / 16
    const arrival = (t / 1_000_000) * s.clockRate;
    const transit = arrival - (h.timestamp >>> 0);
    if (st.lastTransit !== undefined) {
      let d = Math.abs(transit - st.lastTransit);
      if (d > 2 ** 31) d = Math.abs(d - 2 ** 32); // timestamp wrap
      s.jitter += (d - s.jitter) / 16;
    }
    st.lastTransit = transit;
    return s;
  }
}

/** RFC 3550 A.3: expected = extended max − base + 1; lost = expected − received (negative with duplicates). */
export function streamLoss(s: InferredStream): { expected: number; lost: number; fraction: number } {
  const expected = s.maxExtended - s.baseExtended + 1;
  const lost = expected - s.packets;
  return { expected, lost, fraction: expected > 0 ? Math.max(0, lost) / expected : 0 };
}

/** What the signaling says about retransmission streams (RFC 4588 §8: `a=rtpmap:<pt> rtx/…`, `a=ssrc-group:FID`). */
export interface RtxSignaled {
  readonly payloadTypes: ReadonlySet<number>;
  readonly ssrcs: ReadonlySet<number>;
}

/**
 * Why interarrival jitter means nothing for this stream, or undefined when it does: RTX packets carry the timestamps
 * of the packets they repeat (RFC 4588 §4) and padding-only probes carry arbitrary ones.
 */
export function jitterNotApplicable(s: InferredStream, rtx?: RtxSignaled): string | undefined {
  if (rtx?.ssrcs.has(s.ssrc)) return 'an RTX stream (a=ssrc-group:FID in the SDP): its timestamps are the repeated packets\'';
  const pts = [...s.payloadTypes.keys()];
  if (rtx && pts.length && pts.every((pt) => rtx.payloadTypes.has(pt))) return `an RTX stream (PT ${pts.join('/')} is rtx in the SDP's a=rtpmap): its timestamps are the repeated packets'`;
  if (s.timestampBackwards > 0 && s.paddingPackets > 0) return `an RTX or padding stream (${s.paddingPackets} packet(s) with padding, timestamps going back ${s.timestampBackwards} time(s) as sequence numbers advance)`;
  if (s.paddingPackets === s.packets && s.packets > 0) return 'padding-only probe packets (every packet has the padding bit)';
  if (s.timestampBackwards > 0) return `timestamps go back ${s.timestampBackwards} time(s) as sequence numbers advance, as in an RTX stream`;
  return undefined;
}

export function jitterMs(s: InferredStream): number {
  return (s.jitter / s.clockRate) * 1000;
}
