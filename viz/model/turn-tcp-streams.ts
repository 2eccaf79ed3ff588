import { formatEndpoint } from '../../sim/dissect/endpoint.ts';
import { detectFraming, nextFrame } from '../../sim/dissect/tcp-framing.ts';
import { TcpDirection } from '../../sim/dissect/tcp-reassembly.ts';
import { decodeIpDatagram } from '../../sim/wire/ip/datagram.ts';
import { IPPROTO } from '../../sim/wire/ip/protocols.ts';
import { decodeChannelData, decodeStun, type ChannelData, type StunMessage } from '../../sim/wire/stun/index.ts';

/** A whole STUN message or ChannelData read from a TURN client's TCP connection to its server. */
export type TurnUnit = { readonly kind: 'stun'; readonly message: StunMessage } | { readonly kind: 'channel-data'; readonly channelData: ChannelData };

/** At most this many TCP connections are followed (the oldest is forgotten first): a hostile trace stays bounded. */
const MAX_STREAMS = 1024;

interface Stream {
  readonly dir: TcpDirection;
  buffer: Uint8Array;
  /** false once the stream was seen not to be STUN/TURN framing (TLS, HTTP, RFC 6062 data): nothing more is read */
  framed: boolean | undefined;
}

/**
 * The STUN messages and ChannelData a TURN client and its server exchange over TCP (RFC 8656 §12.5: back to back,
 * ChannelData padded to 4; RFC 6062 §4.1's control connection), read from each direction's reassembled stream
 * (RFC 9293 §3.10.7.4) with the dissector's own reassembly and framing, keyless and without the dissector's state,
 * so the relations found do not depend on which pass offers the hops. Streams that do not start as STUN framing
 * (TURN over TLS, signaling, an RFC 6062 data connection's raw bytes) are left alone after their first bytes.
 */
export class TurnTcpStreams {
  private readonly streams = new Map<string, Stream>();

  /** The units completed by this hop's TCP segment, with its ends ("ip:port") and whether it opens a connection (SYN without ACK); undefined when it is no TCP. */
  segment(b: Uint8Array): { src: string; dst: string; opening: boolean; units: TurnUnit[] } | undefined {
    const ip = decodeIpDatagram(b, 0, false).value;
    if (!ip || ip.protocol !== IPPROTO.TCP || ip.fragment || ip.payloadLength < 20) return undefined;
    const at = ip.payloadOffset;
    const headerLength = (b[at + 12]! >> 4) * 4;
    if (headerLength < 20 || headerLength > ip.payloadLength) return undefined;
    const src = formatEndpoint(ip.src, (b[at]! << 8) | b[at + 1]!);
    const dst = formatEndpoint(ip.dst, (b[at + 2]! << 8) | b[at + 3]!);
    const seq = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
    const flags = b[at + 13]!;
    const key = `${src} ${dst}`;
    let s = this.streams.get(key);
    if (!s || flags & 0x02) {
      if (s) this.streams.delete(key);
      if (this.streams.size >= MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!);
      this.streams.set(key, (s = { dir: new TcpDirection(), buffer: new Uint8Array(0), framed: undefined }));
    }
    const units: TurnUnit[] = [];
    const opening = (flags & 0x12) === 0x02;
    if (s.framed === false) return { src, dst, opening, units };
    const r = s.dir.segment(seq, { syn: (flags & 0x02) !== 0, fin: (flags & 0x01) !== 0, rst: (flags & 0x04) !== 0 }, b.subarray(at + headerLength, at + ip.payloadLength));
    for (const d of r.deliveries) {
      // after a gap the framing is lost: the stream is no longer read (no guessing at message boundaries)
      if (d.afterGap) s.framed = false;
      if (s.framed === false) break;
      s.buffer = s.buffer.length ? concat(s.buffer, d.bytes) : d.bytes.slice();
    }
    if (s.framed === undefined && s.buffer.length >= 8) s.framed = detectFraming(s.buffer) === 'stun-tcp';
    while (s.framed) {
      const f = nextFrame('stun-tcp', s.buffer);
      if (f.kind === 'invalid') s.framed = false;
      if (f.kind !== 'unit') break;
      const unit = s.buffer.subarray(0, f.length);
      s.buffer = s.buffer.subarray(f.length);
      if (unit[0]! < 0x40) {
        const m = decodeStun(unit, false).value;
        if (m) units.push({ kind: 'stun', message: m });
      } else {
        const cd = decodeChannelData(unit, { transport: 'tcp', spans: false }).value;
        if (cd) units.push({ kind: 'channel-data', channelData: cd });
      }
    }
    if (s.framed === false) s.buffer = new Uint8Array(0);
    return { src, dst, opening, units };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
