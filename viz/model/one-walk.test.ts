import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Hop, Trace } from '../../sim/core/trace.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import { FrameTracker } from '../../sim/dissect/filter/frames.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { StatsCollector } from '../../sim/stats/collector.ts';
import { captureStats } from '../../sim/stats/capture.ts';
import { traceStats, traceStatsCounter } from '../../sim/stats/trace.ts';
import { traceKeyLog } from '../../sim/wire/pcap/pcapng-writer.ts';
import { readCapture } from '../../sim/wire/pcap/capture-reader.ts';
import { frameDatagram } from '../../sim/wire/pcap/capture-to-trace.ts';
import { LINKTYPE_ETHERNET } from '../../sim/wire/pcap/linktype.ts';
import { CAPTURES_DIR } from '../../test/captures.ts';
import { captureWalk, loadCapture, STATS_BUCKET_US } from './capture-load.ts';
import { FilterIndex, FilterPass, traceWalk, type FilterWalk } from './filter-pass.ts';
import { STATS_BUCKETS_MS } from './stats-bucket.ts';
import { passOverTrace } from './trace-pass.ts';
import { computeViews, ViewsObserver } from './views-pass.ts';

// The worker's one walk: a capture's load (or a simulated trace's keyed pass) dissects each hop once and feeds the
// display filter's index, the analysis views and the statistics besides labels, flows and relations. Each answers
// what its own pass used to answer: the filter what a walk over the hops' datagrams selected, the views and the
// statistics what their passes over the trace or the file found.

/** The filter's answers as its own pass over the hops' IP datagrams made them before the one walk. */
function datagramWalk(hops: readonly Hop[], keyLogs: readonly string[], vantages: boolean, capture: boolean): FilterWalk {
  return (visit) => {
    const d = new Dissector({ spans: false, ...(capture ? { verifyChecksums: false } : {}) });
    for (const k of keyLogs) d.addKeyLog(k);
    const tracker = new FrameTracker();
    hops.forEach((h, i) => {
      const p = d.packet(h.bytes, { index: h.index, t: h.t, spans: false, ...(vantages ? { vantage: h.link } : {}) });
      visit(p, tracker.next(p, i + 1, h.t, h.bytes), i);
    });
  };
}

const FILTERS = [
  'stun',
  'udp',
  'tcp',
  'dtls',
  'rtp || rtcp',
  'srtp',
  'tls',
  'icmp || icmpv6',
  'sctp || datachannel',
  'stun.att.error',
  'dtls.handshake.type == 1',
  'udp.stream == 1',
  'tcp.stream == 0',
  'frame.number > 10 && udp.length > 200',
  'ip.src == 10.0.0.1 || ipv6',
  'turn || stun.att.channel',
  'sdp',
  'http || websocket',
];
const COLUMNS = ['udp.stream', 'tcp.stream', 'frame.time_delta', 'stun.type', 'dtls.record.content_type'];

function captures(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? captures(p) : /\.pcap(ng)?$/.test(n) ? [p] : [];
  });
}

const keyLogOf = (path: string): string | undefined => {
  const k = path.replace(/\.pcap(ng)?$/, '.keylog.txt');
  return existsSync(k) ? readFileSync(k, 'utf8') : undefined;
};

