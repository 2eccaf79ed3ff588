/// <reference lib="webworker" />
import type { Trace } from '../sim/core/trace.ts';
import { traceFromJson } from '../sim/core/trace-json.ts';
import { dissectPacket } from '../sim/dissect/dissect.ts';
import { ScenarioError } from '../sim/schema/check.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { traceKeyLog, writePcapng } from '../sim/wire/pcap/pcapng-writer.ts';
import { packTrace, transferables, hopBytes, type PackedTrace } from './model/packed.ts';
import { computeRelations, RelationFinder, relationObserver, type Relation } from './model/relations.ts';
import { captureWalk, loadCapture, STATS_BUCKET_US, type KeyLogFile } from './model/capture-load.ts';
import type { KeyLogReport } from './model/decryption-watch.ts';
import { KeyedDetail } from './model/keyed-detail.ts';
import { FilterIndex, FilterPass, traceWalk } from './model/filter-pass.ts';
import { LabelOverrideCollector, type LabelOverrides } from './model/label-overrides.ts';
import { labelObserver, SrtpStreamCollector, srtpObserver, type SrtpStreamTable } from './model/srtp-streams.ts';
import { passOverTrace, type TraceObserver } from './model/trace-pass.ts';
import { HopFlowCollector } from './model/hop-flows.ts';
import { KeyedRecord } from './model/keyed-record.ts';
import { syntheticPacked } from './model/synthetic.ts';
import type { Request, Response } from './protocol.ts';
import { captureCollector, captureStats } from '../sim/stats/capture.ts';
import { traceCollector, traceStats, traceStatsCounter } from '../sim/stats/trace.ts';
import { StatsCollector } from '../sim/stats/collector.ts';
import { parseStatsDump } from '../sim/stats/import/dump.ts';
import { alignDump, AlignmentError, dumpSeries, type Alignment } from '../sim/stats/import/align.ts';
import { CaptureReader } from '../sim/wire/pcap/capture-reader.ts';
import { internalsSightings, readInternalsLog } from '../sim/sdpview/internals.ts';
import type { SeenSdp } from '../sim/sdpview/collect.ts';
import type { StatsReport } from '../sim/stats/report.ts';
import { ViewsObserver, type TraceViews } from './model/views-pass.ts';

/**
 * The simulator, capture reader and dissector run here, so the page never blocks on a run, a big capture or a
 * text filter over a million packets. The worker keeps the current trace for filtering and export.
 */
declare const self: DedicatedWorkerGlobalScope;

let current:
  | {
      trace?: Trace;
      packed: PackedTrace;
      summaries?: string[];
      srtp?: SrtpStreamTable;
      /** Keyed summaries where they say more than the keyless ones (a capture's come from its load). */
      labels?: LabelOverrides;
      relations?: Relation[];
      /** A capture's file, kept so that a key log dropped later can dissect it again (with the key log it was opened with). */
      capture?: { name: string; bytes: Uint8Array; keyLog?: string };
      /** Statistics from the packets, by bucket width (ms), computed on first request. */
      stats?: Map<number, StatsReport>;
      /** The packet detail with decryption, for a capture with keys. */
      keyed?: KeyedDetail;
      /** Each hop's flow number, from the one pass (a capture's load, or keyedPass for a simulated trace). */
      flows?: Int32Array;
      /** Each hop's keyed dissection's signature, from a simulated trace's keyed pass (the keyed detail checks by it). */
      signatures?: Uint32Array;
      /** The display filter's and the field columns' dissection of every hop, from the one pass. */
      filterPass?: FilterPass;
      /** The analysis views' collectors, from the one pass; `views` is what they make (again after a dump's SDPs). */
      viewsObserver?: ViewsObserver;
      /** The statistics from the one pass, in its finest buckets (with each RTP packet's times, for a dump's alignment). */
      statsCollector?: StatsCollector;
      /** A capture's relations, from what its load's pass kept (asked for on the first request). */
      captureRelations?: (p: PackedTrace) => Relation[];
      /** The analysis panel's views (SDP side by side), made on the first request. */
      views?: TraceViews;
      /** The session descriptions of a webrtc-internals dump dropped beside the trace, on its axis. */
      dumpSdps?: readonly Omit<SeenSdp, 'hops'>[];
    }
  | undefined;

