// One thread of the sweep's pool (cli/sweep-pool.ts): it is handed the scenario once, then one job at a time, and
// answers each with its record. The run itself is sim/sweep's, the same in every runtime.
import { parentPort, workerData } from 'node:worker_threads';
import { runSweepJob } from '../sim/sweep/record.ts';
import type { SweepJob } from '../sim/sweep/plan.ts';
import { useNodeCrypto } from './node-crypto.ts';

// a worker thread has its own modules, so the main thread's choice does not reach it: node:crypto here too (same bytes)
useNodeCrypto();

const port = parentPort;
if (!port) throw new Error('sweep-worker.ts runs as a worker thread of cli/sweep-pool.ts');
const scenario: unknown = (workerData as { scenario: unknown }).scenario;
port.on('message', (job: SweepJob) => port.postMessage(runSweepJob(scenario, job)));
