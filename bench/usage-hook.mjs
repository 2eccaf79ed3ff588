// Loaded with `node --import` into a benchmarked child process: on exit it writes its own CPU time and peak
// resident set size (process.resourceUsage) to standard error, as one last line that bench/process-run.ts reads.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `\nbench-usage ${JSON.stringify({ user: u.userCPUTime, system: u.systemCPUTime, maxRSS: u.maxRSS })}\n`);
});
