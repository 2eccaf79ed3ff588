import { DissectionPass } from '../pass/pass.ts';
import { CaptureFeed } from '../pass/capture-feed.ts';
import { CaptureReader } from '../wire/pcap/capture-reader.ts';
import { StatsCollector, type StatsOptions } from './collector.ts';
import type { StatsReport } from './report.ts';

/**
 * The statistics of a whole capture file held in memory (a test, the library): read, dissected once with the key
 * logs given (and any Decryption Secrets Block), each packet handed to a `StatsCollector`. The CLI streams instead.
 */
export function captureStats(bytes: Uint8Array, options: StatsOptions & { readonly keyLogs?: readonly string[] } = {}): StatsReport {
  return captureCollector(bytes, options).report();
}

/** The collector after the capture's pass (its report, and its packet times with `keepTimes`). */
export function captureCollector(bytes: Uint8Array, options: StatsOptions & { readonly keyLogs?: readonly string[] } = {}): StatsCollector {
  const { keyLogs, ...stats } = options;
  const pass = new DissectionPass({ spans: false, ...(keyLogs ? { keyLogs } : {}) });
  const collector = new StatsCollector(stats);
  pass.observe(collector);
  const feed = new CaptureFeed(pass, { packet: () => undefined });
  const reader = new CaptureReader();
  reader.pushEach(bytes, (e) => {
    if (e.kind !== 'problem') feed.event(e);
  });
  reader.endEach((e) => {
    if (e.kind !== 'problem') feed.event(e);
  });
  pass.finish();
  return collector;
}
