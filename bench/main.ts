import { benchScheduler } from './scheduler.ts';
import { benchNat } from './nat.ts';
import { benchDissect } from './dissect.ts';
import { benchViz } from './viz.ts';

/**
 * Benchmarks print figures as ratios against a baseline measured in the same run, on the same machine, so that
 * a number means something on any machine. They are never timed tests.
 */
export async function main(argv: string[]): Promise<number> {
  const only = argv[0];
  const all: [string, () => void | Promise<void>][] = [
    ['scheduler', benchScheduler],
    ['nat', benchNat],
    ['dissect', benchDissect],
    ['viz', benchViz],
  ];
  for (const [name, fn] of all) {
    if (only && only !== name) continue;
    await fn();
  }
  return 0;
}
