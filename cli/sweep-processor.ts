// BullMQ's sandboxed processor for `rtclab worker` (cli/sweep-queue.ts): each job runs in a child process, so a run
// that keeps a core busy for longer than the job's lock never stops the worker's own event loop from renewing that
// lock (a processor in the worker's thread would lose it, and BullMQ would call the job stalled or refuse its result).
import type { SandboxedJob } from 'bullmq';
import { runSweepJob, type SweepRecord } from '../sim/sweep/record.ts';
import type { QueueJobData } from './sweep-queue-job.ts';
import { useNodeCrypto } from './node-crypto.ts';
import { exitWithParent } from './exit-with-parent.ts';

// the child process has its own modules, so the worker's choice does not reach it: node:crypto here too (same bytes,
// 2.3–2.6× faster per SRTP operation than the @noble default)
useNodeCrypto();

// BullMQ's child knows only SIGTERM/SIGINT from its worker: a worker killed outright (SIGKILL, a killed test run)
// would leave it running on its own
exitWithParent();

export default async function processSweepJob(job: SandboxedJob<QueueJobData, SweepRecord>): Promise<SweepRecord> {
  return runSweepJob(job.data.scenario, job.data.job);
}
