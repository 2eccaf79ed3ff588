// Node only: real SIP peers for the interop tests (bridge/sip-kamailio.test.ts, bridge/sip-baresip.test.ts), each
// started from files written to a temporary directory and listening on 127.0.0.1 only:
// - Kamailio (Debian kamailio 5.6.3) as a registrar and record-routing proxy with a configuration written here:
//   registrar + usrloc in memory (db_mode 0), REGISTER challenged with 401 (www_challenge, qop=auth) and checked with
//   pv_www_authenticate against passwords written in the configuration, INVITE from a local user challenged with
//   407 (proxy_challenge) and checked with pv_proxy_authenticate, location lookup, record_route, t_relay.
// - baresip (Debian baresip 1.0.0) as a phone: its `config` and `accounts` in a directory of their own (-f), the
//   ausine source (a 440 Hz tone), the aubridge player (nowhere), G.711 only, auto-answer, controlled over ctrl_tcp
//   (netstring JSON commands).
// Our own endpoints run on real sockets through UdpBridge (`runOnSockets`). `stop()` ends what was started and
// removes its files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint, EndpointOutput, TransportAddress } from '../sim/core/endpoint.ts';
import type { Micros } from '../sim/core/time.ts';
import { UdpBridge, type BridgeNote, type BridgeOptions } from './udp-bridge.ts';

export const hasKamailio = spawnSync('sh', ['-c', 'command -v kamailio']).status === 0;
export const hasBaresip = spawnSync('sh', ['-c', 'command -v baresip']).status === 0;

export interface RealProcess {
  readonly dir: string;
  log(): string;
  stop(): void;
}

/** A UDP port free on 127.0.0.1 now (the OS picks it; the caller binds it next). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve());
  });
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function launch(dir: string, cmd: string, args: string[]): { child: ChildProcess; log: () => string; stop: () => void } {
  const logFile = join(dir, `${cmd}.log`);
  const out = openSync(logFile, 'w');
  // its own process group: stop() ends it and the children it forks (Kamailio's workers) by the group's id
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], detached: true });
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = (): void => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { child, log, stop };
}

async function waitFor(what: string, ms: number, ready: () => boolean | Promise<boolean>, p: { child: ChildProcess; log: () => string; stop: () => void }): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (p.child.exitCode !== null || Date.now() > deadline) {
      const text = p.log();
      p.stop();
      throw new Error(`${what} (exit ${p.child.exitCode}):\n${text.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RealKamailio extends RealProcess {
  readonly address: TransportAddress;
}

/** Starts Kamailio on 127.0.0.1 (a free UDP port) for `domain` with these users, and resolves once it listens. */
export async function startKamailio(o: { domain: string; users: Readonly<Record<string, string>>; ms: number; listen?: { transport: 'udp' | 'tcp'; ip: string; port: number } }): Promise<RealKamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-kamailio-'));
  // over TCP (RFC 3261 §18) on the address given (bridge/sip-tcp-run.ts: the kernel's side of a TUN); else UDP on loopback
  const listen = o.listen ?? { transport: 'udp' as const, ip: '127.0.0.1', port: await freeUdpPort() };
  const port = listen.port;
  // the password of the user named in the credentials ($au), checked by the auth module itself
  const passwords = Object.entries(o.users).map(([u, p], i) => `${i ? '    else ' : '    '}if ($au == "${u}") $var(pw) = "${p}";`).join('\n');
  writeFileSync(join(dir, 'kamailio.cfg'), `#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=${listen.transport}:${listen.ip}:${port}
auto_aliases=no
alias="${o.domain}"
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("rr", "append_fromtag", 1)

route[PASSWORD] {
    $var(pw) = "-";
${passwords}
}

request_route {
    xlog("L_INFO", "rtclab: $rm $ru from $si:$sp\\n");
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (!sanity_check("17895", "7")) { xlog("L_ERR", "rtclab: sanity check failed for $rm from $si:$sp\\n"); exit; }
    if (has_totag()) {
        if (loose_route()) { t_relay(); exit; }
        if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
        sl_send_reply("404", "Not here");
        exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
    t_check_trans();
    if (is_method("REGISTER")) {
        route(PASSWORD);
        if (!pv_www_authenticate("$td", "$var(pw)", "0")) {
            xlog("L_INFO", "rtclab: REGISTER credentials of '$au' refused ($rc)\\n");
            www_challenge("$td", "1");
            exit;
        }
        if ($au != $tU) { sl_send_reply("403", "Forbidden auth ID"); exit; }
        if (!save("location")) sl_reply_error();
        exit;
    }
    if (is_method("INVITE") && from_uri == myself) {
        route(PASSWORD);
        if (!pv_proxy_authenticate("$fd", "$var(pw)", "0")) {
            xlog("L_INFO", "rtclab: INVITE credentials of '$au' refused ($rc)\\n");
            proxy_challenge("$fd", "1");
            exit;
        }
        consume_credentials();
    }
    if (is_method("INVITE")) record_route();
    if (uri != myself) { t_relay(); exit; }
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
    t_relay();
}
`);
  const p = launch(dir, 'kamailio', ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-m', '32', '-M', '8', '-Y', dir, '-P', join(dir, 'kamailio.pid')]);
  const ip = listen.ip.replaceAll('.', '\\.');
  const listening = new RegExp(`Listening on[\\s\\S]*${listen.transport}: ${ip} \\[${ip}\\]:\\d+`);
  await waitFor(`kamailio did not start listening on ${listen.transport}:${listen.ip}:${port}`, o.ms, () => listening.test(p.log()) && /processes \(at least\)/.test(p.log()), p);
  // its workers bind after the main process prints; give them a moment to be reading
  await new Promise((r) => setTimeout(r, 300));
  return { dir, address: { ip: listen.ip, port }, log: p.log, stop: p.stop };
}

