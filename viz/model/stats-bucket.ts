/** The statistics graphs' bucket widths (ms), finest first: each a multiple of the first, so one pass serves all. */
export const STATS_BUCKETS_MS = [100, 200, 500, 1000, 2000, 5000, 10_000] as const;

/** The bucket width for a trace ending at `endUs`: the finest with at most 300 buckets. */
export function bucketFor(endUs: number): number {
  for (const ms of STATS_BUCKETS_MS) if (endUs / 1000 / ms <= 300) return ms;
  return STATS_BUCKETS_MS[STATS_BUCKETS_MS.length - 1]!;
}
