import { describe, expect, it } from 'vitest';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { applySet } from '../../sim/scenario/set.ts';
import { runRef } from './run-ref.ts';
import { checkAssignments, formatViewState, parseViewState } from './url.ts';

// How the address bar names a run: preset, seed and the assignments from the preset; and the limits it keeps to.

describe('runRef', () => {
  it('an edited preset is named by its preset and assignments that rebuild it exactly', () => {
    const base = findPreset('call-p2p')!.build() as Record<string, unknown>;
    const edited = applySet(applySet(base, 'nodes.natA.preset=symmetric'), 'duration=5s') as Record<string, unknown>;
    const r = runRef(edited, 'call-p2p', 7);
    expect(r.why).toBeUndefined();
    expect(r.ref?.scenario).toBe('call-p2p');
    expect(r.ref?.seed).toBe(7);
    let rebuilt: unknown = findPreset('call-p2p')!.build();
    for (const s of r.ref!.set!) rebuilt = applySet(rebuilt, s);
    expect(rebuilt).toEqual(edited);
    // and through the address bar
    expect(parseViewState(formatViewState({ scenario: 'call-p2p', seed: 7, set: r.ref!.set! })).set).toEqual(r.ref!.set);
  });

  it('the unedited preset needs no assignments', () => {
    expect(runRef(findPreset('nat-full-cone')!.build() as Record<string, unknown>, 'nat-full-cone', 1).ref).toEqual({ scenario: 'nat-full-cone', seed: 1 });
  });

  it('says why when a run cannot be named: a capture, no preset, changes too big for a link', () => {
    expect(runRef(undefined, undefined, undefined).why).toMatch(/capture/);
    expect(runRef({ name: 'mine', nodes: {} }, 'mine', 1).why).toBe('the scenario is not based on a built-in preset');
    const base = findPreset('nat-full-cone')!.build() as Record<string, unknown>;
    const huge = { ...base, title: 'x'.repeat(2500) };
    expect(runRef(huge, 'nat-full-cone', 1).why).toMatch(/^the changes to the preset do not fit in a link: set= #1 \(title=x+…\) is 2506 characters long; at most 2000$/);
  });
});

describe('checkAssignments', () => {
  it('accepts up to 64 path=value assignments of up to 2000 characters', () => {
    expect(checkAssignments(Array.from({ length: 64 }, (_, i) => `a.b[${i}]=1`))).toBeUndefined();
    expect(checkAssignments([`title=${'x'.repeat(1994)}`])).toBeUndefined();
  });

  it('names the broken limit and the assignment', () => {
    expect(checkAssignments(Array.from({ length: 65 }, () => 'a=1'))).toBe('65 set= assignments; a link holds at most 64');
    expect(checkAssignments(['a=1', `title=${'x'.repeat(1995)}`], 'aset')).toMatch(/^aset= #2 \(title=x+…\) is 2001 characters long; at most 2000$/);
    expect(checkAssignments(['a=1', 'no value'])).toBe('set= #2 (no value) is not path=value (a path of letters, digits, _, -, . and [n])');
  });
});
