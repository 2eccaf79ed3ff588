import type { JsonValue, Trace } from '../sim/core/trace.ts';

/**
 * The hook through which a diagnosis of a run (why ICE failed, why media did not flow) reaches `ScenarioRun.diagnosis()`
 * and the vitest matchers' failure messages. The diagnosis itself is built elsewhere; whoever has one installs it with
 * `setDiagnoser`. Without one, runs have no diagnosis and failure messages quote the hops alone.
 */
export type Diagnoser = (trace: Trace, summary: { readonly [key: string]: JsonValue }) => readonly string[];

let current: Diagnoser | undefined;

/** Installs (or, with undefined, removes) the diagnosis every run reports from now on. */
export function setDiagnoser(d: Diagnoser | undefined): void {
  current = d;
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
