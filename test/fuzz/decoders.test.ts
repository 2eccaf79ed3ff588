// Every decoder of sim/wire against mutated captured packets and random bytes: it never throws (problems instead)
// and its output stays bounded by its input. A bounded pass for CI; `npm run fuzz -- --long` runs a million inputs
// per decoder (test/fuzz/run.ts).
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { fuzzInput } from './mutate.ts';
import { seedsByKind } from './seeds.ts';
import { DECODERS, outputBound } from './targets.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const seeds = seedsByKind();

describe('decoders never throw and stay bounded on mutated captures', () => {
  for (const d of DECODERS) {
    test.prop([fuzzInput(seeds.get(d.seeds) ?? [])], { numRuns: RUNS, seed: 23 })(d.name, (bytes) => {
      const n = d.run(bytes);
      expect(n).toBeLessThanOrEqual(outputBound(bytes.length));
    });
  }

  test('every seed kind a decoder needs was found in captures/', () => {
    for (const d of DECODERS) expect(seeds.get(d.seeds)?.length ?? 0, d.name).toBeGreaterThan(0);
  });
});
