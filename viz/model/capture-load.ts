import type { Trace } from '../../sim/core/trace.ts';
import { CaptureFactsObserver, remapFacts, type CaptureFacts } from '../../sim/diagnosis/capture-facts.ts';
import { CaptureAnalyzer } from '../../sim/infer/analyzer.ts';
import { CaptureFeed } from '../../sim/pass/capture-feed.ts';
import { DissectionPass, type PassHop, type PassObserver } from '../../sim/pass/pass.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';
import { FrameTracker } from '../../sim/dissect/filter/frames.ts';
import { StatsCollector } from '../../sim/stats/collector.ts';
import { frameDatagram } from '../../sim/wire/pcap/capture-to-trace.ts';
import { FilterIndex, type FilterFrames, type FilterWalk } from './filter-pass.ts';
import { STATS_BUCKETS_MS } from './stats-bucket.ts';
import { ViewsObserver } from './views-pass.ts';
import { applyCaptureEvent, emptyCapture, type CaptureEvent } from '../../sim/wire/pcap/capture.ts';
import { CaptureReader } from '../../sim/wire/pcap/capture-reader.ts';
import { captureToTrace } from '../../sim/wire/pcap/capture-to-trace.ts';
import { DecryptionWatch, type KeyLogReport } from './decryption-watch.ts';
import { frameToHop, LabelOverrideCollector, type LabelOverrides } from './label-overrides.ts';
import { HopFlowCollector } from './hop-flows.ts';
import { KeyedRecord } from './keyed-record.ts';
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
  /** Each hop's keyed dissection as a 4-byte signature (KeyedRecord), with keys: the keyed detail checks its answers by it. */
  readonly signatures: Uint32Array;
  /** The cause-and-effect relations of the packed trace, from what the pass kept of each hop (nothing dissected again). */
  readonly relations: (p: PackedTrace) => Relation[];
  /** What the diagnosis reads of the packets themselves (DTLS alerts, STUN errors, server requests), by hop. */
  readonly facts: CaptureFacts;
  /** Every hop's dissection and frame information for the display filter (undefined past KEEP hops: `captureWalk`). */
  readonly filter: FilterFrames | undefined;
  /** The analysis views' collectors (SDPs, certificates), by hop. */
  readonly views: ViewsObserver;
  /** The statistics, in STATS_BUCKET_US buckets (regrouped into the width asked), with each RTP packet's times. */
  readonly stats: StatsCollector;
}

/** The statistics' bucket width in the load pass: the finest the page asks (viz/model/stats-bucket.ts). */
export const STATS_BUCKET_US = STATS_BUCKETS_MS[0]! * 1000;

/**
 * Numbers a capture pass's hops as its trace does (captureToTrace: one hop per IP frame, non-IP frames skipped) and
 * hands each to `visit` with that number; `hopOf` maps a frame's number to its hop (-1: none).
 */
export class CaptureHops implements PassObserver {
  private readonly frames: number[] = [];
  private n = 0;

  constructor(private readonly visit: (p: DissectedPacket, h: PassHop, hop: number) => void) {}

  hop(p: DissectedPacket, h: PassHop): void {
    const ip = h.link ? frameDatagram(h.bytes, h.link) : undefined;
    if (!ip) {
      this.frames[h.index] = -1;
      return;
    }
    const hop = this.n++;
    this.frames[h.index] = hop;
    this.visit(p, h, hop);
  }

  readonly hopOf = (frame: number): number => this.frames[frame] ?? -1;
}

/**
 * A capture walked again by a pass of its own (the load's keys, each interface its vantage point), each hop with its
 * frame information: what the display filter reads of a capture over KEEP hops, on every request.
 */
export function captureWalk(bytes: Uint8Array, keyLog: string | undefined): FilterWalk {
  return (visit) => {
    const pass = new DissectionPass({ spans: false, ...(keyLog ? { keyLogs: [keyLog] } : {}) });
    const tracker = new FrameTracker();
    pass.observe(new CaptureHops((p, h, hop) => visit(p, tracker.next(p, hop + 1, h.t, h.bytes), hop)));
    const feed = new CaptureFeed(pass);
    const r = new CaptureReader();
    r.pushEach(bytes, (e) => feed.event(e));
    r.endEach((e) => feed.event(e));
  };
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
  const record = new KeyedRecord();
  const relationHops = new RelationHops();
  const facts = new CaptureFactsObserver();
  // the display filter's index and the analysis views read hops, numbered as the trace numbers them
  const filter = new FilterIndex();
  let views: ViewsObserver | undefined;
  const hops = new CaptureHops((p, h, hop) => {
    // the frame's bytes, as its layers' offsets count them (frame.len is the frame's, as `rtclab dissect` and tshark read it)
    filter.add(p, h.t, h.bytes);
    views!.hop(p, { ...h, index: hop });
  });
  views = new ViewsObserver(pass.dissector, hops.hopOf);
  const stats = new StatsCollector({ bucketUs: STATS_BUCKET_US, keepTimes: true });
  pass.observe(analyzer).observe(facts).observe({
    hop: (p, h) => {
      flowsSeen.observe(h.index, p.flow, h.vantage);
      // with keys only (a Decryption Secrets Block may bring them later in the file: hops before it are left 0)
      if (pass.keyLogs.length > 0) record.observe(h.index, p);
      watch.observe(p, h.index, h.t);
      labels.observe(h.index, p);
      relationHops.observe(h.index, p);
      srtp.observe(p, h.t, h.t, { first: true, last: true, delivered: true, from: p.src, to: p.dst });
    },
  });
  pass.observe(hops).observe({ hop: () => undefined, finish: () => views.finish() }).observe(stats);
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
  const signatures = record.table(base.hops.length, hopOf);
  return { trace, srtp: srtp.table(), warnings, keyLogs: pass.keyLogs, vantages: c.interfaces.length > 1, labels: overrides, flows: hopFlows, signatures, relations: (p) => relationHops.finish(p, hopOf), facts: remapFacts(facts.facts, hopOf), filter: filter.frames(), views, stats, ...(keys ? { keys } : {}) };
}
