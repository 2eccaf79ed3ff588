// Node only, as root: a real Chromium call whose TURN server sits behind a firewall that drops UDP to it. Two network
// namespaces joined by one veth pair: the client's (headless Chromium, our sim WebRtcPeer, the page's http server:
// bridge/chromium-turn-tcp-run.ts) and the server's (coturn on 3478, UDP and TCP; an nftables input chain dropping
// and counting UDP to port 3478, nothing else; dumpcap on its end of the link, the firewall's interface, which sees
// what arrives before the filter drops it). Chromium is given the TURN server over UDP and over TCP with
// iceTransportPolicy "relay": its UDP Allocate goes unanswered, the one over TCP gets the relay the call runs through.
// Used by bridge/chromium-turn-tcp-netns.test.ts and captures/chromium-turn-tcp-fallback/make/make.ts.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '../sim/core/trace.ts';
import { stopLiveCapture } from '../test/support/live-capture.ts';
import { stopProcess } from './turn-coturn-helpers.ts';
import { sleep } from './wait.ts';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** The link (TEST-NET-2, RFC 5737): the client's and the server's ends; the TURN server listens on the server's. */
export const CLIENT_IP = '198.51.100.2';
export const SERVER_IP = '198.51.100.1';
export const TURN_PORT = 3478;
export const TURN_USER = 'rtclab';
export const TURN_PASSWORD = 'rtclab-secret';
export const TURN_REALM = 'rtclab.example';
/** The firewall: the server's namespace drops (and counts) UDP to the TURN port; TCP and everything else pass. */
export const NFT_RULESET = `table inet rtclab_fw {\n  chain input { type filter hook input priority filter; policy accept; udp dport ${TURN_PORT} counter drop; }\n}\n`;

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why this machine cannot run the call ('' when it can): not root, no network namespaces, or a missing tool. */
export function udpFirewallUnsupported(): { reason: string; missingTool: boolean } {
  if (process.getuid?.() !== 0) return { reason: 'not root (network namespaces and nftables need it)', missingTool: false };
  if (!has('ip')) return { reason: 'no `ip` (iproute2)', missingTool: true };
  const probe = `rtclab-probe-${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  spawnSync('ip', ['netns', 'del', probe]);
  if (made.status !== 0) return { reason: `no network namespace support (ip netns add: ${made.stderr.trim()})`, missingTool: false };
  const missing = ['nft', 'turnserver', 'dumpcap', process.env.CHROMIUM_PATH ?? 'chromium'].filter((c) => !has(c));
  return missing.length ? { reason: `missing ${missing.join(', ')}`, missingTool: true } : { reason: '', missingTool: false };
}

export interface UdpFirewallCall {
  /** What bridge/chromium-turn-tcp-run.ts printed: the page state, Chromium's selected pair and candidates, our summary. */
  readonly run: Record<string, JsonValue>;
  /** The pcapng written by dumpcap on the firewall's interface (readable by all). */
  readonly capture: string;
  /** UDP datagrams to the TURN port the firewall dropped (its nftables counter), and the ruleset as listed. */
  readonly dropped: number;
  readonly ruleset: string;
  readonly coturnLog: string;
}

export interface UdpFirewallOptions {
  /** A folder for the capture, coturn's configuration and database. */
  readonly dir: string;
  /** Media time once connected, ms. */
  readonly mediaMs: number;
  /** Bound of every wait in the call (chromium-call.ts waitMs), ms. */
  readonly waitMs: number;
  /** Chromium's gathering before its offer leaves (chromium-call.ts `gather`). */
  readonly gather: { readonly ms: number; readonly until?: string };
  /** dumpcap stops after this many packets (-c): a small capture of the call's start; the call goes on uncaptured. */
  readonly packetLimit?: number;
}

/** Kills what still runs in the namespace (the call's processes: coturn, dumpcap, Chromium) and deletes it. */
function removeNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').map(Number).filter((p) => p > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns]);
}

/** Waits until `pattern` shows in a child's stderr, or it exits, or `ms` passes (then throws naming `what`). */
async function untilOutput(p: ChildProcess, text: () => string, pattern: RegExp, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!pattern.test(text())) {
    if (p.exitCode !== null || p.signalCode !== null) throw new Error(`${what} exited (${p.exitCode ?? p.signalCode}): ${text()}`);
    if (performance.now() > end) throw new Error(`${what} not ready within ${ms} ms: ${text()}`);
    await sleep(50);
  }
}

/** Sets the namespaces up, runs the call, and removes everything it made (even when the call fails or times out). */
export async function callThroughUdpFirewall(o: UdpFirewallOptions): Promise<UdpFirewallCall> {
  const cli = `rtclab-fwc-${process.pid}`;
  const srv = `rtclab-fws-${process.pid}`;
  const capture = join(o.dir, 'firewall.pcapng');
  const children: ChildProcess[] = [];
  const cleanup = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    removeNamespace(cli);
    removeNamespace(srv);
  };
  cleanup(); // namespaces left by a crashed run of the same pid
  process.once('exit', cleanup);
  try {
    for (const ns of [cli, srv]) {
      ip('netns', 'add', ns);
      ip('netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip('link', 'add', 'cli0', 'netns', cli, 'type', 'veth', 'peer', 'name', 'fw0', 'netns', srv);
    ip('-n', cli, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'cli0');
    ip('-n', srv, 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'fw0');
    ip('-n', cli, 'link', 'set', 'cli0', 'up');
    ip('-n', srv, 'link', 'set', 'fw0', 'up');
    execFileSync('ip', ['netns', 'exec', srv, 'nft', '-f', '-'], { input: NFT_RULESET });

    const conf = join(o.dir, 'turnserver.conf');
    writeFileSync(conf, [
      `listening-ip=${SERVER_IP}`, `relay-ip=${SERVER_IP}`, `listening-port=${TURN_PORT}`, 'lt-cred-mech', `user=${TURN_USER}:${TURN_PASSWORD}`, `realm=${TURN_REALM}`,
      'fingerprint', 'no-cli', 'no-tls', 'no-dtls', 'no-tcp-relay', 'min-port=49152', 'max-port=49200', `userdb=${join(o.dir, 'turndb')}`, 'log-file=stdout', 'simple-log', '',
    ].join('\n'));
    let coturnLog = '';
    const coturn = spawn('ip', ['netns', 'exec', srv, 'turnserver', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(coturn);
    coturn.stdout.on('data', (d: Buffer) => (coturnLog += d.toString()));
    coturn.stderr.on('data', (d: Buffer) => (coturnLog += d.toString()));
    // up when it listens on the port over TCP (its UDP listener is opened before)
    const listening = (): string => spawnSync('ip', ['netns', 'exec', srv, 'ss', '-Hltn', `sport = :${TURN_PORT}`], { encoding: 'utf8' }).stdout ?? '';
    await untilOutput(coturn, listening, new RegExp(`${SERVER_IP.replaceAll('.', '\\.')}:${TURN_PORT}`), 15_000, 'turnserver');

    let dumpErr = '';
    const dumpcap = spawn('ip', ['netns', 'exec', srv, 'dumpcap', '-i', 'fw0', '-B', '64', ...(o.packetLimit ? ['-c', String(o.packetLimit)] : []), '-w', capture], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(dumpcap);
    dumpcap.stderr.on('data', (d: Buffer) => (dumpErr += d.toString()));
    await untilOutput(dumpcap, () => dumpErr, /Capturing on/, 15_000, 'dumpcap');
    await sleep(200); // the capture filter is attached by the time it says so; a margin for the first packet

    const args = [CLIENT_IP, SERVER_IP, String(TURN_PORT), TURN_USER, TURN_PASSWORD, String(o.mediaMs), String(o.waitMs), String(o.gather.ms), ...(o.gather.until ? [o.gather.until] : [])];
    let out = '';
    let err = '';
    const runner = spawn('ip', ['netns', 'exec', cli, process.execPath, '--import', 'tsx', join(ROOT, 'bridge/chromium-turn-tcp-run.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(runner);
    runner.stdout.on('data', (d: Buffer) => (out += d.toString()));
    runner.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // the runner's own waits are bounded by waitMs each; a few of them, Chromium's start and close, then a margin
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => runner.kill('SIGTERM'), 8 * o.waitMs);
      runner.once('exit', (c, s) => {
        clearTimeout(timer);
        resolve(c ?? s ?? 'unknown');
      });
    });
    if (code !== 0) throw new Error(`the call in ${cli} failed (${code}): ${err.slice(-4000)}`);
    const last = out.trim().split('\n').at(-1) ?? '';
    const run = JSON.parse(last) as Record<string, JsonValue>;

    await stopLiveCapture(dumpcap); // SIGINT: dumpcap writes its statistics and closes the file
    chmodSync(capture, 0o644); // dumpcap writes it owner-only
    const ruleset = ip('netns', 'exec', srv, 'nft', 'list', 'ruleset');
    const dropped = Number(/counter packets (\d+)/.exec(ruleset)?.[1] ?? NaN);
    await stopProcess(coturn);
    return { run, capture, dropped, ruleset, coturnLog };
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
  }
}
