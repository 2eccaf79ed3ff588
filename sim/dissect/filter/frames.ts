import type { DissectedPacket, Flow } from '../types.ts';
import type { FrameInfo } from './field-def.ts';

/**
 * What a filter reads of a frame beyond its layers, worked out in capture order: its number and times, and the
 * conversation it belongs to, numbered as tshark numbers them (tcp.stream, udp.stream: from 0, by first
 * appearance; a SYN on a 4-tuple whose connection ended starts a new TCP stream), and TCP sequence numbers
 * relative to each direction's first (tshark's tcp.seq and tcp.ack, relative by default).
 */
interface TcpStreamState {
  readonly index: number;
  /** The first sequence number of each direction: 'a' is the side that sent the first segment seen. */
  base: { a?: number; b?: number };
  readonly a: string;
  ended: boolean;
}

/** The conversation key: both endpoints in a fixed order, and which side this packet's source is. */
function conversation(f: Flow): { key: string; src: string } {
  const s = `${f.srcIp}|${f.srcPort}`;
  const d = `${f.dstIp}|${f.dstPort}`;
  return { key: `${f.transport}|${s < d ? `${s}|${d}` : `${d}|${s}`}`, src: s };
}

/** The 5-tuple of the UDP datagram an ICMP error quotes, if it quotes one. */
function quotedUdpFlow(p: DissectedPacket): Flow | undefined {
  const ipLayer = p.layers.find((l) => (l.protocol === 'IPv4' || l.protocol === 'IPv6') && l.quoted);
  const udp = p.layers.find((l) => l.protocol === 'UDP' && l.quoted);
  if (!ipLayer?.value || udp?.protocol !== 'UDP' || !udp.value || (ipLayer.protocol !== 'IPv4' && ipLayer.protocol !== 'IPv6')) return undefined;
  const v = ipLayer.value;
  return { transport: 'UDP', family: v.family, srcIp: v.src, srcPort: udp.value.srcPort, dstIp: v.dst, dstPort: udp.value.dstPort };
}

export class FrameTracker {
  private first: number | undefined;
  private prev: number | undefined;
  private readonly udp = new Map<string, number>();
  private readonly tcp = new Map<string, TcpStreamState>();
  private udpCount = 0;
  private tcpCount = 0;
  /** Every TCP stream by index, with its endpoints (for follow stream). */
  readonly tcpStreams: { key: string; a: string }[] = [];
  readonly udpStreams: string[] = [];

  /**
   * The frame information of the next packet: `number` from 1, `t` its time in µs (any origin), `epochUs` its
   * capture time since the Unix epoch when known.
   */
  next(p: DissectedPacket, number: number, t: number, bytes: Uint8Array, epochUs?: number): FrameInfo {
    this.first ??= t;
    const timeDelta = this.prev === undefined ? 0 : (t - this.prev) / 1e6;
    this.prev = t;
    const own = p.flow && p.layers.some((l) => (l.protocol === 'UDP' || l.protocol === 'TCP') && !l.quoted) ? p.flow : undefined;
    let udpStream: number | undefined;
    let tcp: { stream: number; seq?: number; ack?: number } | undefined;
    if (own?.transport === 'UDP') udpStream = this.udpIndex(own);
    else if (own?.transport === 'TCP') tcp = this.tcpSegment(own, p);
    // an ICMP error's quoted datagram belongs to the conversation of its 5-tuple, as tshark numbers it
    const quoted = quotedUdpFlow(p);
    const quotedUdpStream = quoted ? this.udpIndex(quoted) : undefined;
    return {
      number,
      timeRelative: (t - this.first) / 1e6,
      timeDelta,
      ...(epochUs !== undefined ? { timeEpoch: epochUs / 1e6 } : {}),
      bytes,
      ...(udpStream !== undefined ? { udpStream } : {}),
      ...(quotedUdpStream !== undefined ? { quotedUdpStream } : {}),
      ...(tcp ? { tcpStream: tcp.stream, ...(tcp.seq !== undefined ? { tcpSeq: tcp.seq } : {}), ...(tcp.ack !== undefined ? { tcpAck: tcp.ack } : {}) } : {}),
    };
  }

  private udpIndex(f: Flow): number {
    const { key } = conversation(f);
    let i = this.udp.get(key);
    if (i === undefined) {
      i = this.udpCount++;
      this.udp.set(key, i);
      this.udpStreams.push(key);
    }
    return i;
  }

  private tcpSegment(f: Flow, p: DissectedPacket): { stream: number; seq?: number; ack?: number } {
    const { key, src } = conversation(f);
    const h = p.layers.find((l) => l.protocol === 'TCP' && !l.quoted)?.value as
      | { sequenceNumber: number; acknowledgmentNumber: number; flags: { SYN: boolean; ACK: boolean; FIN: boolean; RST: boolean } }
      | undefined;
    let s = this.tcp.get(key);
    if (!s || (s.ended && h?.flags.SYN && !h.flags.ACK)) {
      s = { index: this.tcpCount++, base: {}, a: src, ended: false };
      this.tcp.set(key, s);
      this.tcpStreams.push({ key, a: src });
    }
    if (!h) return { stream: s.index };
    if (h.flags.FIN || h.flags.RST) s.ended = true;
    const side = src === s.a ? 'a' : 'b';
    const other = side === 'a' ? 'b' : 'a';
    const seq = h.sequenceNumber >>> 0;
    s.base[side] ??= seq;
    const rel = (x: number, base: number): number => ((x - base) >>> 0);
    const ackBase = s.base[other];
    return {
      stream: s.index,
      seq: rel(seq, s.base[side]!),
      ...(h.flags.ACK && ackBase !== undefined ? { ack: rel(h.acknowledgmentNumber >>> 0, ackBase) } : {}),
    };
  }
}
