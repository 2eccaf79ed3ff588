import { findPreset } from '../../sim/scenario/presets/index.ts';
import { assignmentsFor } from './compare.ts';
import { checkAssignments, type RunRef } from './url.ts';

type Json = Record<string, unknown>;

/**
 * A run as the address bar names it: its preset, seed and the `--set` assignments from the preset to its scenario;
 * or why it cannot be named so (a capture, a scenario not based on a preset, more changes than a link holds).
 */
export function runRef(scenario: Json | undefined, name: string | undefined, seed: number | undefined): { ref?: RunRef; why?: string } {
  if (!scenario) return { why: 'one side is a capture, and a file cannot travel in a URL' };
  const preset = name ? findPreset(name) : undefined;
  if (!preset || !name) return { why: 'the scenario is not based on a built-in preset' };
  const set = assignmentsFor(preset.build(), scenario);
  if (!set) return { why: 'a top-level field of the preset was removed' };
  const tooBig = checkAssignments(set);
  if (tooBig) return { why: `the changes to the preset do not fit in a link: ${tooBig}` };
  return { ref: { scenario: name, ...(seed !== undefined ? { seed } : {}), ...(set.length ? { set } : {}) } };
}
