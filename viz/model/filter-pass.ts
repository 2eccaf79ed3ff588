import type { Hop } from '../../sim/core/trace.ts';
import { DissectionPass } from '../../sim/pass/pass.ts';
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
export const KEEP = 200_000;

/** Every hop's dissection and frame information, in hop order. */
export interface FilterFrames {
  readonly packets: readonly DissectedPacket[];
  readonly frames: readonly FrameInfo[];
}

/** Visits every hop's dissection and frame information in order (a walk of its own: a trace too long to keep). */
export type FilterWalk = (visit: (p: DissectedPacket, f: FrameInfo, i: number) => void) => void;

/**
 * The filter's index, an observer of the one dissection pass (the worker's pass over a trace, a capture's load): each
 * hop's dissection with its frame information (number from 1, times, tcp.stream/udp.stream numbered in hop order, as
 * tshark numbers them), kept for traces up to KEEP hops.
 */
export class FilterIndex {
  private readonly tracker = new FrameTracker();
  private kept: { packets: DissectedPacket[]; frames: FrameInfo[] } | undefined = { packets: [], frames: [] };
  private count = 0;

  constructor(private readonly limit = KEEP) {}

  /** The next hop, in order: its dissection, time (µs) and datagram bytes. */
  add(p: DissectedPacket, t: number, bytes: Uint8Array): void {
    const f = this.tracker.next(p, ++this.count, t, bytes);
    const k = this.kept;
    if (!k) return;
    if (this.count > this.limit) {
      this.kept = undefined;
      return;
    }
    k.packets.push(p);
    k.frames.push(f);
  }

  /** What was kept: undefined past the limit. */
  frames(): FilterFrames | undefined {
    return this.kept;
  }
}

/**
 * A trace's hops walked by a pass of their own with its key logs, each link its own vantage point when `vantages`:
 * what the filter reads of a simulated trace over KEEP hops, on every request.
 */
export function traceWalk(hops: readonly Hop[], keyLogs: readonly string[], vantages: boolean): FilterWalk {
  return (visit) => {
    const pass = new DissectionPass({ spans: false, keyLogs });
    const tracker = new FrameTracker();
    hops.forEach((h, i) => {
      const p = pass.hop({ bytes: h.bytes, index: h.index, t: h.t, vantage: vantages ? h.link : undefined });
      visit(p, tracker.next(p, i + 1, h.t, h.bytes), i);
    });
  };
}

/**
 * The display filter, the configurable columns and follow stream over a trace or capture (in the worker): every hop
 * as the one dissection pass dissected it, in order, with the trace's key logs (so TCP streams are reassembled, DTLS
 * and TLS opened, as `rtclab dissect --keylog` does), each with its frame information. A trace over KEEP hops is not
 * kept: each request walks it again (`walk`, a pass of its own).
 */
export class FilterPass {
  constructor(
    private readonly kept: FilterFrames | undefined,
    private readonly walk: FilterWalk,
  ) {}

  private each(visit: (p: DissectedPacket, f: FrameInfo, i: number) => void): void {
    const k = this.kept;
    if (!k) return this.walk(visit);
    for (let i = 0; i < k.packets.length; i++) visit(k.packets[i]!, k.frames[i]!, i);
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
