import type { Hop } from '../../sim/core/trace.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import { fieldText, tryCompileFilter } from '../../sim/dissect/filter/filter.ts';
import type { FrameInfo } from '../../sim/dissect/filter/field-def.ts';
import { FrameTracker } from '../../sim/dissect/filter/frames.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';
import { StreamFollower, type FollowKind, type FollowResult } from '../../sim/dissect/follow/follow.ts';

/** What the list's display filter answers: the hops it selects, or why the filter cannot be read. */
export type DisplayFilterResult =
  | { readonly indices: Int32Array }
  | { readonly error: { readonly message: string; readonly pos: number; readonly len: number } };

/** Traces up to this many hops keep their dissection between filters; longer ones are dissected again each time. */
const KEEP = 200_000;

/**
 * The display filter and the configurable columns over a trace or capture (in the worker): every hop dissected
 * in order by one stateful dissector with the trace's key logs (so TCP streams are reassembled, DTLS and TLS
 * opened, as `rtclab dissect --keylog` does), each with its frame information (number from 1, times, streams).
 */
export class FilterPass {
  private kept: { readonly packets: DissectedPacket[]; readonly frames: FrameInfo[] } | undefined;

  constructor(
    private readonly hops: readonly Hop[],
    private readonly keyLogs: readonly string[],
    /** A trace of several links: flows are kept apart per link (vantage point). */
    private readonly vantages: boolean,
    /** A capture's checksums may be offloaded: unverified, as Wireshark leaves them. */
    private readonly capture: boolean,
  ) {}

  private each(visit: (p: DissectedPacket, f: FrameInfo, i: number) => void): void {
    if (this.kept) {
      this.kept.packets.forEach((p, i) => visit(p, this.kept!.frames[i]!, i));
      return;
    }
    const d = new Dissector({ spans: false, ...(this.capture ? { verifyChecksums: false } : {}) });
    for (const k of this.keyLogs) d.addKeyLog(k);
    const tracker = new FrameTracker();
    const keep = this.hops.length <= KEEP ? { packets: [] as DissectedPacket[], frames: [] as FrameInfo[] } : undefined;
    this.hops.forEach((h, i) => {
      const p = d.packet(h.bytes, { index: h.index, t: h.t, spans: false, ...(this.vantages ? { vantage: h.link } : {}) });
      const f = tracker.next(p, i + 1, h.t, h.bytes);
      keep?.packets.push(p);
      keep?.frames.push(f);
      visit(p, f, i);
    });
    this.kept = keep;
  }

  /** The hops a display filter selects, or its error (the column and length of the faulty token). */
  filter(text: string): DisplayFilterResult {
    const c = tryCompileFilter(text);
    if ('error' in c) return { error: { message: c.error.message, pos: c.error.pos, len: c.error.len } };
    const out: number[] = [];
    this.each((p, f, i) => {
      if (c.filter.test(p, f)) out.push(i);
    });
    return { indices: Int32Array.from(out) };
  }

  /**
   * The conversation of hop `hop`, followed as `kind`; 'auto' picks what the packet's stream carries (a data
   * channel, signaling, WebSocket, HTTP, TLS application data, else the TCP or UDP bytes).
   */
  follow(hop: number, kind: FollowKind | 'auto'): FollowResult | { error: string } {
    let frame: FrameInfo | undefined;
    let packet: DissectedPacket | undefined;
    this.each((p, f, i) => {
      if (i === hop) {
        frame = f;
        packet = p;
      }
    });
    if (!frame || !packet) return { error: `no hop ${hop}` };
    const has = (proto: string): boolean => packet!.layers.some((l) => l.protocol === proto && !l.quoted);
    const k: FollowKind =
      kind !== 'auto'
        ? kind
        : has('DATACHANNEL') || has('SCTP')
          ? 'datachannel'
          : frame.tcpStream === undefined
            ? 'udp'
            : has('SIGNALING')
              ? 'signaling'
              : has('WEBSOCKET')
                ? 'websocket'
                : has('HTTP')
                  ? 'http'
                  : packet.layers.some((l) => l.protocol === 'TLS' && l.plaintext)
                    ? 'tls'
                    : 'tcp';
    const index = k === 'udp' || k === 'datachannel' ? frame.udpStream : frame.tcpStream;
    if (index === undefined) return { error: `hop ${hop} is not part of a ${k === 'udp' || k === 'datachannel' ? 'UDP' : 'TCP'} conversation` };
    const f = new StreamFollower(k, index);
    this.each((p, fr) => f.add(p, fr));
    return f.result();
  }

  /** One column's text for every hop: the field's values ("" where the packet has none). */
  column(field: string): string[] {
    const out: string[] = [];
    this.each((p, f) => out.push(fieldText(field, p, f) ?? ''));
    return out;
  }
}
