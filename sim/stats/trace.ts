import type { Hop, Trace } from '../core/trace.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import { DissectionPass } from '../pass/pass.ts';
import { traceKeyLog } from '../wire/pcap/pcapng-writer.ts';
import { StatsCollector, type StatsOptions } from './collector.ts';
import type { StatsReport } from './report.ts';

/**
 * The statistics of a simulated trace as its endpoints see it: every datagram counted as sent on its first hop and
 * as received on the hop that delivered it to a host (a datagram crossing four links is one packet, not four; a
 * lost one is not received), dissected in one pass with the trace's own key log so SRTCP reports and feedback are
 * read. Streams are their receivers'; each endpoint's candidate pairs carry what it sent and received.
 */
export function traceStats(trace: Trace, options: Omit<StatsOptions, 'accept'> = {}): StatsReport {
  return traceCollector(trace, options).report();
}

/** The collector after the trace's pass (its report, and its packet times with `keepTimes`). */
export function traceCollector(trace: Trace, options: Omit<StatsOptions, 'accept'> = {}): StatsCollector {
  const collector = new StatsCollector(options);
  const count = traceStatsCounter(trace, collector);
  const pass = new DissectionPass({ keyLog: traceKeyLog(trace), spans: false });
  for (const h of trace.hops) count(pass.hop({ bytes: h.bytes, index: h.index, t: h.t, vantage: h.link }), h);
  pass.finish();
  collector.finish(trace.hops.length ? trace.hops[trace.hops.length - 1]!.t : 0);
  return collector;
}

/**
 * Hands each hop of a simulated trace's pass (dissected with the trace's key log, each link its own vantage point) to
 * `collector` as the trace's endpoints see it: as sent on the datagram's first hop, as received on its last when that
 * delivered it to a host. The visualizer's one pass counts this way too; the caller finishes the collector.
 */
export function traceStatsCounter(trace: Trace, collector: StatsCollector): (p: DissectedPacket, h: Hop) => void {
  // a datagram is received by a host; one delivered to a NAT or router when the run ended never arrived
  const hosts = new Set(trace.nodes.filter((n) => n.kind === 'host' || n.kind === 'server').map((n) => n.name));
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (const h of trace.hops) {
    last.set(h.packet, h.index);
    if (!first.has(h.packet)) first.set(h.packet, h.index);
  }
  return (p, h) => {
    // as its sender sent it, and as its receiver got it at the end of its path
    if (first.get(h.packet) === h.index) collector.packet(p, h.t, h.index, '', 'sent', h.from);
    if (last.get(h.packet) === h.index && h.drop === undefined && hosts.has(h.to)) collector.packet(p, h.arrive, h.index, '', 'received', h.to);
  };
}
