// Node only: what every script run inside a network namespace does around its real peers: our TCP behind a TUN
// device (bridge/tun-tcp.ts) with connections as byte streams (bridge/tun-stream.ts), and, when a file is given,
// tshark capturing the device into it, started before the first packet and stopped after the last.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { untilCaptured, untilCapturing } from '../test/support/live-capture.ts';
import { TunStreams } from './tun-stream.ts';
import { TunTcpBridge } from './tun-tcp.ts';

export interface TunSession {
  readonly bridge: TunTcpBridge;
  readonly streams: TunStreams;
  /** Stops the capture (tshark flushes its file on SIGINT) and closes the device. */
  close(): Promise<void>;
}

/** Opens the TUN device `device` with the kernel at `kernel` (a /24) and our stack at `ours`; captures it into `captureFile`. */
export async function openTunSession(o: { readonly kernel: string; readonly ours: string; readonly device: string; readonly seed: number; readonly captureFile?: string | undefined }): Promise<TunSession> {
  const streams = new TunStreams();
  const bridge = new TunTcpBridge({ kernel: `${o.kernel}/24`, ours: o.ours, device: o.device, seed: o.seed, onEvent: streams.event });
  streams.bridge = bridge;
  await bridge.open();
  let tshark: ChildProcess | undefined;
  try {
    tshark = o.captureFile ? await captureDevice(o.device, o.captureFile) : undefined;
  } catch (e) {
    bridge.close();
    throw e;
  }
  return {
    bridge,
    streams,
    async close() {
      if (tshark && o.captureFile) await untilCapturedLast(o.captureFile, bridge);
      await stopCapture(tshark);
      bridge.close();
    },
  };
}

/**
 * tshark capturing `device` into `file`, once dumpcap has the device open with its header written
 * (test/support/live-capture.ts untilCapturing). It may take a minute on a machine whose cores are busy (15 s was
 * seen to be too short).
 */
export async function captureDevice(device: string, file: string): Promise<ChildProcess> {
  rmSync(file, { force: true });
  // -B 64: a 64 MiB kernel buffer, so a loaded machine does not make the capture drop packets (as live-capture.ts)
  const p = spawn('tshark', ['-i', device, '-B', '64', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  await untilCapturing(p, file, 60_000);
  return p;
}

/**
 * Resolves once the capture holds the last packet each way through the TUN (or after a minute): dumpcap reads the
 * kernel's buffer in blocks, and what it has not read when stopped is lost uncounted, more often on a busy machine
 * (test/support/live-capture.ts untilCaptured). Waited for, not slept for.
 */
export async function untilCapturedLast(file: string, bridge: TunTcpBridge): Promise<void> {
  await untilCaptured(file, [bridge.last.in, bridge.last.out].filter((b): b is Uint8Array => b !== undefined), 60_000);
}

/** SIGINT, so tshark writes out what it has; killed when it has not exited 15 s later (a busy machine). */
export async function stopCapture(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGINT');
  await Promise.race([exited, sleep(15_000)]);
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/** Runs a script's main: exit 0 when it resolves, 1 with the stack on stderr when it throws. */
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
