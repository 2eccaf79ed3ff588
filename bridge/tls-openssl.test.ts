// Interop: OpenSSL judges our TLS (sim/tls) on our TCP (sim/tcp). Inside a network namespace created for the test,
// our stack sits behind a TUN device (bridge/tun-tcp.ts) and the OpenSSL command line tools run on the kernel's TCP:
// our client against `openssl s_server -tls1_3` and `-tls1_2`, `openssl s_client` against our server, each way with
// application data both ways, close_notify, and OpenSSL's key log equal to ours line for line. Needs root, socat,
// iproute2 and openssl (.ci/run installs them; CI runs as root, so there it must run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestNamespace } from './test-netns.ts';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const root = process.getuid?.() === 0;
const missing = [!root && 'root', !has('socat') && 'socat', !has('ip') && 'iproute2', !has('openssl') && 'openssl', !existsSync('/dev/net/tun') && '/dev/net/tun'].filter(Boolean);
const skip = !process.env['CI'] && missing.length > 0;
const ns = `rtclab-tls-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'rtclab-tls-openssl-'));

interface Result {
  readonly mode: string;
  readonly negotiated: { version: number; cipherSuite: string; alpn: string | null; sni?: string | null } | null;
  readonly received: string;
  readonly opensslExit: number | null;
  readonly opensslOut: string;
  readonly opensslErr: string;
  readonly keylogMatch: boolean;
  readonly badInput: string[];
  readonly alerts: string[];
  readonly keyUpdates: string[];
  readonly errors: string;
}

function run(mode: string): Result {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'bridge/tls-openssl-run.ts', mode, dir], { encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`tls-openssl-run ${mode} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

describe.skipIf(skip)(`OpenSSL and our TLS over our TCP through a TUN device${skip ? ` (skipped: no ${missing.join(', ')})` : ''}`, () => {
  useTestNamespace(ns, dir, skip);

  const clean = (r: Result): void => {
    expect(r.errors).toBe('');
    expect(r.badInput).toEqual([]);
    expect(r.keylogMatch, 'OpenSSL logged the same secrets as we did').toBe(true);
    expect(r.opensslExit).toBe(0);
    expect(r.alerts.sort()).toEqual(['tls.alert.received: alert received: warning close_notify', 'tls.alert.sent: alert sent: warning close_notify']);
  };

  it('our client against openssl s_server -tls1_3: SNI, ALPN, data both ways, close_notify', { timeout: 300_000 }, () => {
    const r = run('client13');
    clean(r);
    expect(r.negotiated).toEqual({ version: 0x0304, cipherSuite: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1' });
    expect(r.received).toBe('hello from openssl\n');
    // what s_server printed: our offer, its choice, our line, and our close_notify ending the connection
    for (const line of ['ALPN protocols advertised by the client: h2, http/1.1', 'ALPN protocols selected: http/1.1', 'Supported groups: x25519:secp256r1', 'Shared ciphers:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256', 'CIPHER is TLS_AES_128_GCM_SHA256', 'hello from rtclab', 'DONE', 'CONNECTION CLOSED']) {
      expect(r.opensslOut).toContain(line);
    }
  });

  it('our client against openssl s_server -tls1_2: ECDHE-ECDSA-AES128-GCM-SHA256, secure renegotiation, data both ways', { timeout: 300_000 }, () => {
    const r = run('client12');
    clean(r);
    expect(r.negotiated).toEqual({ version: 0x0303, cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', alpn: 'http/1.1' });
    expect(r.received).toBe('hello from openssl\n');
    for (const line of ['CIPHER is ECDHE-ECDSA-AES128-GCM-SHA256', 'Secure Renegotiation IS supported', 'hello from rtclab', 'CONNECTION CLOSED']) expect(r.opensslOut).toContain(line);
  });

  it('openssl s_client -tls1_3 against our server: its certificate, the echo, a KeyUpdate it requests and we answer', { timeout: 300_000 }, () => {
    const r = run('server13');
    clean(r);
    expect(r.negotiated).toEqual({ version: 0x0304, cipherSuite: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', sni: 'rtclab.test' });
    expect(r.received).toBe('hello from openssl\nafter the key update\n');
    expect(r.keyUpdates).toEqual(["tls.key-update: KeyUpdate received (update requested): the peer's traffic secret is now #1", 'tls.key-update: KeyUpdate sent: our traffic secret is now #1']);
    for (const line of ['New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256', 'ALPN protocol: http/1.1', 'Peer signature type: ECDSA', 'Verify return code: 18 (self-signed certificate)', 'TLS session ticket lifetime hint: 7200 (seconds)', 'echo:hello from openssl', 'echo:after the key update']) {
      expect(r.opensslOut).toContain(line);
    }
    expect(r.opensslErr).toContain('depth=0 CN = rtclab.test');
    expect(r.opensslErr).toContain('KEYUPDATE');
  });

  it('openssl s_client -tls1_2 against our server: the extended master secret, the echo', { timeout: 300_000 }, () => {
    const r = run('server12');
    clean(r);
    expect(r.negotiated).toEqual({ version: 0x0303, cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', alpn: 'http/1.1', sni: 'rtclab.test' });
    for (const line of ['Protocol  : TLSv1.2', 'Cipher    : ECDHE-ECDSA-AES128-GCM-SHA256', 'Extended master secret: yes', 'Secure Renegotiation IS supported', 'ALPN protocol: http/1.1', 'echo:hello from openssl']) {
      expect(r.opensslOut).toContain(line);
    }
  });
});
