import type { Micros } from '../core/time.ts';
import type { CodecInfo } from './codecs.ts';
import type { RtpAnalysisResult } from './rtp-analysis.ts';
import type { PairState, SsrcState, StatsCollector, StreamState } from './collector.ts';

/** What a report reads of a collector: its state, at its own bucket width or regrouped into a wider one. */
export type ReportSource = Pick<StatsCollector, 'bucketUs' | 'lastT' | 'options' | 'catalog' | 'streams' | 'ssrcs' | 'pairs'>;
import type { PairBucket, StreamBucket } from './series.ts';

/**
 * The statistics as a plain, JSON-ready value (what `rtclab dissect --stats --json` prints and the visualizer
 * draws): per stream and per candidate pair, totals and a series of buckets on the trace's time axis (ms from its
 * start). Rates are per second of bucket width.
 */
export interface StatsReport {
  readonly bucketMs: number;
  readonly endMs: number;
  readonly clockRates: 'best' | 'wireshark';
  /** SDPs seen in the pass (where codecs, clock rates and extension names came from). */
  readonly sdps: number;
  readonly streams: readonly StreamReport[];
  readonly pairs: readonly PairReport[];
}

export interface RttSummary {
  readonly samples: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

export interface StreamReport {
  /** "0x1234abcd 10.0.0.1:5000 → 10.0.0.2:6000" (with " @vantage" when the capture has several). */
  readonly id: string;
  readonly ssrc: string;
  readonly src: string;
  readonly dst: string;
  readonly vantage?: string;
  readonly kind: CodecInfo['kind'];
  readonly codec: string;
  readonly clockRate: number;
  readonly clockRateFrom: CodecInfo['from'];
  readonly payloadTypes: readonly { readonly pt: number; readonly packets: number; readonly codec: string }[];
  readonly srtp: boolean;
  /** Packets opened with a key log. */
  readonly decrypted: number;
  readonly relayed: boolean;
  /** Why jitter means nothing here, when it does not (a retransmission stream, RFC 4588 §4). */
  readonly rtx?: string;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly bytes: number;
  readonly payloadBytes: number;
  readonly analysis: RtpAnalysisResult;
  readonly extensions: readonly { readonly id: number; readonly name: string; readonly uri?: string; readonly packets: number }[];
  readonly rtcp: {
    readonly srtcp: number;
    readonly srtcpEncrypted: number;
    readonly nack: number;
    readonly nackedPackets: number;
    readonly pli: number;
    readonly fir: number;
    readonly rtt?: RttSummary;
  };
  readonly series: readonly StreamPoint[];
}

export interface StreamPoint {
  /** The bucket's start (ms from the trace's start). */
  readonly tMs: number;
  readonly packetsPerS: number;
  readonly bitsPerS: number;
  readonly payloadBitsPerS: number;
  /** Expected minus received in the bucket (negative when late packets of an earlier bucket arrive). */
  readonly lost: number;
  readonly lossPercent: number;
  readonly jitterMs: number | null;
  /** Frames per second (video: new RTP timestamps); null for audio. */
  readonly fps: number | null;
  readonly nack: number;
  readonly pli: number;
  readonly fir: number;
  readonly rttMs: number | null;
  readonly reportedFractionLost: number | null;
  readonly reportedJitterMs: number | null;
}

export interface PairReport {
  readonly id: string;
  /** The endpoint that sent first (the checking side of an ICE pair) and the other. */
  readonly a: string;
  readonly b: string;
  readonly vantage?: string;
  /** ICE connectivity checks seen (Binding requests with PRIORITY), any STUN, media (RTP, RTCP, DTLS). */
  readonly ice: boolean;
  readonly stun: boolean;
  readonly media: boolean;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly packets: number;
  readonly bytes: number;
  readonly requests: number;
  readonly responses: number;
  readonly rtt?: RttSummary;
  readonly series: readonly PairPoint[];
}

export interface PairPoint {
  readonly tMs: number;
  readonly packetsPerS: number;
  readonly bitsPerS: number;
  readonly bitsPerSAB: number;
  readonly bitsPerSBA: number;
  readonly requests: number;
  readonly responses: number;
  readonly rttMs: number | null;
}

const round = (v: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function rttSummary(samples: readonly number[]): RttSummary | undefined {
  if (samples.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const s of samples) {
    min = Math.min(min, s);
    max = Math.max(max, s);
    sum += s;
  }
  return { samples: samples.length, minMs: round(min), meanMs: round(sum / samples.length), maxMs: round(max) };
}

const mean = (v: readonly number[]): number | null => (v.length ? round(v.reduce((a, b) => a + b, 0) / v.length) : null);

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function streamReport(c: ReportSource, s: StreamState, severalVantages: boolean): StreamReport {
  const rtcp: SsrcState | undefined = c.ssrcs.get(`${s.ssrc} @${s.vantage}`);
  // the series runs to the stream's last packet or the last RTCP about it, whichever is later
  const endIndex = Math.max(Math.floor(s.lastT / c.bucketUs), ...(rtcp ? rtcp.buckets.byIndex.keys() : []));
  const pts = [...s.payloadTypes].sort((a, b) => b[1] - a[1]);
  const main = c.catalog.codec(pts[0]?.[0] ?? 0);
  const analysis = s.analysis.result();
  const secs = c.bucketUs / 1e6;
  const first = Math.floor(s.firstT / c.bucketUs);
  const own = s.buckets.dense(first, endIndex);
  const fb = rtcp ? rtcp.buckets.dense(first, endIndex) : [];
  const rttAll: number[] = [];
  let nack = 0;
  let nacked = 0;
  let pli = 0;
  let fir = 0;
  for (const b of rtcp?.buckets.byIndex.values() ?? []) {
    rttAll.push(...b.rttMs);
    nack += b.nack;
    nacked += b.nackedPackets;
    pli += b.pli;
    fir += b.fir;
  }
  const rate = analysis.clockRate || main.clockRate;
  let jitter: number | null = null;
  const series = own.map((b: StreamBucket, i): StreamPoint => {
    const r = fb[i];
    if (b.jitterMs !== undefined) jitter = round(b.jitterMs);
    const lost = b.expected - b.packets;
    return {
      tMs: round(((first + i) * c.bucketUs) / 1000),
      packetsPerS: round(b.packets / secs),
      bitsPerS: round((b.bytes * 8) / secs),
      payloadBitsPerS: round((b.payloadBytes * 8) / secs),
      lost,
      lossPercent: b.expected > 0 ? round((Math.max(0, lost) * 100) / b.expected) : 0,
      // the last value holds until the stream's next packet; after its last packet there is none
      jitterMs: (first + i) * c.bucketUs <= s.lastT ? jitter : null,
      fps: main.kind === 'video' ? round(b.frames / secs) : null,
      nack: r?.nack ?? 0,
      pli: r?.pli ?? 0,
      fir: r?.fir ?? 0,
      rttMs: r ? mean(r.rttMs) : null,
      reportedFractionLost: r?.reportedFractionLost ?? null,
      reportedJitterMs: r?.reportedJitterMs !== undefined && rate ? round((r.reportedJitterMs / rate) * 1000) : null,
    };
  });
  const rtx = c.catalog.rtxSsrcs.has(s.ssrc)
    ? 'an RTX stream (a=ssrc-group:FID): its timestamps are those of the packets it repeats (RFC 4588 §4)'
    : pts.length > 0 && pts.every(([pt]) => c.catalog.rtxPayloadTypes.has(pt))
      ? `an RTX stream (PT ${pts.map(([pt]) => pt).join('/')} is rtx in the SDP): its timestamps are those of the packets it repeats (RFC 4588 §4)`
      : undefined;
  const rttSum = rttSummary(rttAll);
  const base = `${hex8(s.ssrc)} ${s.src} → ${s.dst}`;
  return {
    id: severalVantages && s.vantage ? `${base} @${s.vantage}` : base,
    ssrc: hex8(s.ssrc),
    src: s.src,
    dst: s.dst,
    ...(s.vantage ? { vantage: s.vantage } : {}),
    kind: main.kind,
    codec: main.name,
    clockRate: rate,
    clockRateFrom: main.from,
    payloadTypes: pts.map(([pt, packets]) => ({ pt, packets, codec: c.catalog.codec(pt).name })),
    srtp: s.srtp,
    decrypted: s.decrypted,
    relayed: s.relayed,
    ...(rtx ? { rtx } : {}),
    firstMs: round(s.firstT / 1000),
    lastMs: round(s.lastT / 1000),
    bytes: s.bytes,
    payloadBytes: s.payloadBytes,
    analysis: {
      ...analysis,
      lostPercent: round(analysis.lostPercent),
      maxDeltaMs: round(analysis.maxDeltaMs),
      meanJitterMs: round(analysis.meanJitterMs),
      maxJitterMs: round(analysis.maxJitterMs),
      jitterMs: round(analysis.jitterMs),
      maxSkewMs: round(analysis.maxSkewMs),
      clockDriftMs: analysis.clockDriftMs === null ? null : round(analysis.clockDriftMs),
      clockDriftPpm: analysis.clockDriftPpm === null ? null : round(analysis.clockDriftPpm, 1),
    },
    extensions: [...s.extensions]
      .sort((a, b) => a[0] - b[0])
      .map(([id, e]) => {
        const uri = e.uri ?? c.catalog.extmaps.get(id);
        return { id, name: c.catalog.extensionName(id, uri), ...(uri ? { uri } : {}), packets: e.packets };
      }),
    rtcp: { srtcp: rtcp?.srtcp ?? 0, srtcpEncrypted: rtcp?.srtcpEncrypted ?? 0, nack, nackedPackets: nacked, pli, fir, ...(rttSum ? { rtt: rttSum } : {}) },
    series,
  };
}

function pairReport(c: ReportSource, s: PairState, severalVantages: boolean): PairReport {
  const endIndex = Math.floor(s.lastT / c.bucketUs);
  const secs = c.bucketUs / 1e6;
  const first = Math.floor(s.firstT / c.bucketUs);
  const rtt: number[] = [];
  let packets = 0;
  let bytes = 0;
  let requests = 0;
  let responses = 0;
  const series = s.buckets.dense(first, endIndex).map((b: PairBucket, i): PairPoint => {
    rtt.push(...b.rttMs);
    packets += b.packetsAB + b.packetsBA;
    bytes += b.bytesAB + b.bytesBA;
    requests += b.requests;
    responses += b.responses;
    return {
      tMs: round(((first + i) * c.bucketUs) / 1000),
      packetsPerS: round((b.packetsAB + b.packetsBA) / secs),
      bitsPerS: round(((b.bytesAB + b.bytesBA) * 8) / secs),
      bitsPerSAB: round((b.bytesAB * 8) / secs),
      bitsPerSBA: round((b.bytesBA * 8) / secs),
      requests: b.requests,
      responses: b.responses,
      rttMs: mean(b.rttMs),
    };
  });
  const rttSum = rttSummary(rtt);
  const base = `${s.a} ↔ ${s.b}`;
  return {
    id: severalVantages && s.vantage ? `${base} @${s.vantage}` : base,
    a: s.a,
    b: s.b,
    ...(s.vantage ? { vantage: s.vantage } : {}),
    ice: s.ice,
    stun: s.stun,
    media: s.media,
    firstMs: round(s.firstT / 1000),
    lastMs: round(s.lastT / 1000),
    packets,
    bytes,
    requests,
    responses,
    ...(rttSum ? { rtt: rttSum } : {}),
    series,
  };
}

export function buildReport(c: ReportSource): StatsReport {
  const vantages = new Set([...c.streams.values()].map((s) => s.vantage).concat([...c.pairs.values()].map((p) => p.vantage)));
  const several = vantages.size > 1;
  const end: Micros = c.lastT;
  const streams = [...c.streams.values()].sort((a, b) => a.firstT - b.firstT).map((s) => streamReport(c, s, several));
  const pairs = [...c.pairs.values()]
    .filter((p) => p.stun || p.media)
    .sort((a, b) => a.firstT - b.firstT)
    .map((p) => pairReport(c, p, several));
  return { bucketMs: c.bucketUs / 1000, endMs: round(end / 1000), clockRates: c.options.clockRates ?? 'best', sdps: c.catalog.descriptions, streams, pairs };
}