describe.each(captures(CAPTURES_DIR).map((p) => [p.slice(CAPTURES_DIR.length), p]))('a capture load is the one walk: %s', (_name, path) => {
  const bytes = new Uint8Array(readFileSync(path));
  const keyText = keyLogOf(path);
  const packets = vi.spyOn(Dissector.prototype, 'packet');
  const loaded = loadCapture(bytes, path, undefined, keyText ? { name: 'keys', text: keyText } : undefined);
  const dissections = packets.mock.calls.length;
  packets.mockRestore();
  const frames = Number(loaded.trace.meta.summary?.['packets']);

  it('dissects each frame once: the filter index, views and statistics come from that pass', () => {
    expect(dissections).toBe(frames);
    expect(loaded.filter?.packets).toHaveLength(loaded.trace.hops.length);
  });

  it('its filter selects what a pass over the hops selected (the same frame numbers, streams, columns, follow)', () => {
    const one = new FilterPass(loaded.filter, captureWalk(bytes, keyText));
    const old = new FilterPass(undefined, datagramWalk(loaded.trace.hops, loaded.keyLogs, loaded.vantages, true));
    const walked = new FilterPass(undefined, captureWalk(bytes, keyText));
    for (const f of FILTERS) {
      expect(one.filter(f), f).toEqual(old.filter(f));
      expect(walked.filter(f), f).toEqual(one.filter(f));
    }
    for (const c of COLUMNS) expect(one.column(c), c).toEqual(old.column(c));
    for (const hop of [0, loaded.trace.hops.length >> 1]) expect(one.follow(hop, 'auto'), `follow ${hop}`).toEqual(old.follow(hop, 'auto'));
  });

  it('reads frame.len and the link layer of the frame, as rtclab dissect and tshark do (a pass over datagrams had neither)', () => {
    const one = new FilterPass(loaded.filter, captureWalk(bytes, keyText));
    const ip = readCapture(bytes).packets.filter((p) => frameDatagram(p.data, p.link));
    expect(one.column('frame.len')).toEqual(ip.map((p) => String(p.data.length)));
    const eth = ip.flatMap((p, hop) => (p.linkType === LINKTYPE_ETHERNET ? [hop] : []));
    expect(one.filter('eth')).toEqual({ indices: Int32Array.from(eth) });
  });

  it('its views are those of a pass over the hops', () => {
    expect(loaded.views.views(loaded.trace, true)).toEqual(computeViews(loaded.trace, loaded.keyLogs, loaded.vantages, true));
  });

  it('its statistics, regrouped into every width the page asks, are those of a pass over the file', () => {
    for (const ms of STATS_BUCKETS_MS) {
      expect(loaded.stats.report(ms * 1000), `${ms} ms`).toEqual(captureStats(bytes, { bucketUs: ms * 1000, ...(keyText ? { keyLogs: [keyText] } : {}) }));
    }
  });
});

function run(name: string, durationUs?: number): Trace {
  const s = parseScenario(findPreset(name)!.build());
  return runScenario(durationUs ? ({ ...s, duration: durationUs } as typeof s) : s).trace;
}

describe.each([
  ['call-p2p', 3_000_000],
  ['datachannel-dtls13', undefined],
  ['turn-tcp-relay', undefined],
] as const)('the worker pass over a simulated trace is the one walk: %s', (name, duration) => {
  const trace = run(name, duration);
  const keyLog = traceKeyLog(trace);
  const index = new FilterIndex();
  let views: ViewsObserver | undefined;
  const stats = new StatsCollector({ bucketUs: STATS_BUCKET_US });
  const count = traceStatsCounter(trace, stats);
  const packets = vi.spyOn(Dissector.prototype, 'packet');
  passOverTrace(trace, [], (pass) => [{ hop: (p, h) => index.add(p, h.t, h.bytes) }, (views = new ViewsObserver(pass.dissector)), { hop: (p, h) => count(p, trace.hops[h.index]!), finish: (t) => stats.finish(t) }]);
  const dissections = packets.mock.calls.length;
  packets.mockRestore();

  it('dissects every hop once', () => {
    expect(dissections).toBe(trace.hops.length);
  });

  it('its filter, views and statistics answer what their own passes did', () => {
    const one = new FilterPass(index.frames(), traceWalk(trace.hops, keyLog ? [keyLog] : [], true));
    const old = new FilterPass(undefined, datagramWalk(trace.hops, keyLog ? [keyLog] : [], true, false));
    for (const f of FILTERS) expect(one.filter(f), f).toEqual(old.filter(f));
    for (const c of COLUMNS) expect(one.column(c), c).toEqual(old.column(c));
    expect(views!.views(trace, false)).toEqual(computeViews(trace, keyLog ? [keyLog] : [], true, false));
    for (const ms of [100, 1000, 5000]) expect(stats.report(ms * 1000), `${ms} ms`).toEqual(traceStats(trace, { bucketUs: ms * 1000 }));
  });
});
