import { IpReassembler } from '../wire/ip/reassembly.ts';
import type { IpDatagram } from '../wire/ip/datagram.ts';
import { dissectFrame, dissectPacket } from './dissect.ts';
import { FlowTable } from './flow-state.ts';
import { TcpConnections } from './tcp-flow.ts';
import type { TcpHeader } from '../wire/tcp/tcp.ts';
import type { DissectContext, DissectedPacket, Flow, Layer, PacketMeta, PayloadContext, TcpSegmentResult } from './types.ts';
import { LazyPacket } from './packet.ts';

export type { PacketMeta } from './types.ts';

export interface DissectorOptions {
  /** NSS key log text (CLIENT_RANDOM lines): lets the dissector decrypt DTLS 1.2 and the SRTP it keys. */
  readonly keyLog?: string;
  /** Check UDP/TCP checksums: default on for raw IP datagrams, off for captured frames (checksum offload). */
  readonly verifyChecksums?: boolean;
  /**
   * Build field spans (default true). A packet list needs only values, summaries and problems: with false the same
   * decoders run without recording spans (handed down to each through the payload context, `PayloadContext.spans`),
   * several times faster; dissect the one packet shown in detail again with spans (`PacketMeta.spans` for one
   * packet).
   */
  readonly spans?: boolean;
}

/**
 * A stateful dissector over a sequence of packets: IP fragment reassembly, per-5-tuple DTLS handshake state (so RTP
 * on a 5-tuple that carried DTLS-SRTP is known to be SRTP, RFC 5764 §5.1.2), and key material for decryption.
 * Feed packets in capture order; each answer is the same shape `dissectPacket` gives.
 */
export class Dissector {
  readonly flows: FlowTable;
  private readonly reassembler = new IpReassembler({}, { observer: true });
  /** TCP connections: per-direction stream reassembly, then HTTP, WebSocket and signaling. */
  readonly tcp = new TcpConnections();

  constructor(private readonly options: DissectorOptions = {}) {
    this.flows = new FlowTable();
    if (options.keyLog) this.flows.addKeyLog(options.keyLog);
    this.tcp.keys = this.flows.keys;
    this.contexts = this.makeContexts();
  }

  /** Call after the last packet: what stream state left unresolved (TCP gaps never filled, unfinished messages). */
  finish(): { problems: string[] } {
    return { problems: this.tcp.finish() };
  }

  /** Adds NSS key log lines (from a file or a pcapng Decryption Secrets Block); returns how many were usable. */
  addKeyLog(text: string): number {
    return this.flows.addKeyLog(text);
  }

  /** Dissects one packet: a raw IP datagram, or a captured frame when `meta.linkType` is set. */
  packet(bytes: Uint8Array, meta: PacketMeta = {}): DissectedPacket {
    this.flows.vantage = meta.vantage ?? '';
    this.tcp.vantage = this.flows.vantage;
    const spans = meta.spans ?? this.options.spans !== false;
    this.flows.spans = spans;
    const ctx = this.context(meta, spans);
    let p = meta.linkType === undefined ? dissectPacket(bytes, ctx) : dissectFrame(bytes, meta.linkType, ctx, meta.link);
    const ip = ipLayerOf(p);
    if (ip?.fragment) p = this.reassemble(p, bytes, meta, ctx);
    return this.flows.observe(p, meta, p.reassembled ?? bytes);
  }

  /** The contexts (raw datagram or captured frame, with spans or without), made once: no per-packet state. */
  private readonly contexts: { raw: DissectContext; frame: DissectContext; rawNoSpans: DissectContext; frameNoSpans: DissectContext };

  private makeContexts(): { raw: DissectContext; frame: DissectContext; rawNoSpans: DissectContext; frameNoSpans: DissectContext } {
    const forFlow = (flow: Flow, srcEnd?: number, dstEnd?: number): PayloadContext | undefined => this.flows.contextFor(flow, srcEnd, dstEnd);
    // a flow without state yet has no context of its own: the stream still gets the packet's span setting
    const bare: PayloadContext = {};
    const noSpans: PayloadContext = { spans: false };
    const tcpSegment = (flow: Flow, h: TcpHeader, payload: Uint8Array, offset: number): TcpSegmentResult =>
      this.tcp.segment(flow, h, payload, offset, this.flows.contextFor(flow) ?? (this.flows.spans ? bare : noSpans));
    // captured frames carry offloaded (not yet computed) checksums; simulated datagrams are checked
    const v = this.options.verifyChecksums;
    return {
      raw: { forFlow, tcpSegment, verifyChecksums: v ?? true },
      frame: { forFlow, tcpSegment, verifyChecksums: v ?? false },
      rawNoSpans: { forFlow, tcpSegment, verifyChecksums: v ?? true, spans: false },
      frameNoSpans: { forFlow, tcpSegment, verifyChecksums: v ?? false, spans: false },
    };
  }

  private context(meta: PacketMeta, spans: boolean): DissectContext {
    const c = this.contexts;
    if (meta.linkType === undefined) return spans ? c.raw : c.rawNoSpans;
    return spans ? c.frame : c.frameNoSpans;
  }

  private reassemble(p: DissectedPacket, bytes: Uint8Array, meta: PacketMeta, ctx: DissectContext): DissectedPacket {
    const ipLayer = p.layers.find((l) => l.protocol === 'IPv4' || l.protocol === 'IPv6');
    if (!ipLayer || !(p instanceof LazyPacket)) return p;
    const datagram = bytes.subarray(ipLayer.offset, ipLayer.offset + ipLayer.length);
    const r = this.reassembler.push(meta.t ?? 0, datagram);
    if (r.kind !== 'complete') {
      const why = r.kind === 'dropped' ? `fragment dropped: ${r.reason}` : 'IP fragment, reassembly pending';
      return p.with({ suffix: ` (${why})` });
    }
    const whole = dissectPacket(r.datagram, ctx);
    const upper: Layer[] = whole.layers.slice(1);
    const layers = [...p.layers.slice(0, p.layers.indexOf(ipLayer) + 1), ...upper];
    const top = layers[layers.length - 1]!;
    // the whole datagram's flow and addresses, this frame's layers below IP; named by the last layer
    return (whole as LazyPacket).with({
      layers,
      protocol: top.protocol,
      naming: top,
      suffix: ` (reassembled from ${r.fragments} fragments)`,
      problems: layers.flatMap((l) => l.problems),
      reassembled: r.datagram,
    });
  }
}

function ipLayerOf(p: DissectedPacket): IpDatagram | undefined {
  for (const l of p.layers) if (l.protocol === 'IPv4' || l.protocol === 'IPv6') return l.value;
  return undefined;
}
