// Node only: a live tshark capture on loopback for interop tests and the captures' make scripts. No vitest here,
// so scripts run by tsx can use it too.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts `tshark -i lo -f FILTER -w FILE` and resolves once tshark says it is capturing (plus a short margin: the
 * capture filter is attached by then, the first packet may still be on its way). Rejects if tshark exits first or
 * does not start within `waitMs`.
 */
export async function startLiveCapture(file: string, filter: string, waitMs = 15_000): Promise<ChildProcess> {
  // -B 64: a 64 MiB kernel buffer, so a loaded machine does not make the capture drop packets of a call
  const p = spawn('tshark', ['-i', 'lo', '-B', '64', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const end = performance.now() + waitMs;
  while (!/Capturing on/.test(err)) {
    if (p.exitCode !== null) throw new Error(`tshark exited (${p.exitCode}) before capturing: ${err}`);
    if (performance.now() > end) {
      p.kill('SIGKILL');
      throw new Error(`tshark did not start capturing within ${waitMs} ms: ${err}`);
    }
    await sleep(20);
  }
  await sleep(200);
  return p;
}

/** Stops a live capture so it writes its file out (with its drop counts): SIGINT, then SIGKILL after 15 s. */
export async function stopLiveCapture(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const done = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGINT');
  await Promise.race([done, sleep(15_000)]);
  if (p.exitCode === null) {
    p.kill('SIGKILL');
    await done;
  }
}
