import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A child forked with an IPC channel, as BullMQ forks the sandboxed sweep processor (cli/sweep-processor.ts calls
// exitWithParent when loaded). Its parent is SIGKILLed (what a killed vitest run or `kill -9` does): it must go too.
// (The child loads only exit-with-parent.ts: loading the whole processor costs 20 s on a busy machine.)

const module = fileURLToPath(new URL('./exit-with-parent.ts', import.meta.url));

/** Whether a process is alive: not gone and not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('exitWithParent', () => {
  it('a forked child exits when the parent that forked it is killed', { timeout: 120_000 }, async () => {
    // the "worker": forks the processor with IPC (as BullMQ does), prints its pid once it is loaded, then waits
    const child = `import(${JSON.stringify(module)}).then((m) => { m.exitWithParent(); setInterval(() => {}, 1000); process.send('ready'); })`;
    const worker = `const c = require('node:child_process').spawn(process.execPath, ['--import', 'tsx', '-e', ${JSON.stringify(child)}], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
c.on('message', () => console.log(c.pid)); setInterval(() => {}, 1000);`;
    const w = spawn(process.execPath, ['-e', worker], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pid = 0;
    try {
      pid = await new Promise<number>((resolve, reject) => {
        w.stdout!.on('data', (d: Buffer) => resolve(Number(d.toString().trim())));
        w.on('exit', (code) => reject(new Error(`the worker exited (${code}) before its processor was ready`)));
      });
      expect(alive(pid)).toBe(true);
      w.kill('SIGKILL');
      const end = performance.now() + 20_000;
      while (alive(pid) && performance.now() < end) await sleep(100);
      expect(alive(pid)).toBe(false);
    } finally {
      if (w.exitCode === null) w.kill('SIGKILL');
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
