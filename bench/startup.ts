import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { row } from './measure.ts';

const ROUNDS = 15;
const BIN = fileURLToPath(new URL('../bin/rtclab.js', import.meta.url));

/** The best wall time of `ROUNDS` runs of a command, in seconds (least disturbed by other work on the machine). */
function bestRun(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  let min = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const t = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`bench startup: node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    min = Math.min(min, t);
  }
  return min;
}

/**
 * How long `rtclab presets` takes as a whole process, beside `node -e 0` measured in the same run (target ≤ 2×):
 * from the built bundle (dist/cli, `npm run build:cli`), and from the TypeScript sources through tsx.
 */
export function benchStartup(): void {
  process.stdout.write('command-line start-up (best of 15, whole process)\n');
  const base = bestRun(['-e', '0']);
  row('node -e 0 (baseline)', `${(base * 1000).toFixed(0)} ms`);
  if (existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))) {
    const built = bestRun([BIN, 'presets']);
    row('rtclab presets (built bundle)', `${(built * 1000).toFixed(0)} ms`, `${(built / base).toFixed(2)}× node -e 0 (target ≤ 2×)`);
  } else {
    row('rtclab presets (built bundle)', 'no dist/', 'run npm run build:cli first');
  }
  const tsx = bestRun([BIN, 'presets'], { ...process.env, RTCLAB_TSX: '1' });
  row('rtclab presets (sources through tsx)', `${(tsx * 1000).toFixed(0)} ms`, `${(tsx / base).toFixed(2)}× node -e 0`);
}
