/**
 * Retransmission pieces shared by browsers and the SFU: a buffer of sent RTP packets by sequence number, the RTX
 * packet (RFC 4588 §4) built from one of them and unwrapped again, and a NACK requester (RFC 4585 §6.2.1 generic
 * NACK) that tracks the sequence numbers a receiver is missing and when to ask for them again.
 */

/** Bytes from the start of a plain RTP packet to its payload (RFC 3550 §5.1: CSRCs and extension), or undefined if it does not fit. */
export function rtpHeaderLength(p: Uint8Array): number | undefined {
  if (p.length < 12) return undefined;
  let n = 12 + 4 * (p[0]! & 0x0f);
  if (p[0]! & 0x10) {
    if (p.length < n + 4) return undefined;
    n += 4 + 4 * ((p[n + 2]! << 8) | p[n + 3]!);
  }
  return n <= p.length ? n : undefined;
}

/** Payload end of a plain RTP packet: the padding (RFC 3550 §5.1 P bit, count in the last octet) left out. */
function payloadEnd(p: Uint8Array): number {
  return p[0]! & 0x20 ? p.length - (p[p.length - 1] ?? 0) : p.length;
}

const view = (p: Uint8Array): DataView => new DataView(p.buffer, p.byteOffset, p.byteLength);

/**
 * RFC 4588 §4: the retransmission of `original` on the RTX stream: the same header (marker, timestamp, CSRCs,
 * extensions) with the RTX payload type, SSRC and sequence number, and the payload prefixed by the original
 * sequence number (OSN). Padding is not carried over.
 */
export function rtxPacket(original: Uint8Array, rtx: { readonly ssrc: number; readonly payloadType: number; readonly sequenceNumber: number }): Uint8Array | undefined {
  const h = rtpHeaderLength(original);
  if (h === undefined) return undefined;
  const end = payloadEnd(original);
  if (end < h) return undefined;
  const out = new Uint8Array(end + 2);
  out.set(original.subarray(0, h));
  out.set(original.subarray(h, end), h + 2);
  out[0] = out[0]! & ~0x20; // no padding
  out[1] = (original[1]! & 0x80) | (rtx.payloadType & 0x7f);
  const w = view(out);
  w.setUint16(2, rtx.sequenceNumber & 0xffff);
  w.setUint32(8, rtx.ssrc >>> 0);
  w.setUint16(h, view(original).getUint16(2));
  return out;
}

/** RFC 4588 §4: the original packet back from an RTX packet, given the original SSRC and payload type (the `apt`). */
export function unwrapRtx(rtx: Uint8Array, original: { readonly ssrc: number; readonly payloadType: number }): Uint8Array | undefined {
  const h = rtpHeaderLength(rtx);
  const end = rtx.length > 0 ? payloadEnd(rtx) : 0;
  if (h === undefined || end < h + 2) return undefined;
  const out = new Uint8Array(end - 2);
  out.set(rtx.subarray(0, h));
  out.set(rtx.subarray(h + 2, end), h);
  out[0] = out[0]! & ~0x20;
  out[1] = (rtx[1]! & 0x80) | (original.payloadType & 0x7f);
  const w = view(out);
  w.setUint16(2, view(rtx).getUint16(h));
  w.setUint32(8, original.ssrc >>> 0);
  return out;
}

/** The last `capacity` packets sent on one stream, by sequence number (a copy of the plain RTP bytes). */
export class RetransmissionBuffer {
  private readonly slots: (Uint8Array | undefined)[];

  constructor(readonly capacity = 1024) {
    this.slots = new Array<Uint8Array | undefined>(capacity);
  }

  store(plain: Uint8Array): void {
    if (plain.length < 12) return;
    this.slots[view(plain).getUint16(2) % this.capacity] = plain.slice();
  }

  /** The packet with this sequence number, if it is still held. */
  get(seq: number): Uint8Array | undefined {
    const p = this.slots[(seq & 0xffff) % this.capacity];
    return p && view(p).getUint16(2) === (seq & 0xffff) ? p : undefined;
  }
}