export interface RealBaresip extends RealProcess {
  readonly address: TransportAddress;
  /** A ctrl_tcp command ("dial", "hangup", "reginfo" …): resolves to its response's `data`. */
  command(command: string, params?: string): Promise<{ ok: boolean; data: string }>;
}

/**
 * Starts baresip with one account `aor` (a SIP URI) that registers at `registrar` (its outbound proxy) with
 * `password`, answers calls at once (answermode=auto) and offers `codecs`; resolves once its control port listens.
 */
export async function startBaresip(o: { aor: string; password: string; registrar?: TransportAddress; regint?: number; codecs?: string; ms: number }): Promise<RealBaresip> {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-baresip-'));
  const sipPort = await freeUdpPort();
  const ctrlPort = await freeTcpPort();
  const rtp = 49000 + (process.pid % 200) * 20; // 49000-52999: apart from Janus's ranges (janus-real.ts)
  writeFileSync(join(dir, 'config'), `poll_method epoll
sip_listen 127.0.0.1:${sipPort}
net_interface 127.0.0.1
audio_player aubridge,nowhere
audio_source ausine,440
ausrc_srate 48000
ausrc_channels 2
auplay_srate 48000
audio_alert aubridge,nowhere
rtp_ports ${rtp}-${rtp + 19}
rtcp_mux no
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
module_app account.so
module_app menu.so
module ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:${ctrlPort}
`);
  const params = [`auth_pass=${o.password}`, 'answermode=auto', `audio_codecs=${o.codecs ?? 'PCMU/8000/1'}`];
  if (o.registrar) params.push(`outbound="sip:${o.registrar.ip}:${o.registrar.port}"`, `regint=${o.regint ?? 600}`);
  else params.push('regint=0');
  writeFileSync(join(dir, 'accounts'), `<${o.aor}>;${params.join(';')}\n`);
  writeFileSync(join(dir, 'contacts'), '');
  const p = launch(dir, 'baresip', ['-f', dir, '-s', '-v']);
  let ctrl: Socket | undefined;
  await waitFor(`baresip did not open its control port 127.0.0.1:${ctrlPort}`, o.ms, () => /baresip is ready/.test(p.log()), p);
  let buffer = '';
  const waiting: ((r: { ok: boolean; data: string }) => void)[] = [];
  const command = async (command: string, params?: string): Promise<{ ok: boolean; data: string }> => {
    if (!ctrl) {
      ctrl = connect({ host: '127.0.0.1', port: ctrlPort });
      await new Promise<void>((resolve, reject) => {
        ctrl!.once('connect', () => resolve());
        ctrl!.once('error', reject);
      });
      ctrl.on('data', (d: Buffer) => {
        buffer += d.toString('utf8');
        // netstrings: "<length>:<json>,"
        for (;;) {
          const colon = buffer.indexOf(':');
          if (colon < 0) return;
          const n = Number(buffer.slice(0, colon));
          if (buffer.length < colon + 1 + n + 1) return;
          const json = buffer.slice(colon + 1, colon + 1 + n);
          buffer = buffer.slice(colon + 1 + n + 1);
          const m = JSON.parse(json) as { response?: boolean; ok?: boolean; data?: string };
          if (m.response) waiting.shift()?.({ ok: m.ok === true, data: m.data ?? '' });
        }
      });
    }
    const json = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token: 'rtclab' });
    const answer = new Promise<{ ok: boolean; data: string }>((r) => waiting.push(r));
    ctrl.write(`${Buffer.byteLength(json)}:${json},`);
    return answer;
  };
  return {
    dir,
    address: { ip: '127.0.0.1', port: sipPort },
    log: p.log,
    command,
    stop: () => {
      ctrl?.destroy();
      p.stop();
    },
  };
}

/**
 * An endpoint whose construction needs the addresses its sockets got: the bridge binds first (port 0), then
 * `set` installs the endpoint. Until then it is idle and drops what arrives.
 */
export class LateEndpoint<E extends Endpoint> implements Endpoint {
  inner: E | undefined;
  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.inner?.handleDatagram(now, from, to, bytes);
  }
  handleTimeout(now: Micros): void {
    this.inner?.handleTimeout(now);
  }
  poll(now: Micros): EndpointOutput<unknown> {
    return this.inner ? this.inner.poll(now) : { type: 'idle' };
  }
}

export interface OnSockets<E extends Endpoint> {
  readonly endpoint: E;
  readonly bridge: UdpBridge;
  readonly notes: BridgeNote[];
  /** Every datagram in and out, with the bridge's time (µs). */
  readonly datagrams: { t: number; dir: 'in' | 'out'; from: TransportAddress; to: TransportAddress; bytes: Uint8Array }[];
}

/** Binds UDP sockets on 127.0.0.1 at `ports` (0: the OS picks) and builds the endpoint on their addresses; its notes and datagrams are kept. */
export async function runOnSockets<E extends Endpoint>(ports: readonly number[], build: (addresses: TransportAddress[]) => E, options: BridgeOptions = {}): Promise<OnSockets<E>> {
  const late = new LateEndpoint<E>();
  const notes: BridgeNote[] = [];
  const datagrams: OnSockets<E>['datagrams'] = [];
  const bridge: UdpBridge = new UdpBridge(late, {
    ...options,
    onNote: (n) => notes.push(n),
    onDatagram: (dir, from, to, bytes) => datagrams.push({ t: bridge.now(), dir, from, to, bytes }),
  });
  const addresses: TransportAddress[] = [];
  for (const port of ports) addresses.push(await bridge.bind('127.0.0.1', port));
  late.inner = build(addresses);
  bridge.pump();
  return { endpoint: late.inner, bridge, notes, datagrams };
}
