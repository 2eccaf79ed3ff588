/**
 * `rtclab`: define, validate and run scenarios, and read what a run gave (outcome, hops, notes, per-app summaries,
 * pcapng, key log, trace JSON). Runtime-neutral: Node, Deno and browsers, byte-identical traces in each.
 * Codecs are in `rtclab/wire`, captures and dissection in `rtclab/capture`, the endpoint contract and app-kind
 * registration in `rtclab/endpoint`, vitest matchers in `rtclab/vitest`.
 */
export { defineScenario, run, validate, type RunOptions, type ScenarioInput, type ScenarioRun } from './run.ts';
export { setDiagnoser, type Diagnoser } from './diagnosis.ts';
export { formatHop, formatHops } from './hops.ts';
export { connections, mediaLoss, runOutcome, secureTransports } from '../sim/sweep/outcome.ts';
export type { CandidateType, Connection, MediaLoss, RunOutcome, SecureTransport } from '../sim/sweep/outcome.ts';
export type { Scenario, AppSpec, NodeSpec, EventSpec } from '../sim/scenario/types.ts';
export { ScenarioError, type ScenarioIssue } from '../sim/schema/check.ts';
export { applySet } from '../sim/scenario/set.ts';
export type { Hop, JsonValue, Note, Secret, Trace, TraceMeta } from '../sim/core/trace.ts';
export { traceFromJson, traceToJson } from '../sim/core/trace-json.ts';
export { MS, SECOND, formatDuration, parseDuration, type Micros } from '../sim/core/time.ts';
export { VERSION } from './version.ts';
export { findPreset, listPresets as presets, type PresetInfo } from '../sim/scenario/presets/index.ts';
