import type { Trace } from '../../sim/core/trace.ts';
import { CaptureAnalyzer } from '../../sim/infer/analyzer.ts';
import { CaptureFeed } from '../../sim/pass/capture-feed.ts';
import { DissectionPass } from '../../sim/pass/pass.ts';
import { applyCaptureEvent, emptyCapture, type CaptureEvent } from '../../sim/wire/pcap/capture.ts';
import { CaptureReader } from '../../sim/wire/pcap/capture-reader.ts';
import { captureToTrace } from '../../sim/wire/pcap/capture-to-trace.ts';
import { DecryptionWatch, type KeyLogReport } from './decryption-watch.ts';
import { frameToHop, LabelOverrideCollector, type LabelOverrides } from './label-overrides.ts';
import { HopFlowCollector } from './hop-flows.ts';
import { RelationHops, type Relation } from './relations.ts';
import type { PackedTrace } from './packed.ts';
import { SrtpStreamCollector, type SrtpStreamTable } from './srtp-streams.ts';

/** A key log file opened with a capture (NSS key log text). */
export interface KeyLogFile {
  readonly name: string;
  readonly text: string;
}

/** What opening a capture gives the visualizer: the trace with inferred notes, its SRTP streams, and warnings. */
export interface LoadedCapture {
  readonly trace: Trace;
  readonly srtp: SrtpStreamTable;
  /** Reader problems (a truncated file, a damaged block) with the byte offset where each was found. */
  readonly warnings: readonly string[];
  /** What the keys did (a key log file, or the capture's Decryption Secrets Blocks); absent without any keys. */
  readonly keys?: KeyLogReport;
  /** Every key log text the dissection used (the file's, then each Decryption Secrets Block's), for re-dissecting one packet. */
  readonly keyLogs: readonly string[];
  /** True when the capture has several interfaces: each is its own vantage point for the dissector's flow state. */
  readonly vantages: boolean;
  /** Hops whose stateful dissection (with the keys, if any) says more than the keyless one the list shows. */
  readonly labels: LabelOverrides;
  /** Each hop's flow number (5-tuple and vantage point), from the pass: the keyed packet detail replays by it. */
  readonly flows: Int32Array;
  /** The cause-and-effect relations of the packed trace, from what the pass kept of each hop (nothing dissected again). */
  readonly relations: (p: PackedTrace) => Relation[];
}

/**
 * Reads a pcap/pcapng in 1 MiB steps (`progress` after each) and dissects every packet on the way: the capture
 * analyzers infer ICE, DTLS, TURN and stream notes from it (docs/architecture.md), and the SRTP stream counters are collected in
 * the same pass, with the keys of `keyLog` (a key log file opened with it) and of any Decryption Secrets Block. With
 * keys, each DTLS connection's decryption outcome becomes a `dtls.decryption` note. Throws when not a single packet
 * could be read, saying why and at which byte.
 */
export function loadCapture(all: Uint8Array, name: string, progress?: (done: number, total: number) => void, keyLog?: KeyLogFile): LoadedCapture {
  const c = emptyCapture();
  const r = new CaptureReader();
  // the one dissection pass, as `rtclab dissect --summary` makes it: the analyzer gets every packet's bytes and
  // vantage point, so copies of a datagram are counted once and NAT rewrites tie addresses together
  const pass = new DissectionPass({ spans: false, ...(keyLog ? { keyLogs: [keyLog.text] } : {}) });
  const flows = pass.dissector.flows;
  const analyzer = new CaptureAnalyzer(flows);
  const watch = new DecryptionWatch(flows);
  const srtp = new SrtpStreamCollector();
  const labels = new LabelOverrideCollector();
  const flowsSeen = new HopFlowCollector();
  const relationHops = new RelationHops();
  pass.observe(analyzer).observe({
    hop: (p, h) => {
      flowsSeen.observe(h.index, p.flow, h.vantage);
      watch.observe(p, h.index, h.t);
      labels.observe(h.index, p);
      relationHops.observe(h.index, p);
      srtp.observe(p, h.t, h.t, { first: true, last: true, delivered: true, from: p.src, to: p.dst });
    },
  });
  let blocks = 0;
  const feed = new CaptureFeed(pass, { secret: () => void blocks++ });
  const onEvent = (e: CaptureEvent): void => {
    applyCaptureEvent(c, e);
    feed.event(e);
  };
  const CHUNK = 1 << 20;
  for (let o = 0; o < all.length; o += CHUNK) {
    r.pushEach(all.subarray(o, Math.min(all.length, o + CHUNK)), onEvent);
    progress?.(Math.min(all.length, o + CHUNK), all.length);
  }
  r.endEach(onEvent);
  const problems = c.problems.map((p) => `${p.fatal ? 'error' : 'warning'} at byte ${p.offset}: ${p.message}`);
  if (c.packets.length === 0) {
    throw new Error(`${name} could not be read as pcap or pcapng${problems.length ? ` (${problems.join('; ')})` : ': it holds no packets'}`);
  }
  const base = captureToTrace(c, name);
  pass.finish();
  const inferred = analyzer.notes;
  const trace: Trace = { ...base, notes: [...base.notes, ...inferred, ...watch.notes].sort((a, b) => a.t - b.t) };
  const warnings = problems.length ? [`${name}: ${c.packets.length} packets read, then ${problems.join('; ')}`] : [];
  const dsb = blocks > 0 ? `the capture's Decryption Secrets Block${blocks > 1 ? 's' : ''}` : '';
  const source = keyLog ? `${keyLog.name}${dsb ? ` and ${dsb}` : ''}` : dsb;
  const keys = pass.keyLogs.length > 0 ? watch.report(source) : undefined;
  const hopOf = frameToHop(base.notes);
  const overrides = labels.table(hopOf, (hop) => base.hops[hop]?.bytes);
  const hopFlows = flowsSeen.table(base.hops.length, hopOf);
  return { trace, srtp: srtp.table(), warnings, keyLogs: pass.keyLogs, vantages: c.interfaces.length > 1, labels: overrides, flows: hopFlows, relations: (p) => relationHops.finish(p, hopOf), ...(keys ? { keys } : {}) };
}
