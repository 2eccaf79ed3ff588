// Node only: a forked child that must not outlive the process that forked it (BullMQ's sandboxed sweep processor).
import { isMainThread } from 'node:worker_threads';

/**
 * Exits this process when its parent goes away: at once when the IPC channel closes (the parent died, even by
 * SIGKILL, or let it go), and, should no channel say so, when a poll finds it was re-parented (process.ppid
 * changed). Without it a killed `rtclab worker` (or a killed vitest run) left its sandboxed processor running, one
 * of them spinning a core for 40 minutes. Does nothing in a worker thread or a process forked without IPC.
 */
export function exitWithParent(pollMs = 2000): void {
  if (!isMainThread || typeof process.send !== 'function') return;
  const parent = process.ppid;
  process.once('disconnect', () => process.exit(1));
  setInterval(() => process.ppid !== parent && process.exit(1), pollMs).unref();
}
