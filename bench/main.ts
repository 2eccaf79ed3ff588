/**
 * Benchmarks print figures as ratios against a baseline measured in the same run, on the same machine, so that
 * a number means something on any machine. They are never timed tests.
 *
 * Each benchmark's module is loaded only when it runs: what one loads must not slow another down (the visualizer
 * benchmark's browser harness, loaded into the same process, made the dissector ~40% slower).
 */
export async function main(argv: string[]): Promise<number> {
  (await import('../cli/node-crypto.ts')).useNodeCrypto(); // as the CLI runs; a benchmark comparing backends sets its own
  const only = argv[0];
  const all: [string, () => Promise<void>][] = [
    ['scheduler', async () => (await import('./scheduler.ts')).benchScheduler()],
    ['nat', async () => (await import('./nat.ts')).benchNat()],
    ['tcp', async () => (await import('./tcp.ts')).benchTcp()],
    ['dissect', async () => (await import('./dissect.ts')).benchDissect()],
    ['viz', async () => (await import('./viz.ts')).benchViz()],
    ['startup', async () => (await import('./startup.ts')).benchStartup()],
    ['call', async () => (await import('./call.ts')).benchCall()],
    ['keyed', async () => (await import('./keyed-click.ts')).benchKeyedClick()],
    ['hops', async () => (await import('./hop-memory.ts')).benchHopMemory()],
    ['sfu', async () => (await import('./sfu.ts')).benchSfu(argv.slice(1))],
  ];
  for (const [name, fn] of all) {
    if (only && only !== name) continue;
    await fn();
  }
  return 0;
}