/** `a` is newer than `b` in 16-bit sequence space (RFC 3550 A.1's modular comparison). */
export const seqNewer = (a: number, b: number): boolean => a !== b && ((a - b) & 0xffff) < 0x8000;

/** How a NACK requester behaves (libwebrtc's NackRequester and mediasoup's NackGenerator work alike). */
export interface NackPolicy {
  /** Times a sequence number is asked for before it is given up (both use 10). */
  readonly maxRetries: number;
  /** Most sequence numbers tracked; more missing at once gives them all up (a keyframe is asked for instead). */
  readonly maxMissing: number;
  /** Wait between two requests for the same packet when no RTT is known (µs). */
  readonly retryInterval: number;
}

export const DEFAULT_NACK_POLICY: NackPolicy = { maxRetries: 10, maxMissing: 1000, retryInterval: 100_000 };

/**
 * The receiver side of generic NACK: a gap in sequence numbers puts the missing ones on a list; each is asked
 * for at once and again every RTT (or `retryInterval`) until it arrives (original or RTX) or was asked for
 * `maxRetries` times, then it is given up (the decoder will need a keyframe).
 */
const NOTHING_DUE: readonly number[] = Object.freeze([]);

export class NackRequester {
  private newest: number | undefined;
  private readonly missing = new Map<number, { tries: number; lastAt: number | undefined }>();
  /** Packets asked for (counting every request), recovered after a request, and given up. */
  requested = 0;
  recovered = 0;
  givenUp = 0;
  /** Set when packets were given up since the last `takeKeyframeNeed()`. */
  private keyframeNeeded = false;

  constructor(private readonly policy: NackPolicy = DEFAULT_NACK_POLICY) {}

  /** A packet arrived (retransmitted or not): whether it was missing, is new, or is neither (a duplicate or very late). */
  onPacket(seq: number): 'missing' | 'new' | 'old' {
    if (this.newest === undefined) {
      this.newest = seq;
      return 'new';
    }
    if (this.missing.delete(seq)) {
      this.recovered++;
      return 'missing';
    }
    if (!seqNewer(seq, this.newest)) return 'old'; // a reordered or duplicate packet
    const gap = (seq - this.newest - 1) & 0xffff;
    if (gap >= this.policy.maxMissing || this.missing.size + gap > this.policy.maxMissing) {
      this.givenUp += this.missing.size + gap;
      this.missing.clear();
      this.keyframeNeeded = true;
    } else {
      for (let i = 1; i <= gap; i++) this.missing.set((this.newest + i) & 0xffff, { tries: 0, lastAt: undefined });
    }
    this.newest = seq;
    return 'new';
  }

  /** The sequence numbers to ask for now (in sending order); those asked for too often are given up. */
  due(now: number, rtt: number | undefined): readonly number[] {
    if (this.missing.size === 0) return NOTHING_DUE; // a receiver polls every stream's list at each packet
    const wait = rtt !== undefined && rtt > 0 ? rtt : this.policy.retryInterval;
    const out: number[] = [];
    for (const [seq, m] of this.missing) {
      if (m.lastAt !== undefined && now - m.lastAt < wait) continue;
      if (m.tries >= this.policy.maxRetries) {
        this.missing.delete(seq);
        this.givenUp++;
        this.keyframeNeeded = true;
        continue;
      }
      m.tries++;
      m.lastAt = now;
      out.push(seq);
    }
    this.requested += out.length;
    return out;
  }

  /** When the next request is due, if anything is missing. */
  nextAt(rtt: number | undefined): number | undefined {
    const wait = rtt !== undefined && rtt > 0 ? rtt : this.policy.retryInterval;
    let at: number | undefined;
    for (const m of this.missing.values()) {
      const t = m.lastAt === undefined ? 0 : m.lastAt + wait;
      if (at === undefined || t < at) at = t;
    }
    return at;
  }

  /** Whether packets were given up since the last call (the stream needs a keyframe). */
  takeKeyframeNeed(): boolean {
    const k = this.keyframeNeeded;
    this.keyframeNeeded = false;
    return k;
  }

  get pending(): number {
    return this.missing.size;
  }
}
