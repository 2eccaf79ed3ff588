// Our display filters beside Wireshark's on one file: the frames each filter selects, ours (compileFilter over our
// dissection) and sharkd's (tshark 4.0's engine), compared frame number by frame number.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { compileFilter } from '../../sim/dissect/filter/filter.ts';
import { FrameTracker } from '../../sim/dissect/filter/frames.ts';
import { dissectFile } from './dissect-captures.ts';
import { sharkdFilters } from './tshark.ts';

/**
 * The frame numbers (1-based) each filter selects in `file` (its key log file beside it, if any), by us and by
 * sharkd; sharkd rejecting a filter fails the test.
 */
export function selections(file: string, keyLogFile: string | undefined, filters: readonly string[]): Map<string, { ours: number[]; theirs: number[] }> {
  const d = dissectFile(file, keyLogFile ? readFileSync(keyLogFile, 'utf8') : undefined);
  const frames = new FrameTracker();
  const infos = d.packets.map(({ raw, d: p }) => frames.next(p, raw.index + 1, raw.time?.us ?? 0, raw.data, raw.time?.us));
  const sharkd = sharkdFilters(file, keyLogFile, filters);
  const out = new Map<string, { ours: number[]; theirs: number[] }>();
  for (const filter of filters) {
    const f = compileFilter(filter);
    const t = sharkd.get(filter);
    expect(t, `tshark rejects ${filter}`).not.toBe('invalid');
    out.set(filter, { ours: d.packets.flatMap(({ d: p }, i) => (f.test(p, infos[i]!) ? [i + 1] : [])), theirs: t as number[] });
  }
  return out;
}

/** One line saying how two selections differ, or undefined when they are the same frames. */
export function disagreement(filter: string, ours: readonly number[], theirs: readonly number[]): string | undefined {
  if (JSON.stringify(ours) === JSON.stringify(theirs)) return undefined;
  const extra = ours.filter((n) => !theirs.includes(n));
  const missing = theirs.filter((n) => !ours.includes(n));
  return `${filter}: we select ${ours.length}, tshark ${theirs.length}; only ours ${extra.slice(0, 12).join(',')} only tshark's ${missing.slice(0, 12).join(',')}`;
}

/**
 * Every filter's disagreement on `file` (none when our selections equal sharkd's), adding how many frames sharkd
 * selected to `selected`, so a table can check that each filter selects something somewhere.
 */
export function disagreements(file: string, keyLogFile: string | undefined, filters: readonly string[], selected: Map<string, number>): string[] {
  const report: string[] = [];
  for (const [filter, { ours, theirs }] of selections(file, keyLogFile, filters)) {
    selected.set(filter, (selected.get(filter) ?? 0) + theirs.length);
    const differs = disagreement(filter, ours, theirs);
    if (differs) report.push(differs);
  }
  return report;
}
