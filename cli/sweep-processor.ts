// BullMQ's sandboxed processor for `rtclab worker` (cli/sweep-queue.ts): each job runs in a child process, so a run
// that keeps a core busy for longer than the job's lock never stops the worker's own event loop from renewing that
// lock (a processor in the worker's thread would lose it, and BullMQ would call the job stalled or refuse its result).
import type { SandboxedJob } from 'bullmq';
import { runSweepJob, type SweepRecord } from '../sim/sweep/record.ts';
import type { QueueJobData } from './sweep-queue-job.ts';

export default async function processSweepJob(job: SandboxedJob<QueueJobData, SweepRecord>): Promise<SweepRecord> {
  return runSweepJob(job.data.scenario, job.data.job);
}
