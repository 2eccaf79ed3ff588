// Node only: helpers for interop tests against coturn on 127.0.0.1 (free ports, a temp config, clean shutdown).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransportAddress } from '../sim/core/endpoint.ts';
import type { TurnClient } from '../sim/turn/client.ts';

/** A UDP port that was free a moment ago on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface Coturn {
  readonly port: number;
  readonly process: ChildProcess;
  readonly log: string[];
  stop(): Promise<void>;
}

/**
 * Starts `turnserver` with a temp config: long-term credentials, a realm, loopback peers allowed, UDP only — or,
 * with `tcp`, also TURN over TCP on the same port (RFC 8656 §3.1; relays still UDP).
 */
export async function startCoturn(user: string, password: string, realm: string, options: { tcp?: boolean; ip?: string } = {}): Promise<Coturn> {
  const ip = options.ip ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-coturn-'));
  const port = await freeUdpPort();
  const minPort = 40000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(
    conf,
    [
      `listening-ip=${ip}`,
      `relay-ip=${ip}`,
      `listening-port=${port}`,
      'lt-cred-mech',
      `user=${user}:${password}`,
      `realm=${realm}`,
      'fingerprint',
      'allow-loopback-peers',
      'no-cli',
      'no-tls',
      'no-dtls',
      ...(options.tcp ? [] : ['no-tcp']),
      'no-tcp-relay',
      `min-port=${minPort}`,
      `max-port=${minPort + 40}`,
      `userdb=${join(dir, 'turndb')}`,
      'log-file=stdout',
      'simple-log',
      '',
    ].join('\n'),
  );
  const child = spawn('turnserver', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  // coturn takes seconds to start on a busy machine (5 s was tight): a generous bound, and no coturn left behind
  try {
    await waitForStun(port, 30_000, ip, child);
  } catch (e) {
    await stopProcess(child);
    throw new Error(`${(e as Error).message}\ncoturn:\n${log.join('').slice(-3000)}`);
  }
  return {
    port,
    process: child,
    log,
    stop: () => stopProcess(child),
  };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  await done;
  clearTimeout(t);
}

/** Sends Binding requests to ip:port every 100 ms until one is answered (the server is up), or throws (also when `child` exits first). */
export async function waitForStun(port: number, ms: number, ip = '127.0.0.1', child?: ChildProcess): Promise<void> {
  const req = new Uint8Array(20);
  req.set([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]);
  req.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 8);
  await untilAnswered(req, port, ms, ip, 'STUN', child);
}

/**
 * Sends a datagram to turnutils_peer (a UDP echo server) every 100 ms until one comes back: it is spawned beside
 * the test and may take seconds to bind on a busy machine, while turnutils_uclient's first message to it goes 1 s
 * after its allocation (uclient.c: to_send_timems); a message sent before it binds is lost and uclient counts it so.
 */
export async function waitForEcho(port: number, ms: number, child: ChildProcess): Promise<void> {
  await untilAnswered(new TextEncoder().encode('rtclab: are you up?'), port, ms, '127.0.0.1', 'the echo', child);
}

async function untilAnswered(probe: Uint8Array, port: number, ms: number, ip: string, what: string, child: ChildProcess | undefined): Promise<void> {
  const s = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
  try {
    let up = false;
    s.once('message', () => (up = true));
    const deadline = Date.now() + ms;
    while (!up) {
      if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${child.spawnfile} exited (${child.exitCode ?? child.signalCode}) before ${what} on ${ip}:${port} answered`);
      if (Date.now() > deadline) throw new Error(`nothing answered ${what} on ${ip}:${port} within ${ms} ms`);
      s.send(probe, port, ip);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    s.close();
  }
}

/** Runs a tool (turnutils_*) to its end or `ms`: its exit code (-1 when killed or not started) and its output. */
export function runTool(cmd: string, args: string[], ms: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: ms, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * The second half of our TURN client's runs against coturn, each step started by what the one before it showed,
 * not by a clock: once the echo of the Send indication is back (as a Data indication: with no channel yet, coturn can
 * only relay it so, RFC 8656 §11.6), bind `channel` to the peer; once bound, send `text` (as ChannelData, §12.4);
 * once its echo is back, delete the allocation (Refresh LIFETIME 0, §7.2). A script on fixed times let a busy machine
 * reorder them: an echo late past the ChannelBind comes back as ChannelData, one late past the deallocation never.
 */
export async function channelThenDeallocate(
  client: TurnClient,
  bridge: { now(): number; pump(): void; until(p: () => boolean, ms: number, what: string): Promise<void> },
  peer: TransportAddress,
  channel: number,
  text: string,
  why: () => string,
): Promise<void> {
  await bridge.until(() => client.received.length >= 1 || client.errors.length > 0, 30_000, `the echo of the Send indication (${why()})`);
  client.session.bindChannel(bridge.now(), peer, channel);
  bridge.pump();
  await bridge.until(() => client.session.boundChannel(peer) !== undefined || client.errors.length > 0, 30_000, `ChannelBind (${why()})`);
  client.sendData(peer, new TextEncoder().encode(text));
  bridge.pump();
  await bridge.until(() => client.received.length >= 2 || client.errors.length > 0, 30_000, `the echo of the ChannelData (${why()})`);
  client.session.deallocate(bridge.now());
  bridge.pump();
  await bridge.until(() => client.stats.deallocated || client.errors.length > 0, 30_000, `the deallocation (${why()})`);
}
