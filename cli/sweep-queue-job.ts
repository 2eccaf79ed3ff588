import type { SweepJob } from '../sim/sweep/plan.ts';

/** What `rtclab sweep --queue` puts on the queue for one run: the scenario and the job (its seed and parameters). */
export interface QueueJobData {
  readonly scenario: unknown;
  readonly job: SweepJob;
}
