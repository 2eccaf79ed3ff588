import { tcpFrameLength } from '../wire/stun/demux.ts';
import { encodeChannelData } from '../wire/stun/index.ts';

/**
 * Cuts a byte stream back into the datagrams it carries, however TCP split or merged them:
 * - `stun`: STUN and TURN over TCP or TLS (RFC 8489 §6.2.2, RFC 8656 §3.1): STUN messages back to back, each sized
 *   by its header's length, and ChannelData (first two bits 01) padded to a multiple of 4 (RFC 8656 §12.5);
 * - `rfc4571`: ICE-TCP (RFC 6544 §3): every STUN, DTLS, RTP or RTCP packet behind a 16-bit length (RFC 4571 §2).
 * A stream that cannot be framed (a first byte that starts neither STUN nor ChannelData, a STUN length that is not a
 * multiple of 4) is broken for good: `push` says why once and takes nothing more, and the owner closes the stream.
 */
export type StreamFraming = 'stun' | 'rfc4571';

export type FramerResult = { readonly messages: Uint8Array[]; readonly error?: string };

export class StreamFramer {
  private buf = new Uint8Array(0);
  private used = 0;
  /** Why the stream could not be framed; set once, then every push is refused. */
  broken: string | undefined;
  /** Bytes and messages taken so far, for notes. */
  bytesIn = 0;
  messagesIn = 0;

  constructor(readonly mode: StreamFraming) {}

  /** Appends `bytes` and returns every message now complete, in order, each a copy of its own bytes. */
  push(bytes: Uint8Array): FramerResult {
    if (this.broken !== undefined) return { messages: [], error: this.broken };
    this.bytesIn += bytes.length;
    this.append(bytes);
    const messages: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const rest = this.buf.subarray(at, this.used);
      const n = this.frameLength(rest);
      if (typeof n === 'string') {
        this.broken = `${n} at byte ${this.bytesIn - this.used + at} of the stream`;
        this.used = 0;
        return { messages, error: this.broken };
      }
      if (n === undefined || rest.length < n) break;
      // RFC 4571: the 2-byte length is framing, not part of the packet
      messages.push(rest.slice(this.mode === 'rfc4571' ? 2 : 0, n));
      this.messagesIn++;
      at += n;
    }
    if (at > 0) {
      this.buf.copyWithin(0, at, this.used);
      this.used -= at;
    }
    return { messages };
  }

  /** Hands over the bytes held (an incomplete message) and stops framing: the stream carries raw bytes from now on. */
  takeRest(): Uint8Array {
    const rest = this.buf.slice(0, this.used);
    this.used = 0;
    this.broken = 'the stream carries raw bytes now (RFC 6062 §5.4)';
    return rest;
  }

  /** Bytes held waiting for the rest of a message. */
  get pending(): number {
    return this.used;
  }

  /** The length of the unit at the start of `b`, undefined when its header is incomplete, or why it is invalid. */
  private frameLength(b: Uint8Array): number | string | undefined {
    if (this.mode === 'rfc4571') return b.length < 2 ? undefined : 2 + ((b[0]! << 8) | b[1]!);
    if (b.length < 4) return undefined;
    const n = tcpFrameLength(b);
    if (n === undefined) return `first byte 0x${b[0]!.toString(16).padStart(2, '0')} starts neither a STUN message (00) nor ChannelData (01) (RFC 8656 §12)`;
    const length = (b[2]! << 8) | b[3]!;
    if (b[0]! <= 3 && length % 4 !== 0) return `STUN message length ${length} is not a multiple of 4 (RFC 8489 §5)`;
    return n;
  }

  private append(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.used + bytes.length, this.buf.length * 2, 256));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }
}

/**
 * A datagram as it goes on a stream: over `stun` framing a ChannelData message gets its padding to a multiple of 4
 * (RFC 8656 §12.5; a STUN message is already aligned), over `rfc4571` a 16-bit length goes first (RFC 4571 §2).
 */
export function frameForStream(mode: StreamFraming, datagram: Uint8Array): Uint8Array {
  if (mode === 'rfc4571') {
    if (datagram.length > 0xffff) throw new RangeError(`RFC 4571: a ${datagram.length}-byte packet does not fit the 16-bit length`);
    const out = new Uint8Array(2 + datagram.length);
    out[0] = datagram.length >> 8;
    out[1] = datagram.length & 0xff;
    out.set(datagram, 2);
    return out;
  }
  if (datagram.length >= 4 && datagram[0]! >= 0x40 && datagram[0]! <= 0x7f) {
    const length = (datagram[2]! << 8) | datagram[3]!;
    const padded = 4 + length + ((4 - (length % 4)) % 4);
    if (datagram.length === padded) return datagram;
    const channel = (datagram[0]! << 8) | datagram[1]!;
    return encodeChannelData({ channel, data: datagram.subarray(4, 4 + length) }, { transport: 'tcp' });
  }
  return datagram;
}
