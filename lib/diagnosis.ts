import type { JsonValue, Trace } from '../sim/core/trace.ts';
import { diagnose as diagnoseTrace } from '../sim/diagnosis/diagnose.ts';
import { formatDiagnosis } from '../sim/diagnosis/format.ts';

/**
 * The hook through which a diagnosis of a run (why ICE failed, why media did not flow) reaches `ScenarioRun.diagnosis()`
 * and the vitest matchers' failure messages. By default it is rtclab's own (sim/diagnosis: each finding's cause, what
 * happened, the evidence and the fix, as `rtclab run` prints them); `setDiagnoser` puts another in its place (a
 * test's own rules) and `setDiagnoser(undefined)` brings the built-in one back.
 */
export type Diagnoser = (trace: Trace, summary: { readonly [key: string]: JsonValue }) => readonly string[];

/** rtclab's diagnosis (sim/diagnosis), as lines. */
export const builtInDiagnoser: Diagnoser = (trace) => formatDiagnosis(diagnoseTrace(trace), '').filter((l) => l.trim() !== '');

let current: Diagnoser | undefined = builtInDiagnoser;

/** Installs a diagnoser for every run from now on; undefined restores the built-in one. */
export function setDiagnoser(d: Diagnoser | undefined): void {
  current = d ?? builtInDiagnoser;
}

/** The installed diagnoser's lines for a run; none when there is no diagnoser, or it throws (its error, as a line). */
export function diagnose(trace: Trace, summary: { readonly [key: string]: JsonValue }): string[] {
  if (!current) return [];
  try {
    return [...current(trace, summary)];
  } catch (e) {
    return [`(the diagnosis failed: ${e instanceof Error ? e.message : String(e)})`];
  }
}
