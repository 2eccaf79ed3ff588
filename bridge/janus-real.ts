// Node only: a real Janus (Debian `janus` 1.1.2) for the interop test, started from configuration files written to a
// temporary directory: the HTTP transport on 127.0.0.1, the echotest plugin only (and the SIP plugin when asked), no STUN server, libnice debugging
// off, IPv4 only. ICE: Janus (libnice) never gathers on the loopback interface and did not answer checks from
// 127.0.0.1 (tried: ice_enforce_list "lo" and "127.0.0.1" still gave the eth0 addresses), so its ICE is enforced
// to the host's first IPv4 interface and our peer binds that address: the datagrams never leave the host.
// `stop()` kills it and removes the files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasJanus = spawnSync('sh', ['-c', 'command -v janus']).status === 0;

const LIB = '/usr/lib/x86_64-linux-gnu/janus';
const OTHER_PLUGINS = ['audiobridge', 'duktape', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'videoroom', 'voicemail'];
const OTHER_TRANSPORTS = ['mqtt', 'nanomsg', 'pfunix', 'rabbitmq', 'websockets'];

/** The host's first non-loopback IPv4 interface: where Janus gathers and our peer binds. */
export function iceInterface(): { name: string; ip: string } | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const a = (addrs ?? []).find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return { name, ip: a.address };
  }
  return undefined;
}

export interface RealJanus {
  readonly port: number;
  readonly dir: string;
  log(): string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Starts janus and resolves once its HTTP transport accepts connections (or rejects after `ms`). */
export async function startJanus(o: { sessionTimeout: number; ms: number; iceInterface: string; sip?: { localIp: string } }): Promise<RealJanus> {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-janus-real-'));
  const port = await freePort();
  // 40 ports a process (20 for ICE, 20 for the SIP plugin's RTP): with 20, the SIP range of one test file's Janus was
  // the ICE range of the next pid's (two live files run at once); 41000-48999, apart from baresip's (sip-real.ts)
  const rtp = 41000 + (process.pid % 200) * 40;
  writeFileSync(join(dir, 'janus.jcfg'), `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  debug_level = 4
  session_timeout = ${o.sessionTimeout}
  server_name = "rtclab-judge"
}
nat: {
  nice_debug = false
  ice_enforce_list = "${o.iceInterface}"
  ignore_mdns = true
}
media: {
  ipv6 = false
  rtp_port_range = "${rtp}-${rtp + 19}"
}
plugins: {
  disable = "${OTHER_PLUGINS.filter((p) => !(o.sip && p === 'sip')).map((p) => `libjanus_${p}.so`).join(',')}"
}
transports: {
  disable = "${OTHER_TRANSPORTS.map((p) => `libjanus_${p}.so`).join(',')}"
}
events: { broadcast = false }
loggers: { disable = "libjanus_jsonlog.so" }
`);
  writeFileSync(join(dir, 'janus.transport.http.jcfg'), `general: {
  json = "indented"
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: { admin_http = false admin_https = false }
cors: {}
`);
  writeFileSync(join(dir, 'janus.plugin.echotest.jcfg'), 'general: { events = false }\n');
  // janus.plugin.sip (bridge/janus-sip.test.ts): its SIP and plain RTP on loopback, where our registrar and phone are
  if (o.sip) writeFileSync(join(dir, 'janus.plugin.sip.jcfg'), `general: {
  local_ip = "${o.sip.localIp}"
  local_media_ip = "${o.sip.localIp}"
  keepalive_interval = 0
  behind_nat = false
  register_ttl = 3600
  rtp_port_range = "${rtp + 20}-${rtp + 39}"
  sip_timer_t1x64 = 32000
  events = false
}
`);
  const logFile = join(dir, 'janus.log');
  const out = openSync(logFile, 'w');
  const child: ChildProcess = spawn('janus', ['-C', join(dir, 'janus.jcfg'), '-F', dir, '-o'], { stdio: ['ignore', out, out] });
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + o.ms;
  while (!(await accepting(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = log();
      stop();
      throw new Error(`janus did not start its HTTP transport on 127.0.0.1:${port} (exit ${child.exitCode}):\n${text.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, dir, log, stop };
}
