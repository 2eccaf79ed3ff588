// Node only: a live tshark capture on loopback for interop tests and the captures' make scripts. No vitest here,
// so scripts run by tsx can use it too.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCapture } from '../../sim/wire/pcap/capture-reader.ts';

/**
 * Starts `tshark -i lo -f FILTER -w FILE` and resolves once the capture is running (see `untilCapturing`). Rejects
 * if tshark exits first or does not start within `waitMs`.
 */
export async function startLiveCapture(file: string, filter: string, waitMs = 15_000): Promise<ChildProcess> {
  rmSync(file, { force: true });
  // -B 64: a 64 MiB kernel buffer, so a loaded machine does not make the capture drop packets of a call
  const p = spawn('tshark', ['-i', 'lo', '-B', '64', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  await untilCapturing(p, file, waitMs);
  return p;
}

/**
 * Resolves once tshark's capture child (dumpcap) has written the file's header: dumpcap opens the interface and
 * attaches the capture filter before it opens the output file, so from then on every packet is caught. tshark's
 * "Capturing on" line is not that moment: tshark prints it before it even starts dumpcap (on the loaded CI machine
 * the header came 220 ms after it, and the first packets of a call could be missed). `file` must not exist before
 * `p` started. Kills `p` and rejects if it exits first or the header is not there within `waitMs`.
 */
export async function untilCapturing(p: ChildProcess, file: string, waitMs: number): Promise<void> {
  let err = '';
  p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const end = performance.now() + waitMs;
  for (;;) {
    if (p.exitCode !== null || p.signalCode !== null) throw new Error(`tshark exited (${p.exitCode ?? p.signalCode}) before capturing: ${err}`);
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0) return;
    if (performance.now() > end) {
      p.kill('SIGKILL');
      throw new Error(`tshark did not start capturing within ${waitMs} ms: ${err}`);
    }
    await sleep(20);
  }
}

/**
 * Resolves true once the capture file holds a frame ending in each of `payloads` (the UDP payloads a side sent and
 * received last), false after `waitMs`. dumpcap reads the kernel's capture buffer in blocks, some time after the
 * packets (longer on a busy machine), and what it has not read when it is stopped is lost without being counted
 * as dropped: before a capture is stopped, its last packets are waited for, not slept for. In order: a file that
 * holds the last packet holds the ones before it.
 */
export async function untilCaptured(file: string, payloads: readonly Uint8Array[], waitMs: number): Promise<boolean> {
  const end = performance.now() + waitMs;
  const endsWith = (data: Uint8Array, p: Uint8Array): boolean => data.length >= p.length && p.every((b, i) => data[data.length - p.length + i] === b);
  for (;;) {
    const packets = readCapture(new Uint8Array(readFileSync(file))).packets;
    if (payloads.every((p) => packets.some((x) => endsWith(x.data, p)))) return true;
    if (performance.now() > end) return false;
    await sleep(100);
  }
}

/** Stops a live capture so it writes its file out (with its drop counts): SIGINT, then SIGKILL after 15 s. */
export async function stopLiveCapture(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGINT');
  await Promise.race([done, sleep(15_000)]);
  if (p.exitCode === null && p.signalCode === null) {
    p.kill('SIGKILL');
    await done;
  }
}
