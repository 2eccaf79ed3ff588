// The STUN/TURN app kinds in scenario files: good ones parse, bad fields are named with their path.
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../schema/check.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { applySet } from '../scenario/set.ts';

function issues(preset: string, sets: string[]): string[] {
  let raw: unknown = findPreset(preset)!.build();
  for (const s of sets) raw = applySet(raw, s);
  try {
    parseScenario(raw);
    return [];
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('STUN/TURN apps in scenarios', () => {
  it('every stun-binding, nat-discovery and TURN preset parses', () => {
    for (const name of ['stun-binding-symmetric', 'nat-discovery-cgnat', 'turn-relay', 'turn-permission-expiry']) expect(issues(name, []), name).toEqual([]);
  });

  it('names a malformed relay range, an unknown script action and a bad peer address', () => {
    const found = issues('turn-relay', ['apps[0].relay=198.51.100.20:49167-49152', 'apps[2].script[1].do=teleport', 'apps[2].script[2].peer=bob']);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^apps\[0\]\.relay: expected "address:min-max"/),
        expect.stringMatching(/^apps\[2\]\.script\[1\]\.do: expected one of "allocate"/),
        expect.stringMatching(/^apps\[2\]\.script\[2\]\.peer: expected "address:port"/),
      ]),
    );
  });

  it('refuses an RFC 5780 alternate address that shares the primary port', () => {
    expect(issues('nat-discovery-full-cone', ['apps[0].alternate=198.51.100.11:3478'])).toEqual([expect.stringMatching(/^apps\[0\]\.alternate: RFC 5780/)]);
  });
});