const post = (r: Response, transfer: Transferable[] = []): void => self.postMessage(r, transfer);

interface TraceExtra {
  scenario?: Record<string, unknown>;
  warnings?: readonly string[];
  srtp?: SrtpStreamTable;
  labels?: LabelOverrides;
  keys?: KeyLogReport;
  capture?: { name: string; bytes: Uint8Array; keyLog?: string };
  keyed?: KeyedDetail;
  flows?: Int32Array;
  captureRelations?: (p: PackedTrace) => Relation[];
  filterPass?: FilterPass;
  viewsObserver?: ViewsObserver;
  statsCollector?: StatsCollector;
}

function sendTrace(id: number, trace: Trace | undefined, packed: PackedTrace, label: string, t0: number, extra: TraceExtra = {}): void {
  // The worker keeps its own copy of the columns it filters on; the originals are transferred.
  const { srtp, labels, capture, keyed, flows, captureRelations, filterPass, viewsObserver, statsCollector, ...rest } = extra;
  current = { ...(filterPass ? { filterPass } : {}), ...(viewsObserver ? { viewsObserver } : {}), ...(statsCollector ? { statsCollector } : {}), ...(captureRelations ? { captureRelations } : {}), ...(trace ? { trace } : {}), ...(srtp ? { srtp } : {}), ...(labels ? { labels } : {}), ...(capture ? { capture } : {}), ...(keyed ? { keyed } : {}), ...(flows ? { flows } : {}), packed: { ...packed, proto: packed.proto.slice(), from: packed.from.slice(), to: packed.to.slice(), offsets: packed.offsets.slice(), bytes: packed.bytes.slice(), ...relationColumns(packed) } };
  post({ type: 'trace', id, packed, label, ms: performance.now() - t0, ...rest }, transferables(packed));
}

/** The columns relations need besides those kept for filtering (none for a trace without bytes: no relations). */
function relationColumns(p: PackedTrace): Partial<PackedTrace> {
  if (p.bytes.length === 0) return {};
  return { t: p.t.slice(), arrive: p.arrive.slice(), drop: p.drop.slice(), packet: p.packet.slice(), nextOfPacket: p.nextOfPacket.slice(), prevOfPacket: p.prevOfPacket.slice() };
}

