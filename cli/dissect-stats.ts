import { writeFileSync } from 'node:fs';
import { StatsCollector } from '../sim/stats/collector.ts';
import { formatStats, statsToCsv } from '../sim/stats/format.ts';

/** `rtclab dissect --stats`: its options, the collector it adds to the pass, and what it prints at the end. */
export interface StatsArgs {
  stats: boolean;
  /** Bucket width in ms. */
  bucketMs?: number;
  /** Where to write the buckets as CSV. */
  csv?: string;
  /** Compute jitter only where Wireshark knows the clock rate (static payload types, SDP), to compare with tshark. */
  wiresharkClock: boolean;
}

export const STATS_USAGE = `    --stats         statistics from the packets, like webrtc-internals: per RTP stream a Wireshark-style
                    analysis (lost, sequence errors, out of order, duplicates, max delta, jitter, skew, drift,
                    markers, header extensions) and per candidate pair STUN round trips; then both over time
                    (packets and bits per second, loss, jitter, fps, RTCP round trips, NACK/PLI/FIR); with --json
                    one JSON object (format: docs/dissect-json.md)
    --bucket MS     the time buckets' width for --stats (default 1000)
    --csv FILE      also write the buckets to FILE as CSV (implies --stats)
    --stats-clock wireshark
                    compute jitter only where Wireshark knows the clock rate (as tshark -z rtp,streams does)
`;

/** Takes a --stats option at argv[i]; returns how many arguments it used (0: not one), or an error. */
export function parseStatsArg(argv: readonly string[], i: number, out: StatsArgs): number | string {
  const a = argv[i];
  if (a === '--stats') {
    out.stats = true;
    return 1;
  }
  if (a === '--bucket') {
    const v = Number(argv[i + 1]);
    if (!(v > 0) || !Number.isFinite(v)) return `--bucket needs a width in ms above 0 (got ${argv[i + 1] ?? 'nothing'})`;
    out.bucketMs = v;
    out.stats = true;
    return 2;
  }
  if (a === '--csv') {
    const v = argv[i + 1];
    if (v === undefined) return '--csv needs a file';
    out.csv = v;
    out.stats = true;
    return 2;
  }
  if (a === '--stats-clock') {
    const v = argv[i + 1];
    if (v !== 'wireshark' && v !== 'best') return `--stats-clock takes wireshark or best (got ${v ?? 'nothing'})`;
    out.wiresharkClock = v === 'wireshark';
    out.stats = true;
    return 2;
  }
  return 0;
}

export function statsCollector(args: StatsArgs): StatsCollector | undefined {
  if (!args.stats) return undefined;
  return new StatsCollector({ ...(args.bucketMs ? { bucketUs: args.bucketMs * 1000 } : {}), clockRates: args.wiresharkClock ? 'wireshark' : 'best' });
}

/** Prints the statistics (text or one JSON line) and writes the CSV; returns an error message if the CSV failed. */
export function printStats(collector: StatsCollector, args: StatsArgs, json: boolean, write: (line: string) => void): string | undefined {
  const report = collector.report();
  if (json) write(JSON.stringify({ stats: report }));
  else for (const l of formatStats(report)) write(l);
  if (!args.csv) return undefined;
  try {
    writeFileSync(args.csv, statsToCsv(report));
  } catch (e) {
    return `cannot write ${args.csv}: ${(e as Error).message}`;
  }
  return undefined;
}
