// Same scenario and seed ⇒ byte-identical trace, in Node and in Deno (docs/architecture.md, "Determinism").
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { coveringPresets } from './support/covering-presets.ts';
import { traceDigest } from './deno/trace-digest.ts';

const DENO = 'node_modules/.bin/deno';

// generous: each run of a call preset takes seconds, many times that on a machine busy with other work
describe('determinism', { timeout: 600_000 }, () => {
  // twice in one process with a seed no golden digest uses, on the presets that run every app and node kind (every
  // preset's bytes are pinned by test/golden against digests another process computed; all 112 twice here took
  // the suite's longest file, six minutes on the CI machine)
  it.each(coveringPresets())('%s: byte-identical pcapng and trace twice with the same seed', (name) => {
    expect(traceDigest(name, 3)).toEqual(traceDigest(name, 3));
  });

  it('changes what is random when the seed changes', () => {
    // the lossy link draws loss and jitter from the RNG; the CGN draws its port block
    expect(traceDigest('lossy-link', 1).pcapng).not.toBe(traceDigest('lossy-link', 2).pcapng);
    expect(traceDigest('nat-cgnat', 1).pcapng).not.toBe(traceDigest('nat-cgnat', 2).pcapng);
  });

  it('gives the same bytes under Deno as under Node', () => {
    for (const [name, seed] of [['lossy-link', 1], ['nat-cgnat', 5], ['ipv6-direct', 2], ['nat-keepalive', 1], ['call-p2p-turn', 4], ['tls13-nat', 1]] as const) {
      const out = execFileSync(DENO, ['run', '--allow-read', '--allow-env', 'test/deno/trace-digest.ts', name, String(seed)], { encoding: 'utf8' });
      expect(JSON.parse(out.trim().split('\n').pop()!), `${name} seed ${seed}`).toEqual(traceDigest(name, seed));
    }
  });
});
