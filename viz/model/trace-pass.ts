import type { Hop, Trace } from '../../sim/core/trace.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';
import { DissectionPass, type PassObserver } from '../../sim/pass/pass.ts';
import { traceKeyLog } from '../../sim/wire/pcap/pcapng-writer.ts';
import { classify, PROTOCOLS } from './packed.ts';

/** Where a hop stands on its datagram's path, for the observers of a trace's pass. */
export interface TraceHopRole {
  /** The hop's index in the trace. */
  readonly hop: number;
  /** The datagram's first hop (its sender's) and last hop (its receiver's, delivered or not). */
  readonly first: boolean;
  readonly last: boolean;
  /** RTP or RTCP, bare or inside TURN ChannelData: observers read only its first and last hops. */
  readonly media: boolean;
  /** The node that sent the datagram (its first hop's sender). */
  readonly sender: string;
}

export interface TraceObserver {
  hop(p: DissectedPacket, h: Hop, role: TraceHopRole): void;
  /** A media hop in the middle of its datagram's path: its dissection is not theirs to read (see passOverTrace). */
  skipped?(h: Hop, hop: number): void;
}

/**
 * The worker's one dissection pass over a simulated (or loaded `--trace`) trace: every hop dissected once, with the
 * trace's key log and the state of the hops before it, each link its own vantage point (a datagram crossing four
 * links is one datagram, not three replays), spans off. The answers go to the observers: SRTP counters, keyed labels,
 * cause-and-effect relations. With `every` (the pass's observers of every hop: the display filter's index, the
 * analysis views' collectors, the statistics), every hop is dissected; without, media hops in the middle of a path
 * are skipped (nothing else reads them: counters look at a stream's ends, labels never change for media). Either
 * way `observers` see those hops as skipped.
 */
export function passOverTrace(trace: Trace, observers: readonly TraceObserver[], every?: (pass: DissectionPass) => readonly PassObserver[]): void {
  const last = new Map<number, number>();
  const first = new Map<number, number>();
  for (const h of trace.hops) {
    if (!first.has(h.packet)) first.set(h.packet, h.index);
    last.set(h.packet, h.index);
  }
  const pass = new DissectionPass({ keyLog: traceKeyLog(trace), spans: false });
  const all = every?.(pass) ?? [];
  for (const o of all) pass.observe(o);
  trace.hops.forEach((h, hop) => {
    const isFirst = first.get(h.packet) === h.index;
    const isLast = last.get(h.packet) === h.index;
    const media = isMediaHop(h.bytes);
    const mid = media && !isFirst && !isLast;
    if (mid && all.length === 0) {
      for (const o of observers) o.skipped?.(h, hop);
      return;
    }
    const p = pass.hop({ bytes: h.bytes, index: h.index, t: h.t, vantage: h.link });
    if (mid) {
      for (const o of observers) o.skipped?.(h, hop);
      return;
    }
    const role: TraceHopRole = { hop, first: isFirst, last: isLast, media, sender: trace.hops[first.get(h.packet)!]?.from ?? h.from };
    for (const o of observers) o.hop(p, h, role);
  });
  if (all.length > 0) pass.finish();
}

/** RTP or RTCP, bare or inside TURN ChannelData (RFC 7983 §7: first byte 128–191; RFC 8656 §12.4: 4-byte header). */
export function isMediaHop(b: Uint8Array): boolean {
  const cls = PROTOCOLS[classify(b)];
  if (cls === 'RTP' || cls === 'RTCP') return true;
  if (cls !== 'TURN-CHANNELDATA') return false;
  const udpPayload = (b[0]! >> 4 === 4 ? (b[0]! & 0x0f) * 4 : 40) + 8;
  const first = b[udpPayload + 4];
  return first !== undefined && first >= 128 && first <= 191;
}