function run(id: number, scenario: string | Record<string, unknown>, seed: number | undefined): void {
  const t0 = performance.now();
  const raw = typeof scenario === 'string' ? findPreset(scenario)?.build() : scenario;
  if (!raw) throw new Error(`no preset named "${String(scenario)}"`);
  const s = parseScenario(raw);
  let trace: Trace;
  try {
    trace = runScenario(s, seed !== undefined ? { seed } : {}).trace;
  } catch (e) {
    // a valid scenario the simulator could not run: say where, not just what
    throw new Error(`the simulator failed running "${s.name}"${seed !== undefined ? ` (seed ${seed})` : ''}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // the run's own key log opens its DTLS records in the packet detail, as a capture's does (one link = one vantage)
  const keyLog = traceKeyLog(trace);
  const keyed = keyLog ? new KeyedDetail(trace.hops, [keyLog], true, false, () => keyedPass().flows, () => keyedPass().signatures) : undefined;
  sendTrace(id, trace, packTrace(trace), s.title, t0, { scenario: raw, ...(keyed ? { keyed } : {}) });
}

function capture(id: number, name: string, bytes: Uint8Array, keyLog: KeyLogFile | undefined): void {
  const t0 = performance.now();
  const what = keyLog ? `read and dissected with ${keyLog.name}` : 'read and dissected';
  const loaded = loadCapture(bytes, name, (done, total) => post({ type: 'progress', id, done, total, what }), keyLog);
  const { trace, srtp, labels, warnings, keys } = loaded;
  const flows = loaded.flows;
  const keyed = loaded.keyLogs.length > 0 ? new KeyedDetail(trace.hops, loaded.keyLogs, loaded.vantages, true, () => flows, () => loaded.signatures) : undefined;
  // the load's one pass also made the filter's index, the views' collectors and the statistics
  const filterPass = new FilterPass(loaded.filter, captureWalk(bytes, keyLog?.text));
  sendTrace(id, trace, { ...packTrace(trace), captureFacts: loaded.facts }, name, t0, { warnings, srtp, labels, flows, filterPass, viewsObserver: loaded.views, statsCollector: loaded.stats, captureRelations: loaded.relations, capture: { name, bytes, ...(keyLog ? { keyLog: keyLog.text } : {}) }, ...(keys ? { keys } : {}), ...(keyed ? { keyed } : {}) });
}

/**
 * A simulated or loaded trace's SRTP stream counters, label overrides, cause-and-effect relations, hop flows, the
 * display filter's index, the analysis views' collectors and the statistics, from the one keyed dissection pass
 * over its hops (trace-pass.ts; the first of them asked for computes them all); a capture has them all from its
 * load, a synthetic trace none.
 */
function keyedPass(): { srtp?: SrtpStreamTable; labels: LabelOverrides; flows: Int32Array; signatures: Uint32Array } {
  const cur = current!;
  if (cur.trace && (!cur.srtp || !cur.labels || !cur.flows || !cur.filterPass)) {
    const trace = cur.trace;
    const labels = new LabelOverrideCollector();
    const srtp = new SrtpStreamCollector();
    const flows = new HopFlowCollector();
    const relations = !cur.relations && cur.packed.bytes.length > 0 ? new RelationFinder(cur.packed) : undefined;
    const flowObserver: TraceObserver = { hop: (p, h, r) => flows.observe(r.hop, p.flow, h.link), skipped: (h, hop) => flows.skipped(hop, h.bytes, h.link) };
    const index = new FilterIndex();
    const record = new KeyedRecord();
    let views: ViewsObserver | undefined;
    const stats = new StatsCollector({ bucketUs: STATS_BUCKET_US, keepTimes: true });
    const count = traceStatsCounter(trace, stats);
    passOverTrace(trace, [srtpObserver(trace, srtp), labelObserver(labels), flowObserver, ...(relations ? [relationObserver(relations)] : [])], (pass) => [
      { hop: (p, h) => index.add(p, h.t, h.bytes) },
      { hop: (p, h) => record.observe(h.index, p) },
      (views = new ViewsObserver(pass.dissector)),
      { hop: (p, h) => count(p, trace.hops[h.index]!), finish: (lastT) => stats.finish(lastT) },
    ]);
    const keyLog = traceKeyLog(trace);
    cur.filterPass ??= new FilterPass(index.frames(), traceWalk(trace.hops, keyLog ? [keyLog] : [], true));
    cur.viewsObserver ??= views;
    cur.statsCollector ??= stats;
    cur.srtp ??= srtp.table();
    cur.labels ??= labels.table((hop) => hop, (hop) => trace.hops[hop]?.bytes);
    cur.flows ??= flows.table(trace.hops.length);
    cur.signatures ??= record.table(trace.hops.length);
    if (relations) cur.relations = relations.finish();
  }
  return { ...(cur.srtp ? { srtp: cur.srtp } : {}), labels: cur.labels ?? [], flows: cur.flows ?? new Int32Array(cur.packed.n).fill(-1), signatures: cur.signatures ?? new Uint32Array(cur.packed.n) };
}

/**
 * The relations of the current trace, from its one pass: the keyed pass for a simulated one, the load's pass for
 * a capture; found on their own only for a trace loaded as JSON.
 */
function relations(): Relation[] {
  const cur = current!;
  if (!cur.relations && cur.trace && !cur.captureRelations && (!cur.srtp || !cur.labels)) keyedPass();
  if (!cur.relations && cur.captureRelations && cur.packed.bytes.length > 0) cur.relations = cur.captureRelations(cur.packed);
  cur.relations ??= cur.packed.bytes.length > 0 ? computeRelations(cur.packed) : [];
  return cur.relations;
}

/**
 * The statistics of the current trace (sim/stats): a capture's from its file (with its key log and any Decryption
 * Secrets Block, one vantage point per interface), a simulated run's as its endpoints saw it; none for a synthetic one.
 */
function stats(bucketMs: number): StatsReport | undefined {
  const cur = current!;
  const cached = cur.stats?.get(bucketMs);
  if (cached) return cached;
  const bucketUs = bucketMs * 1000;
  // from the one pass, regrouped into the width asked; another width (not a multiple of its buckets) walks again
  const one = bucketUs % STATS_BUCKET_US === 0 ? passStats() : undefined;
  const report = one ? one.report(bucketUs) : cur.capture ? captureStats(cur.capture.bytes, { bucketUs, ...(cur.capture.keyLog ? { keyLogs: [cur.capture.keyLog] } : {}) }) : cur.trace ? traceStats(cur.trace, { bucketUs }) : undefined;
  if (report) (cur.stats ??= new Map()).set(bucketMs, report);
  return report;
}

/**
 * A getStats dump for the loaded trace: parsed, aligned on its packets, its series on the trace's axis. A
 * webrtc-internals dump's session descriptions (its updateLog) go to the SDP view on the same axis: by the stats'
 * alignment, else (a dump without matching stats) by the capture's own clock, its first packet's time.
 */
function importDump(id: number, name: string, text: string): void {
  const cur = current;
  if (!cur || (!cur.capture && !cur.trace)) throw new Error(`${name} is getStats data: open its capture (or run its scenario) first, then drop it beside it`);
  const dump = parseStatsDump(text, name);
  const log = dump.format === 'webrtc-internals' ? readInternalsLog(JSON.parse(text) as unknown, name) : undefined;
  const collector = passStats() ?? (cur.capture ? captureCollector(cur.capture.bytes, { keepTimes: true, ...(cur.capture.keyLog ? { keyLogs: [cur.capture.keyLog] } : {}) }) : traceCollector(cur.trace!, { keepTimes: true }));
  let a: Alignment | undefined;
  try {
    a = alignDump(dump, collector.packetTimes());
  } catch (e) {
    if (!(e instanceof AlignmentError) || !log?.descriptions.length) throw e;
  }
  let alignment = a ? `${name}: ${dump.format} ${a.text}` : '';
  if (log?.descriptions.length) {
    const origin = cur.capture ? captureOriginMs(cur.capture.bytes) : undefined;
    const offset = a?.offsetMs ?? origin ?? Math.min(...log.descriptions.map((d) => d.timeMs));
    cur.dumpSdps = internalsSightings(log, offset);
    cur.views = undefined;
    if (!a) alignment = `${name}: webrtc-internals, no stats to align (${origin !== undefined ? "its times taken on the capture's clock" : "its first description put at the trace's 0"})`;
  }
  post({ type: 'imported', id, name, series: a ? dumpSeries(dump, a.offsetMs) : [], alignment, descriptions: log?.descriptions.length ?? 0 });
}

/** The capture's first packet's time, ms since the epoch (what its trace's 0 is). */
function captureOriginMs(bytes: Uint8Array): number | undefined {
  let us: number | undefined;
  const reader = new CaptureReader();
  const take = (e: { kind: string; packet?: { time?: { us: number } } }): void => {
    if (us === undefined && e.kind === 'packet' && e.packet?.time) us = e.packet.time.us;
  };
  reader.pushEach(bytes, take);
  reader.endEach(take);
  return us === undefined ? undefined : us / 1000;
}

/** A webrtc-internals dump (PeerConnections) or getStats JSON (RTCStats objects with id, type and timestamp). */
function isStatsJson(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if ('PeerConnections' in v) return true;
  const items = Array.isArray(v) ? v : Object.values(v);
  const first = items[0] as unknown;
  return typeof first === 'object' && first !== null && 'type' in first && 'timestamp' in first;
}

const NO_SPANS = { spans: false } as const;

function summaries(): string[] {
  const cur = current!;
  if (cur.summaries) return cur.summaries;
  const { labels } = keyedPass();
  const p = cur.packed;
  const out = new Array<string>(p.n);
  for (let i = 0; i < p.n; i++) {
    if (p.offsets[i] === p.offsets[i + 1]) {
      out[i] = '';
      continue;
    }
    // the text filter reads summaries and addresses only: no field spans
    const d = dissectPacket(hopBytes(p, i), NO_SPANS);
    out[i] = `${d.summary}\u0000${d.src}\u0000${d.dst}`.toLowerCase();
  }
  // the text filter finds what the list shows: the keyed summary where there is one, and the keyless one too
  for (const o of labels) if (out[o.hop]) out[o.hop] = `${o.summary.toLowerCase()}\u0000${out[o.hop]!}`;
  cur.summaries = out;
  return out;
}

/** The current trace's filter pass (its hops as the one pass dissected them), or none for a synthetic trace. */
function filterPass(): FilterPass | undefined {
  const cur = current;
  if (!cur?.trace) return undefined;
  keyedPass();
  return cur.filterPass;
}

/** The statistics collector of the current trace's one pass (none for a synthetic trace). */
function passStats(): StatsCollector | undefined {
  const cur = current;
  if (!cur?.trace) return undefined;
  keyedPass();
  return cur.statsCollector;
}

function filter(id: number, proto: number, host: string, text: string, display: string): void {
  if (!current) return post({ type: 'filtered', id, indices: null });
  const p = current.packed;
  let selected: Int32Array | undefined;
  if (display !== '') {
    const fp = filterPass();
    if (!fp) return post({ type: 'filtered', id, indices: null, error: { message: 'this trace has no packet bytes to filter', pos: 0, len: display.length } });
    const r = fp.filter(display);
    if ('error' in r) return post({ type: 'filtered', id, indices: null, error: r.error });
    selected = r.indices;
  }
  if (proto < 0 && host === '' && text === '') {
    if (!selected) return post({ type: 'filtered', id, indices: null });
    return post({ type: 'filtered', id, indices: selected }, [selected.buffer]);
  }
  const keep = selected ? new Uint8Array(p.n) : undefined;
  if (keep && selected) for (const i of selected) keep[i] = 1;
  const h = host.toLowerCase();
  const q = text.toLowerCase();
  const laneMatch = p.lanes.map((l) => h !== '' && l.toLowerCase().includes(h));
  const sums = h !== '' || q !== '' ? summaries() : undefined;
  const out: number[] = [];
  for (let i = 0; i < p.n; i++) {
    if (keep && !keep[i]) continue;
    if (proto >= 0 && p.proto[i] !== proto) continue;
    const s = sums?.[i] ?? '';
    if (h !== '' && !laneMatch[p.from[i]!] && !laneMatch[p.to[i]!] && !s.includes(h)) continue;
    if (q !== '' && !s.includes(q) && !(p.drop[i]! >= 0 && p.dropReasons[p.drop[i]!]!.toLowerCase().includes(q))) continue;
    out.push(i);
  }
  const indices = Int32Array.from(out);
  post({ type: 'filtered', id, indices }, [indices.buffer]);
}

function exportName(trace: Trace): string {
  return (trace.meta.scenario ?? trace.meta.title ?? 'trace').replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** A scenario check names every wrong field (path: what was expected); anything else says what it is. */
function describeError(e: unknown): string {
  if (e instanceof ScenarioError) return `the scenario is not valid: ${e.issues.map((i) => `${i.path || '(top level)'}: ${i.message}`).join('; ')}`;
  return e instanceof Error ? e.message : String(e);
}

self.onmessage = (ev: MessageEvent<Request>): void => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'run':
        return run(m.id, m.scenario, m.seed);
      case 'capture':
        return capture(m.id, m.name, new Uint8Array(m.bytes), m.keyLog);
      case 'rekey': {
        if (!current?.capture) throw new Error(`no capture is loaded to apply ${m.keyLog.name} to`);
        return capture(m.id, current.capture.name, current.capture.bytes, m.keyLog);
      }
      case 'keyed-packet':
        return post({ type: 'keyed-packet', id: m.id, hop: m.hop, packet: current?.keyed?.packet(m.hop) });
      case 'trace-json': {
        const t0 = performance.now();
        let parsed: unknown;
        try {
          parsed = JSON.parse(m.text);
        } catch (e) {
          throw new Error(`${m.name} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (isStatsJson(parsed)) return importDump(m.id, m.name, m.text);
        // a scenario file (nodes, no hops) runs; anything else must be an rtclab trace
        if (typeof parsed === 'object' && parsed !== null && 'nodes' in parsed && !('hops' in parsed)) return run(m.id, parsed as Record<string, unknown>, undefined);
        let trace: Trace;
        try {
          trace = traceFromJson(m.text);
        } catch (e) {
          throw new Error(`${m.name} is neither a scenario nor an rtclab trace: ${e instanceof Error ? e.message : String(e)}`);
        }
        return sendTrace(m.id, trace, packTrace(trace), m.name, t0);
      }
      case 'synthetic': {
        const t0 = performance.now();
        return sendTrace(m.id, undefined, syntheticPacked(m.hops), `synthetic ${m.hops} hops`, t0);
      }
      case 'filter':
        return filter(m.id, m.proto, m.host, m.text, m.display);
      case 'follow': {
        const fp = filterPass();
        return post({ type: 'follow', id: m.id, result: fp ? fp.follow(m.hop, m.kind) : { error: 'this trace has no packet bytes to follow' } });
      }
      case 'column': {
        const fp = filterPass();
        return post({ type: 'column', id: m.id, field: m.field, values: fp ? fp.column(m.field) : [] });
      }
      case 'pcapng': {
        if (!current?.trace) throw new Error('nothing to export: this trace has no packets to write');
        // the trace's key log goes into a Decryption Secrets Block, so Wireshark decrypts DTLS on open
        const bytes = writePcapng(current.trace);
        return post({ type: 'file', id: m.id, bytes, name: `${exportName(current.trace)}.pcapng` }, [bytes.buffer as ArrayBuffer]);
      }
      case 'keylog': {
        if (!current?.trace) throw new Error('nothing to export: this trace has no secrets');
        const text = traceKeyLog(current.trace);
        if (text === '') throw new Error('this trace has no key log lines (no DTLS handshake with keys, or a capture without a Decryption Secrets Block)');
        const bytes = new TextEncoder().encode(text);
        return post({ type: 'file', id: m.id, bytes, name: `${exportName(current.trace)}.keylog.txt` }, [bytes.buffer as ArrayBuffer]);
      }
      case 'relations': {
        return post({ type: 'relations', id: m.id, relations: current ? relations() : [] });
      }
      case 'srtp-streams':
        return post({ type: 'srtp-streams', id: m.id, table: current ? keyedPass().srtp : undefined });
      case 'label-overrides':
        return post({ type: 'label-overrides', id: m.id, overrides: current ? keyedPass().labels : [] });
      case 'views': {
        const cur = current;
        if (cur?.trace) {
          keyedPass();
          cur.views ??= cur.viewsObserver?.views(cur.trace, cur.capture !== undefined, cur.dumpSdps ?? []);
        }
        return post({ type: 'views', id: m.id, views: cur?.views });
      }
      case 'stats':
        if (!(m.bucketMs > 0)) throw new Error(`statistics need a bucket width above 0 ms (got ${m.bucketMs})`);
        return post({ type: 'stats', id: m.id, report: current ? stats(m.bucketMs) : undefined });
    }
  } catch (e) {
    post({ type: 'error', id: m.id, message: describeError(e) });
  }
};
