import type { PairReport, StatsReport, StreamReport } from './report.ts';

/**
 * The statistics as text (`rtclab dissect --stats`): one table of streams with the Wireshark-style analysis, one of
 * candidate pairs, then per stream and pair its buckets; and as CSV (one row per stream or pair and bucket).
 */

const f = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? '-' : v.toFixed(digits));
const kbps = (bits: number): string => (bits / 1000).toFixed(1);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The mean bit rate over a span, or '-' for a span too short to say (a packet or two). */
const rate = (bytes: number, ms: number, packets: number): string => (packets < 2 || ms <= 0 ? '-' : kbps((bytes * 8) / (ms / 1000)));

function streamRow(s: StreamReport): string[] {
  const a = s.analysis;
  return [
    s.id,
    `${s.codec}${s.srtp ? ' SRTP' : ''}${s.rtx ? ' RTX' : ''}`,
    String(a.packets),
    `${a.lost} (${a.lostPercent.toFixed(1)}%)`,
    String(a.sequenceErrors),
    String(a.outOfOrder),
    String(a.duplicates),
    f(a.maxDeltaMs, 3),
    a.clockRate ? f(a.meanJitterMs, 3) : '-',
    a.clockRate ? f(a.maxJitterMs, 3) : '-',
    a.clockRate ? f(a.maxSkewMs, 3) : '-',
    f(a.clockDriftPpm, 0),
    String(a.markers),
    rate(s.bytes, s.lastMs - s.firstMs, a.packets),
    s.rtcp.rtt ? f(s.rtcp.rtt.meanMs, 3) : '-',
    `${s.rtcp.nack}/${s.rtcp.pli}/${s.rtcp.fir}`,
  ];
}

function pairRow(p: PairReport): string[] {
  const kind = [p.ice ? 'ICE' : p.stun ? 'STUN' : '', p.media ? 'media' : ''].filter(Boolean).join('+');
  return [p.id, kind, String(p.packets), rate(p.bytes, p.lastMs - p.firstMs, p.packets), `${p.requests}/${p.responses}`, p.rtt ? `${f(p.rtt.minMs, 3)}/${f(p.rtt.meanMs, 3)}/${f(p.rtt.maxMs, 3)}` : '-'];
}

export function formatStats(r: StatsReport, series = true): string[] {
  const out: string[] = [];
  out.push(`RTP streams (${r.streams.length}; jitter, skew and drift in ms/ppm at the payload's clock rate${r.clockRates === 'wireshark' ? ", where Wireshark knows it" : ''}; ${r.sdps} SDP(s) seen)`);
  out.push(
    ...table(
      ['stream', 'codec', 'packets', 'lost', 'seq err', 'ooo', 'dup', 'max Δ ms', 'mean jit', 'max jit', 'max skew', 'drift ppm', 'markers', 'kbit/s', 'RTCP RTT', 'NACK/PLI/FIR'],
      r.streams.map(streamRow),
    ).map((l) => `  ${l}`),
  );
  for (const s of r.streams) {
    const notes: string[] = [];
    if (s.extensions.length) notes.push(`header extensions: ${s.extensions.map((e) => `${e.name} ×${e.packets}`).join(', ')}`);
    if (s.payloadTypes.length > 1) notes.push(`payload types: ${s.payloadTypes.map((p) => `${p.pt} (${p.codec}) ×${p.packets}`).join(', ')}`);
    if (s.clockRateFrom === 'guess') notes.push(`clock rate ${s.clockRate} Hz guessed (no SDP, dynamic payload type)`);
    if (s.rtx) notes.push(s.rtx);
    if (s.rtcp.srtcpEncrypted) notes.push(`${s.rtcp.srtcpEncrypted} SRTCP packet(s) not opened (no key): no reports or feedback read from them`);
    if (s.analysis.maxDeltaPacket !== undefined) notes.push(`max delta at packet ${s.analysis.maxDeltaPacket + 1}`);
    if (notes.length) out.push(`  ${s.id}: ${notes.join('; ')}`);
  }
  out.push('', `Candidate pairs (${r.pairs.length}; STUN requests/responses, round trip min/mean/max ms)`);
  out.push(...table(['pair', 'kind', 'packets', 'kbit/s', 'req/resp', 'RTT ms'], r.pairs.map(pairRow)).map((l) => `  ${l}`));
  if (!series) return out;
  out.push('', `Over time (${r.bucketMs} ms buckets)`);
  for (const s of r.streams) {
    out.push(`  ${s.id}`);
    const rows = s.series.map((b) => [f(b.tMs / 1000, 3), '', f(b.packetsPerS, 1), kbps(b.bitsPerS), String(b.lost), f(b.lossPercent, 1), f(b.jitterMs, 3), f(b.fps, 1), f(b.rttMs, 3), `${b.nack}/${b.pli}/${b.fir}`]);
    out.push(...table(['t s', '', 'pkt/s', 'kbit/s', 'lost', 'loss %', 'jitter ms', 'fps', 'RTT ms', 'NACK/PLI/FIR'], rows).map((l) => `    ${l}`));
  }
  for (const p of r.pairs) {
    out.push(`  ${p.id}`);
    const rows = p.series.map((b) => [f(b.tMs / 1000, 3), '', f(b.packetsPerS, 1), kbps(b.bitsPerSAB), kbps(b.bitsPerSBA), `${b.requests}/${b.responses}`, f(b.rttMs, 3)]);
    out.push(...table(['t s', '', 'pkt/s', 'kbit/s a→b', 'kbit/s b→a', 'req/resp', 'RTT ms'], rows).map((l) => `    ${l}`));
  }
  return out;
}

const csvCell = (v: string | number | null | undefined): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const STATS_CSV_HEADER = ['entity', 'id', 'vantage', 't_ms', 'packets_per_s', 'bits_per_s', 'bits_per_s_a_to_b', 'bits_per_s_b_to_a', 'lost', 'loss_percent', 'jitter_ms', 'fps', 'nack', 'pli', 'fir', 'rtt_ms', 'reported_fraction_lost', 'reported_jitter_ms', 'stun_requests', 'stun_responses'] as const;

/** One row per stream or pair and bucket, RFC 4180 quoting. */
export function statsToCsv(r: StatsReport): string {
  const rows: (string | number | null | undefined)[][] = [[...STATS_CSV_HEADER]];
  for (const s of r.streams) {
    for (const b of s.series) rows.push(['stream', s.id, s.vantage, b.tMs, b.packetsPerS, b.bitsPerS, null, null, b.lost, b.lossPercent, b.jitterMs, b.fps, b.nack, b.pli, b.fir, b.rttMs, b.reportedFractionLost, b.reportedJitterMs, null, null]);
  }
  for (const p of r.pairs) {
    for (const b of p.series) rows.push(['pair', p.id, p.vantage, b.tMs, b.packetsPerS, b.bitsPerS, b.bitsPerSAB, b.bitsPerSBA, null, null, null, null, null, null, null, b.rttMs, null, null, b.requests, b.responses]);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
