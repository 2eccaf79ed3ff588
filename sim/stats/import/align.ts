import { isoTime } from '../../crypto/x509.ts';
import type { StatSeries, StatsDump } from './dump.ts';

/**
 * Finds the clock offset between a getStats dump (ms since the epoch) and a trace (µs from its start) from the
 * packet counters: a sample saying `packetsSent` = V at time T means the stream's V-th packet went out at or before
 * T and its (V+1)-th after, so the offset lies between T − t(V+1) and T − t(V). Every sample of every stream found in
 * the trace narrows it; their intersection is the answer, stated with its width. When they disagree (packets the
 * capture missed, retransmissions counted elsewhere) the median of the samples' own estimates is taken and said so.
 * Then the dump's series are put on the trace's axis as rates, like the statistics from packets.
 */
export interface PacketTimes {
  /** Per SSRC, the times (µs, sorted) its packets were sent and received (a capture sees both at once). */
  readonly sent: ReadonlyMap<number, readonly number[]>;
  readonly received: ReadonlyMap<number, readonly number[]>;
}

export interface Alignment {
  /** Epoch ms at the trace's time 0: trace µs = (epoch ms − offsetMs) × 1000. */
  readonly offsetMs: number;
  /** Half the width of the interval the samples allow (ms). */
  readonly uncertaintyMs: number;
  readonly samples: number;
  /** The counters used ("outbound-rtp 0x1234abcd packetsSent"). */
  readonly used: readonly string[];
  /** Whether every sample agreed (their intervals intersect). */
  readonly consistent: boolean;
  /** The finding in words, for the page and the CLI. */
  readonly text: string;
}

export type ImportedMetric = 'bitrate' | 'packets' | 'loss' | 'jitter' | 'rtt' | 'fps';

export interface ImportedSeries {
  readonly id: string;
  readonly label: string;
  readonly metric: ImportedMetric;
  /** µs on the trace's axis. */
  readonly points: readonly { readonly t: number; readonly v: number }[];
  readonly imported: true;
}

const num = (s: StatSeries, member: string): { t: number; v: number }[] => (s.members.get(member) ?? []).filter((p): p is { t: number; v: number } => typeof p.v === 'number');
const ssrcOf = (s: StatSeries): number | undefined => {
  const v = s.members.get('ssrc')?.[0]?.v;
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n >>> 0 : undefined;
};
const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function merged(times: ReadonlyMap<number, readonly number[]>, ssrcs: readonly number[]): number[] {
  return ssrcs.flatMap((s) => [...(times.get(s) ?? [])]).sort((a, b) => a - b);
}

export class AlignmentError extends Error {}

export function alignDump(dump: StatsDump, times: PacketTimes): Alignment {
  const lows: number[] = [];
  const highs: number[] = [];
  const mids: number[] = [];
  const used: string[] = [];
  for (const s of dump.objects) {
    const outbound = s.type === 'outbound-rtp';
    if (!outbound && s.type !== 'inbound-rtp') continue;
    const ssrc = ssrcOf(s);
    if (ssrc === undefined) continue;
    const member = outbound ? 'packetsSent' : 'packetsReceived';
    const samples = num(s, member);
    // W3C webrtc-stats: packetsSent counts retransmissions, which Chromium sends on the RTX SSRC
    const rtx = ssrcOf({ ...s, members: new Map([['ssrc', s.members.get('rtxSsrc') ?? []]]) });
    const packets = merged(outbound ? times.sent : times.received, rtx !== undefined ? [ssrc, rtx] : [ssrc]);
    if (!packets.length || !samples.length) continue;
    used.push(`${s.type} ${hex8(ssrc)} ${member}`);
    for (const { t: T, v: V } of samples) {
      if (!Number.isInteger(V) || V < 0 || V > packets.length) continue;
      // the V-th packet (1-based) at or before T, the next one after it
      const lo = V < packets.length ? T - packets[V]! / 1000 : -Infinity;
      const hi = V > 0 ? T - packets[V - 1]! / 1000 : Infinity;
      lows.push(lo);
      highs.push(hi);
      if (Number.isFinite(lo) && Number.isFinite(hi)) mids.push((lo + hi) / 2);
    }
  }
  if (!used.length) throw new AlignmentError('no RTP stream of the dump is in the trace: no outbound-rtp or inbound-rtp SSRC with packet counters matches a stream seen in the packets');
  const lo = Math.max(...lows);
  const hi = Math.min(...highs);
  if (lo <= hi && Number.isFinite(lo) && Number.isFinite(hi)) {
    const offsetMs = (lo + hi) / 2;
    const u = (hi - lo) / 2;
    return { offsetMs, uncertaintyMs: u, samples: lows.length, used, consistent: true, text: `clock offset ${isoTime(offsetMs)} at the trace's 0 (±${u.toFixed(1)} ms, ${lows.length} counter samples of ${used.length} stream(s) agree)` };
  }
  if (!mids.length) throw new AlignmentError(`the dump's packet counters do not bracket any packet of the trace (${lows.length} samples)`);
  mids.sort((a, b) => a - b);
  const offsetMs = mids[Math.floor(mids.length / 2)]!;
  const q1 = mids[Math.floor(mids.length / 4)]!;
  const q3 = mids[Math.floor((mids.length * 3) / 4)]!;
  return { offsetMs, uncertaintyMs: (q3 - q1) / 2, samples: lows.length, used, consistent: false, text: `clock offset ${isoTime(offsetMs)} at the trace's 0 (median of ${mids.length} samples, ±${((q3 - q1) / 2).toFixed(1)} ms; the samples disagree: packets the capture missed or counted elsewhere)` };
}

