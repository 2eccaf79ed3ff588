import { Queue, Worker } from 'bullmq';
import { parseDuration } from '../sim/core/time.ts';
import type { SweepJob } from '../sim/sweep/plan.ts';
import type { SweepRecord } from '../sim/sweep/record.ts';
import type { QueueJobData as JobData } from './sweep-queue-job.ts';

/**
 * Sweeps beyond one machine on a Redis-backed queue (BullMQ): `rtclab sweep … --queue redis://…` enqueues every job
 * of the plan under its result key as the job id, so a job already there (from a rerun, a resumed or a concurrent
 * sweep) is never added twice; `rtclab worker --queue redis://…` runs jobs on any number of machines. A worker that
 * dies holding a job loses its lock; another takes the job back from the stalled set and runs it again, and since
 * the result is the job's return value under the same id, nothing is counted twice. Each job runs in a sandboxed
 * processor (a child process: cli/sweep-processor.ts), so however long a run keeps its core busy, the worker's
 * event loop stays free to renew the job's lock.
 */
export const QUEUE_NAME = 'rtclab-sweep';

export const WORKER_USAGE = `rtclab worker — run sweep jobs from a Redis queue (see rtclab sweep --queue)

Usage:
  rtclab worker --queue redis://HOST:PORT[/DB] [options]
      --concurrency N   jobs at once, each in its own child process (default 1: a run is CPU-bound; give the
                        number of cores, or start one worker per core)
      --lock DURATION   how long a job stays locked to a worker that stops answering, e.g. 30s (default 30s);
                        after it another worker takes the job back
Stops on SIGINT or SIGTERM after the job it is running.

Exit codes: 0 stopped; 2 usage.
`;

export interface RedisConnection {
  readonly host: string;
  readonly port: number;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
}

/** redis://[user:password@]host[:port][/db] as ioredis connection options. */
export function redisConnection(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue expects redis://host:port, got ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'redis:') throw new Error(`--queue expects a redis:// URL, got ${JSON.stringify(url)}`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new Error(`--queue: ${JSON.stringify(u.pathname.slice(1))} is not a database number`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(db !== undefined ? { db } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

const ATTEMPTS = 3;

/**
 * Enqueues `jobs` (those already on the queue are left as they are) and hands each record to `onRecord` as its job
 * completes, until every job has a record. A job that failed every attempt (a worker error, not a failed ICE run,
 * which is a record like any other) comes back as an error record.
 */
export async function runOnQueue(url: string, scenario: unknown, jobs: readonly SweepJob[], onRecord: (r: SweepRecord) => void): Promise<void> {
  const queue = new Queue<JobData, SweepRecord>(QUEUE_NAME, { connection: redisConnection(url) });
  try {
    for (let i = 0; i < jobs.length; i += 500) {
      await queue.addBulk(
        jobs.slice(i, i + 500).map((job) => ({ name: 'run', data: { scenario, job }, opts: { jobId: job.key, attempts: ATTEMPTS, removeOnComplete: false, removeOnFail: false } })),
      );
    }
    const pending = new Map(jobs.map((j) => [j.key, j]));
    while (pending.size > 0) {
      for (const [key, sj] of pending) {
        const job = await queue.getJob(key);
        if (!job) continue;
        if (job.finishedOn !== undefined && job.returnvalue) {
          pending.delete(key);
          onRecord(job.returnvalue);
        } else if (job.finishedOn !== undefined && job.failedReason && job.attemptsMade >= ATTEMPTS) {
          pending.delete(key);
          onRecord({ key, index: sj.index, combo: sj.combo, params: sj.params, seed: sj.seed, outcome: 'error', pairs: [], setup: { ice: null, call: null }, mediaLoss: null, drops: 0, error: `queue: ${job.failedReason}` });
        }
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await queue.close();
  }
}

/**
 * The sandboxed processor's file: the built one beside this module in dist/cli, or, when the CLI runs from its
 * TypeScript sources, a bootstrap that registers tsx in BullMQ's child process first.
 */
function processorFile(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./sweep-processor.js', import.meta.url);
  return new URL('./sweep-processor-tsx.mjs', import.meta.url);
}

/** `rtclab worker`: returns the exit code when it is stopped. */
export async function workerCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(WORKER_USAGE);
    return 0;
  }
  let url: string | undefined;
  let concurrency = 1;
  let lock = 30_000;
  const usage = (m: string): number => {
    process.stderr.write(`rtclab worker: ${m}\n`);
    return 2;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) return usage(`${a} needs a value`);
    if (a === '--queue') url = v;
    else if (a === '--concurrency' && /^[1-9]\d*$/.test(v)) concurrency = Number(v);
    else if (a === '--lock') {
      const d = parseDuration(v);
      if (typeof d === 'object' || d < 1000) return usage(`--lock expects a duration of at least 1s, got ${JSON.stringify(v)}`);
      lock = Math.round(d / 1000);
    } else return usage(`unknown option ${a} ${v}`);
  }
  if (!url) return usage('--queue redis://host:port is required');
  let connection: RedisConnection;
  try {
    connection = redisConnection(url);
  } catch (e) {
    return usage((e as Error).message);
  }
  const worker = new Worker<JobData, SweepRecord>(QUEUE_NAME, processorFile(), {
    connection,
    concurrency,
    lockDuration: lock,
    // a dead worker's job is taken back as soon as its lock has run out
    stalledInterval: Math.max(500, Math.round(lock / 2)),
    maxStalledCount: ATTEMPTS,
  });
  worker.on('error', (e) => process.stderr.write(`rtclab worker: ${e.message}\n`));
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await worker.close();
  return 0;
}
