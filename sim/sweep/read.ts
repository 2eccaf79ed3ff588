import type { JsonValue } from '../core/trace.ts';
import type { SweepRecord } from './record.ts';

/**
 * Reading a sweep's results (JSON lines, one SweepRecord each) back from text: the CLI's `sweep merge` and resumed
 * sweeps read their files through here, and so does the page when a results file is dropped on it. A line that is not
 * a result is an error naming its line and what is wrong; a torn last line (a sweep killed while writing it) is
 * ignored, as a resumed sweep runs that job again.
 */

export class SweepReadError extends Error {}

const OUTCOMES = new Set(['connected', 'failed', 'completed', 'error']);

type Obj = { readonly [key: string]: JsonValue };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What is wrong with a parsed line as a result, or undefined when it is one. */
export function recordProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not a JSON object';
  if (typeof v.key !== 'string') return 'no "key" (the result\'s hash)';
  if (typeof v.combo !== 'number' || !Number.isInteger(v.combo) || v.combo < 0) return '"combo" is not a combination number';
  if (typeof v.index !== 'number' || !Number.isInteger(v.index)) return '"index" is not a job number';
  if (typeof v.seed !== 'number') return '"seed" is not a number';
  if (!isObj(v.params)) return '"params" is not an object of grid values';
  if (typeof v.outcome !== 'string' || !OUTCOMES.has(v.outcome)) return `"outcome" is ${JSON.stringify(v.outcome)}, not connected, failed, completed or error`;
  if (!Array.isArray(v.pairs)) return '"pairs" is not a list';
  const s = v.setup;
  if (!isObj(s) || !(s.ice === null || typeof s.ice === 'number') || !(s.call === null || typeof s.call === 'number')) return '"setup" is not {"ice": µs or null, "call": µs or null}';
  if (!(v.mediaLoss === null || typeof v.mediaLoss === 'number')) return '"mediaLoss" is neither a number nor null';
  return undefined;
}

/**
 * Every result in `text`, in file order. `name` says where in errors ("sweep.jsonl:3: …"). Throws SweepReadError on
 * a line that is not a result, unless it is the last line with text (torn).
 */
export function parseSweepRecords(text: string, name: string): SweepRecord[] {
  const out: SweepRecord[] = [];
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  for (let i = 0; i <= last; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let problem: string | undefined;
    let v: unknown;
    try {
      v = JSON.parse(line);
      problem = recordProblem(v);
    } catch (e) {
      problem = `not JSON (${e instanceof Error ? e.message : String(e)})`;
    }
    if (problem === undefined) out.push(v as SweepRecord);
    else if (i < last) throw new SweepReadError(`${name}:${i + 1}: not a sweep result line: ${problem}`);
    // else: the last line, torn by a sweep that was killed while writing it
  }
  return out;
}

/**
 * True when `text` looks like a sweep's results rather than a scenario or a trace: its first line with text is a
 * JSON object that is a result. (A scenario or trace file is one JSON document, usually over many lines.)
 */
export function isSweepText(text: string): boolean {
  const start = text.replace(/^\uFEFF/, '');
  const end = start.indexOf('\n');
  const first = (end < 0 ? start : start.slice(0, end)).trim();
  if (!first.startsWith('{')) return false;
  try {
    return recordProblem(JSON.parse(first)) === undefined;
  } catch {
    return false;
  }
}
