import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SweepJob } from '../sim/sweep/plan.ts';
import { runSweepJob, type SweepRecord } from '../sim/sweep/record.ts';

/**
 * Runs sweep jobs on every core through node:worker_threads: each worker gets the next job as soon as it hands back
 * a record, so long and short runs balance themselves. Records come back in completion order through `onRecord`;
 * whoever writes them puts them in order. `workers: 0` runs the jobs on this thread (no pool).
 */
export interface PoolOptions {
  readonly workers?: number;
  readonly onRecord: (r: SweepRecord) => void;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * A worker running the script next to this module: the built one in dist/cli, or, when the CLI runs from its
 * TypeScript sources, the source loaded through tsx (registered inside the worker: loader hooks of the main
 * thread do not reach workers in Node 20).
 */
function startWorker(scenario: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sweep-worker.js', import.meta.url), { workerData: { scenario } });
  const source = new URL('./sweep-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(boot, { eval: true, workerData: { scenario } });
}

export async function runPool(scenario: unknown, jobs: readonly SweepJob[], opts: PoolOptions): Promise<void> {
  const n = Math.min(opts.workers ?? defaultWorkers(), jobs.length);
  if (n <= 0) {
    for (const j of jobs) opts.onRecord(runSweepJob(scenario, j));
    return;
  }
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let running = n;
    let failed = false;
    const workers: Worker[] = [];
    const finish = (w: Worker): void => {
      void w.terminate();
      if (--running === 0 && !failed) resolve();
    };
    for (let i = 0; i < n; i++) {
      const w = startWorker(scenario);
      workers.push(w);
      const feed = (): void => {
        if (next < jobs.length) w.postMessage(jobs[next++]);
        else finish(w);
      };
      w.on('message', (r: SweepRecord) => {
        try {
          opts.onRecord(r);
        } catch (e) {
          failed = true;
          for (const x of workers) void x.terminate();
          reject(e);
          return;
        }
        feed();
      });
      w.on('error', (e) => {
        failed = true;
        for (const x of workers) void x.terminate();
        reject(e);
      });
      feed();
    }
  });
}
