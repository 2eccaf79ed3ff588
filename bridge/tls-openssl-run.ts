// Node only, run inside a network namespace (tls-openssl.test.ts starts it): our TLS (sim/tls) on our TCP (sim/tcp)
// behind a TUN device, against OpenSSL's command line tools on the Linux kernel's TCP. Prints one JSON line.
//   client13 / client12: `openssl s_server -tls1_3` / `-tls1_2` listens; our client connects, sends a line, reads
//     the line s_server was given on stdin, closes with close_notify;
//   server13 / server12: our server listens and echoes; `openssl s_client` connects, sends a line, reads the echo.
// Both sides write key logs: ours must be OpenSSL's, line for line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rng } from '../sim/core/rng.ts';
import { TlsStream } from '../sim/tls/stream.ts';
import { cipherSuiteName } from '../sim/wire/handshake/names.ts';
import { TunTcpBridge } from './tun-tcp.ts';
import { TunStreams } from './tun-stream.ts';

const mode = process.argv[2] as 'client13' | 'client12' | 'server13' | 'server12';
const dir = process.argv[3]!;
const KERNEL = '10.77.0.1';
const OURS = '10.77.0.2';
const PORT = 4433;
const version = mode.endsWith('13') ? '-tls1_3' : '-tls1_2';

interface Proc {
  readonly p: ChildProcess;
  out: string;
  err: string;
}

function start(args: string[]): Proc {
  const p = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const proc: Proc = { p, out: '', err: '' };
  p.stdout!.on('data', (d: Buffer) => (proc.out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (proc.err += d.toString()));
  return proc;
}

async function until(what: string, f: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function main(): Promise<void> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const theirKeylog = join(dir, `${mode}-openssl.keylog`);
  rmSync(theirKeylog, { force: true });
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-keyout', key, '-out', cert, '-days', '3650', '-nodes', '-subj', '/CN=openssl.test'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
  const streams = new TunStreams();
  const bridge = new TunTcpBridge({ kernel: `${KERNEL}/24`, ours: OURS, device: 'rtclab-tun1', seed: 11, onEvent: streams.event });
  streams.bridge = bridge;
  await bridge.open();
  const rng = Rng.fromSeed(5);
  const ourSecrets: string[] = [];
  const ourNotes: string[] = [];
  const sink = { note: (_t: number, n: { kind: string; text: string }) => void ourNotes.push(`${n.kind}: ${n.text}`), secret: (_t: number, s: string) => void ourSecrets.push(s) };
  let received = '';
  let closedWith: string | undefined = 'not closed';
  const results: Record<string, unknown> = { mode };
  let openssl: Proc | undefined;
  try {
    if (mode.startsWith('client')) {
      openssl = start(['s_server', '-accept', `${KERNEL}:${PORT}`, '-cert', cert, '-key', key, version, '-alpn', 'http/1.1', '-naccept', '1', '-keylogfile', theirKeylog]);
      await until('s_server to accept', () => /ACCEPT/.test(openssl!.out + openssl!.err), 20_000);
      const tls = new TlsStream(bridge.now(), streams.connect(OURS, { ip: KERNEL, port: PORT }), { role: 'client', config: { serverName: 'openssl.test', alpn: ['h2', 'http/1.1'] }, rng: rng.fork('client'), sink });
      tls.handlers = {
        onOpen: (t) => tls.write(t, new TextEncoder().encode('hello from rtclab\n')),
        onData: (_t, b) => void (received += new TextDecoder().decode(b)),
        onClose: (_t, e) => void (closedWith = e),
      };
      await until('s_server to print our line', () => openssl!.out.includes('hello from rtclab'));
      openssl.p.stdin!.write('hello from openssl\n');
      await until('our client to read the line', () => received.includes('hello from openssl'));
      tls.end(bridge.now());
      await until('s_server to exit', () => openssl!.p.exitCode !== null, 30_000);
      results.negotiated = tls.negotiated ? { version: tls.negotiated.version, cipherSuite: cipherSuiteName(tls.negotiated.cipherSuite), alpn: tls.negotiated.alpn } : null;
    } else {
      streams.listen(OURS, PORT, (tcp) => {
        const tls = new TlsStream(bridge.now(), tcp, { role: 'server', config: { alpn: ['http/1.1'], serverName: 'rtclab.test' }, rng: rng.fork('server'), sink });
        tls.handlers = {
          onOpen: () => {
            const e = tls.negotiated;
            if (e) results.negotiated = { version: e.version, cipherSuite: cipherSuiteName(e.cipherSuite), alpn: e.alpn, sni: e.sni };
          },
          onData: (t, b) => {
            received += new TextDecoder().decode(b);
            tls.write(t, new TextEncoder().encode(`echo:${new TextDecoder().decode(b)}`));
          },
          onEnd: (t) => tls.end(t),
          onClose: (_t, e) => void (closedWith = e),
        };
      });
      openssl = start(['s_client', '-connect', `${OURS}:${PORT}`, version, '-servername', 'rtclab.test', '-alpn', 'http/1.1', '-keylogfile', theirKeylog]);
      await until('s_client to connect', () => /Verify return code|SSL handshake has read/.test(openssl!.out + openssl!.err));
      openssl.p.stdin!.write('hello from openssl\n');
      await until('the echo at s_client', () => openssl!.out.includes('echo:hello from openssl'));
      if (mode === 'server13') {
        // s_client's "K" command: a KeyUpdate with update_requested (RFC 8446 §4.6.3); we must answer with ours
        openssl.p.stdin!.write('K\n');
        await until('our answer to the KeyUpdate', () => ourNotes.some((n) => n.startsWith('tls.key-update') && n.includes('sent')));
        openssl.p.stdin!.write('after the key update\n');
        await until('the echo under the new keys', () => openssl!.out.includes('echo:after the key update'));
      }
      openssl.p.stdin!.end();
      await until('s_client to exit', () => openssl!.p.exitCode !== null, 30_000);
      await until('our server to see the connection close', () => closedWith !== 'not closed', 10_000).catch(() => undefined);
    }
    // OpenSSL also logs the secrets after a KeyUpdate (…_TRAFFIC_SECRET_N), which Wireshark derives by itself
    const theirs = readFileSync(theirKeylog, 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !/^\S+_N /.test(l));
    Object.assign(results, {
      received,
      closedWith: closedWith ?? 'clean',
      opensslExit: openssl.p.exitCode,
      opensslOut: openssl.out,
      opensslErr: openssl.err,
      ourSecrets: ourSecrets.length,
      keylogMatch: theirs.length > 0 && [...theirs].sort().join('\n') === [...new Set(ourSecrets)].sort().join('\n'),
      badInput: ourNotes.filter((n) => n.startsWith('tls.bad-input')),
      alerts: ourNotes.filter((n) => n.startsWith('tls.alert')),
      keyUpdates: ourNotes.filter((n) => n.startsWith('tls.key-update')),
      errors: bridge.errors.map((e) => e.message).join('; '),
      retransmissions: bridge.stack.stats,
    });
  } finally {
    if (openssl && openssl.p.exitCode === null) openssl.p.kill('SIGKILL');
    await sleep(100);
    bridge.close();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
