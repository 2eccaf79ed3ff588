// `npm run fuzz` runs every decoder target outside vitest and prints inputs/s: 20,000 inputs each by default,
// a million with `--long` (or `--runs N`), from a random seed unless `--seed N` is given (printed, to replay).
//   npm run fuzz -- --long
//   npm run fuzz -- --runs 100000 --only stun --seed 42
import fc from 'fast-check';
import { fuzzInput } from './mutate.ts';
import { seedsByKind } from './seeds.ts';
import { DECODERS, outputBound } from './targets.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const long = process.argv.includes('--long');
const runs = Number(arg('--runs') ?? (long ? 1_000_000 : 20_000));
const seed = Number(arg('--seed') ?? Math.floor(Math.random() * 2 ** 31));
const only = arg('--only');
const seeds = seedsByKind();
console.log(`fuzz: ${runs.toLocaleString('en')} inputs per decoder, seed ${seed}`);
let failed = 0;
let total = 0;
const started = performance.now();
for (const d of DECODERS) {
  if (only && !d.name.includes(only)) continue;
  const t0 = performance.now();
  let bytes = 0;
  const r = fc.check(
    fc.property(fuzzInput(seeds.get(d.seeds) ?? []), (input) => {
      bytes += input.length;
      return d.run(input) <= outputBound(input.length);
    }),
    { numRuns: runs, seed },
  );
  const s = (performance.now() - t0) / 1000;
  total += r.numRuns;
  const rate = Math.round(r.numRuns / s);
  const line = `${d.name.padEnd(36)} ${r.numRuns.toLocaleString('en').padStart(10)} inputs ${s.toFixed(1).padStart(7)} s ${rate.toLocaleString('en').padStart(9)} inputs/s  avg ${(bytes / Math.max(1, r.numRuns)).toFixed(0)} B`;
  if (r.failed) {
    failed++;
    console.log(`${line}  FAILED\n${fc.defaultReportMessage(r) ?? ''}`);
  } else console.log(line);
}
console.log(`${total.toLocaleString('en')} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s, ${failed} decoder(s) failed`);
process.exitCode = failed ? 1 : 0;