/** A counter's rate between consecutive samples, placed at the later sample (per second; × scale). */
function rate(samples: readonly { t: number; v: number }[], offsetMs: number, scale = 1): { t: number; v: number }[] {
  const out: { t: number; v: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.t <= a.t) continue;
    out.push({ t: (b.t - offsetMs) * 1000, v: ((b.v - a.v) * scale * 1000) / (b.t - a.t) });
  }
  return out;
}

const gauge = (samples: readonly { t: number; v: number }[], offsetMs: number, scale = 1): { t: number; v: number }[] => samples.map((p) => ({ t: (p.t - offsetMs) * 1000, v: p.v * scale }));

/** The dump's series on the trace's axis: rates from counters, gauges as they are (seconds → ms). */
export function dumpSeries(dump: StatsDump, offsetMs: number): ImportedSeries[] {
  const out: ImportedSeries[] = [];
  const push = (id: string, label: string, metric: ImportedMetric, points: { t: number; v: number }[]): void => {
    if (points.length) out.push({ id: `getStats ${metric} ${id}`, label: `${label} (getStats)`, metric, points, imported: true });
  };
  for (const s of dump.objects) {
    const ssrc = ssrcOf(s);
    const name = `${s.type} ${ssrc !== undefined ? hex8(ssrc) : s.id}`;
    if (s.type === 'outbound-rtp') {
      push(s.id, `${name} sent`, 'bitrate', rate(num(s, 'bytesSent'), offsetMs, 8));
      push(s.id, `${name} sent`, 'packets', rate(num(s, 'packetsSent'), offsetMs));
      push(s.id, name, 'fps', gauge(num(s, 'framesPerSecond'), offsetMs));
    } else if (s.type === 'inbound-rtp') {
      push(s.id, `${name} received`, 'bitrate', rate(num(s, 'bytesReceived'), offsetMs, 8));
      push(s.id, `${name} received`, 'packets', rate(num(s, 'packetsReceived'), offsetMs));
      push(s.id, name, 'jitter', gauge(num(s, 'jitter'), offsetMs, 1000));
      push(s.id, name, 'fps', gauge(num(s, 'framesPerSecond'), offsetMs));
      const lost = num(s, 'packetsLost');
      const recv = num(s, 'packetsReceived');
      const loss: { t: number; v: number }[] = [];
      for (let i = 1; i < Math.min(lost.length, recv.length); i++) {
        const l = lost[i]!.v - lost[i - 1]!.v;
        const r = recv[i]!.v - recv[i - 1]!.v;
        if (l + r > 0) loss.push({ t: (lost[i]!.t - offsetMs) * 1000, v: (Math.max(0, l) * 100) / (l + r) });
      }
      push(s.id, name, 'loss', loss);
    } else if (s.type === 'remote-inbound-rtp') push(s.id, name, 'rtt', gauge(num(s, 'roundTripTime'), offsetMs, 1000));
    else if (s.type === 'candidate-pair') {
      push(s.id, `pair ${s.id}`, 'rtt', gauge(num(s, 'currentRoundTripTime'), offsetMs, 1000));
      const sent = num(s, 'bytesSent');
      const recv = num(s, 'bytesReceived');
      const both = sent.length === recv.length ? sent.map((p, i) => ({ t: p.t, v: p.v + recv[i]!.v })) : [];
      push(s.id, `pair ${s.id}`, 'bitrate', rate(both, offsetMs, 8));
    }
  }
  return out;
}
