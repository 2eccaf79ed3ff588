// `rtclab sweep --queue` and `rtclab worker` against Debian's redis-server on loopback: several worker processes,
// one killed on purpose in the middle; the aggregate is the one the sweep gives on one machine, and a rerun adds
// no job and no result.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAME } from './sweep-queue.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-queue-'));
const SWEEP = ['sweep', 'ice-symmetric-turn', '--seeds', '1..3', '--grid', 'peers.alice.nat=[full-cone,symmetric]', '--quiet', '--json'];
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function start(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  return c;
}

function finished(c: ChildProcess): Promise<{ code: number | null; stdout: string }> {
  let stdout = '';
  c.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => c.on('exit', (code) => resolve({ code, stdout })));
}

let url = '';
let port = 0;

beforeAll(async () => {
  port = await freePort();
  const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  await new Promise<void>((resolve, reject) => {
    redis.stdout!.on('data', (d: Buffer) => d.toString().includes('Ready to accept connections') && resolve());
    redis.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  url = `redis://127.0.0.1:${port}`;
}, 60_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// generous: six ICE runs on three workers and once more locally, on a machine busy with other work
describe('rtclab sweep --queue', { timeout: 900_000 }, () => {
  it('gives the local aggregate through several workers, one killed mid-sweep, and never duplicates on a rerun', async () => {
    const local = spawnSync(process.execPath, ['bin/rtclab.js', ...SWEEP, '--workers', '0'], { encoding: 'utf8' });
    expect(local.status).toBe(0);

    const workers = [0, 1, 2].map(() => start(process.execPath, ['bin/rtclab.js', 'worker', '--queue', url, '--lock', '5s']));
    const out = join(dir, 'queue.jsonl');
    const queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port } });
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    try {
      // the sweep queues its six jobs once all three workers are connected (each names its Redis connection after
      // the queue), so each takes one at once: a worker started late on a busy machine found the first ones done
      // and three were never active together
      let connected = 0;
      for (let i = 0; i < 1200 && (connected = await queue.getWorkersCount()) < 3; i++) await sleep(100);
      expect(connected).toBe(3);
      const sweep = start(process.execPath, ['bin/rtclab.js', ...SWEEP, '--queue', url, '--out', out]);
      const done = finished(sweep);
      // kill a worker once the jobs are being worked on, before the sweep is done: every worker holds a job, so the
      // one killed dies holding one
      const active = async (): Promise<number> => (await queue.getJobCounts('active')).active ?? 0;
      let busy = 0;
      for (let i = 0; i < 1200 && (busy = await active()) < 3; i++) await sleep(100);
      expect(busy).toBe(3);
      workers[0]!.kill('SIGKILL');
      expect(sweep.exitCode).toBeNull();
      const r = await done;
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(local.stdout);
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5]);
      // the killed worker's job was taken back from the stalled set and run again by another
      const jobs = await queue.getJobs(['completed']);
      expect(jobs.some((j) => j.stalledCounter > 0 || (j.attemptsStarted ?? 0) > 1)).toBe(true);

      // the same sweep again, with no worker left: every result is on the queue already, under its key
      for (const w of workers.slice(1)) w.kill('SIGTERM');
      const again = spawnSync(process.execPath, ['bin/rtclab.js', ...SWEEP, '--queue', url], { encoding: 'utf8', timeout: 120_000 });
      expect(again.stdout).toBe(local.stdout);
      const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'failed', 'delayed');
      expect(counts).toEqual({ completed: 6, waiting: 0, active: 0, failed: 0, delayed: 0 });
    } finally {
      await queue.close();
    }
  });

  it('finishes a run that holds its core for longer than its lock lasts, once', async () => {
    // a one-minute call keeps a core busy for seconds; the worker's lock lasts 1 s. A processor in the worker's own
    // thread blocks the timer that renews the lock: BullMQ refuses the result of every attempt ("missing lock") and
    // the sweep ends in an error or never. The sandboxed processor runs in a child process while the worker's idle
    // thread renews the lock (on a loaded machine a renewal may still come late: then the job is called stalled
    // once, and its result is kept all the same)
    const long = ['sweep', 'call-p2p', '--seeds', '1', '--grid', 'duration=[60s]', '--quiet', '--json'];
    const worker = start(process.execPath, ['bin/rtclab.js', 'worker', '--queue', url, '--lock', '1s']);
    const sweep = start(process.execPath, ['bin/rtclab.js', ...long, '--queue', url]);
    const r = await finished(sweep);
    worker.kill('SIGTERM');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rows[0]).toMatchObject({ runs: 1, connected: 1, errors: 0 });
    const queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port } });
    try {
      const jobs = (await queue.getJobs(['completed', 'failed'])).filter((j) => (j.data as { job: { params: Record<string, unknown> } }).job.params['duration'] === '60s');
      expect(jobs.map((j) => ({ failed: j.failedReason ?? null, completed: j.finishedOn !== undefined }))).toEqual([{ failed: null, completed: true }]);
    } finally {
      await queue.close();
    }
  });

  it('documents the worker and refuses a URL that is not redis://', () => {
    const help = spawnSync(process.execPath, ['bin/rtclab.js', 'worker', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/rtclab worker --queue redis:\/\/HOST:PORT/);
    const bad = spawnSync(process.execPath, ['bin/rtclab.js', 'worker', '--queue', 'http://x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expects a redis:\/\/ URL/);
  });
});
