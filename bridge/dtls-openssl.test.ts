// Interop: our DTLS endpoint against openssl's s_server and s_client over real loopback UDP, through the bridge.
// Both sides export 60 bytes of EXTRACTOR-dtls_srtp keying material (RFC 5764 §4.2); they must be equal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../sim/core/encoding.ts';
import { Rng } from '../sim/core/rng.ts';
import { DtlsEndpoint } from '../sim/dtls/endpoint.ts';
import { generateDtlsIdentity } from '../sim/dtls/identity.ts';
import { UdpBridge, type BridgeNote } from './udp-bridge.ts';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function opensslIdentity(dir: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=openssl', '-days', '2']);
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr.toString()}`);
  const fp = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', cert]).stdout.toString();
  return { cert, key, fingerprint: fp.trim().replace(/^.*=/, '') };
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  s.close();
  return port;
}

function collect(p: ChildProcess): { text: () => string } {
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { text: () => out };
}

const keyingMaterial = (text: string): string | undefined => /Keying material:\s*([0-9A-Fa-f]+)/.exec(text)?.[1]?.toLowerCase();

// a bound, not a wait: on a busy machine openssl starts and signs late, so the bounds below are generous
async function waitFor(pred: () => boolean, ms: number, what: string, log: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; openssl said:\n${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!hasOpenssl)('DTLS-SRTP interop with openssl', () => {
  it('our client completes a handshake with openssl s_server -dtls1_2 -use_srtp and both export the same 60 bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-dtls-'));
    let server: ChildProcess | undefined;
    let bridge: UdpBridge | undefined;
    try {
      const ossl = opensslIdentity(dir);
      const port = await freePort();
      server = spawn('openssl', [
        's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', ossl.cert, '-key', ossl.key,
        '-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', '60', '-verify', '1',
      ], { stdio: ['pipe', 'pipe', 'pipe'] });
      const log = collect(server);
      await waitFor(() => /ACCEPT/.test(log.text()), 30_000, 's_server to listen', log.text);
      const rng = Rng.fromSeed(42);
      const notes: BridgeNote[] = [];
      const local = { ip: '127.0.0.1', port: await freePort() };
      const endpoint = new DtlsEndpoint({
        role: 'client',
        rng: rng.fork('client'),
        identity: generateDtlsIdentity(rng.fork('identity'), 'rtclab-client'),
        local,
        remote: { ip: '127.0.0.1', port },
        remoteFingerprint: `sha-256 ${ossl.fingerprint}`,
      });
      bridge = new UdpBridge(endpoint, { onNote: (n) => notes.push(n) });
      await bridge.bind(local.ip, local.port);
      bridge.pump();
      await bridge.until(() => endpoint.state !== 'connecting', 60_000, 'the DTLS handshake');
      expect(endpoint.state, notes.map((n) => n.text).join('\n')).toBe('connected');
      await waitFor(() => keyingMaterial(log.text()) !== undefined, 30_000, 'openssl to print the keying material', log.text);
      expect(endpoint.session.srtpProfile?.name).toBe('AES_CM_128_HMAC_SHA1_80');
      expect(endpoint.fingerprintVerified).toBe(true);
      expect(toHex(endpoint.session.srtpKeyingMaterial()!)).toBe(keyingMaterial(log.text()));
    } finally {
      bridge?.close();
      server?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // with -mtu 256 (its floor), s_client cuts its ClientHello (and its cookie copy) into fragments in separate datagrams
  // (RFC 6347 §4.2.3): our stateless server joins them (sim/dtls/hello-assembly.ts) before its HelloVerifyRequest
  for (const mtu of [undefined, 256] as const) it(`our server completes a handshake with openssl s_client -dtls1_2 -use_srtp${mtu ? ` -mtu ${mtu} (a fragmented ClientHello)` : ''} and both export the same 60 bytes`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-dtls-'));
    let client: ChildProcess | undefined;
    let bridge: UdpBridge | undefined;
    try {
      const ossl = opensslIdentity(dir);
      const rng = Rng.fromSeed(43);
      const notes: BridgeNote[] = [];
      const local = { ip: '127.0.0.1', port: await freePort() };
      const endpoint = new DtlsEndpoint({
        role: 'server',
        rng: rng.fork('server'),
        identity: generateDtlsIdentity(rng.fork('identity'), 'rtclab-server'),
        local,
        remoteFingerprint: `sha-256 ${ossl.fingerprint}`,
      });
      bridge = new UdpBridge(endpoint, { onNote: (n) => notes.push(n) });
      await bridge.bind(local.ip, local.port);
      bridge.pump();
      client = spawn('openssl', [
        's_client', '-dtls1_2', '-connect', `127.0.0.1:${local.port}`, '-cert', ossl.cert, '-key', ossl.key,
        '-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', '60',
        ...(mtu ? ['-mtu', String(mtu)] : []),
      ], { stdio: ['pipe', 'pipe', 'pipe'] });
      const log = collect(client);
      await bridge.until(() => endpoint.state !== 'connecting' && endpoint.state !== 'new', 60_000, 'the DTLS handshake');
      const joined = notes.filter((n) => n.kind === 'dtls.hello-fragments').map((n) => n.data as { event: string; fragments: number });
      if (mtu) {
        expect(joined.length, notes.map((n) => n.text).join('\n')).toBeGreaterThanOrEqual(1);
        for (const j of joined) expect([j.event, j.fragments >= 2]).toEqual(['joined', true]);
      } else expect(joined).toEqual([]);
      expect(endpoint.state, notes.map((n) => n.text).join('\n') + log.text()).toBe('connected');
      await waitFor(() => keyingMaterial(log.text()) !== undefined, 30_000, 'openssl to print the keying material', log.text);
      expect(log.text()).toMatch(/SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80/);
      expect(endpoint.fingerprintVerified).toBe(true);
      expect(toHex(endpoint.session.srtpKeyingMaterial()!)).toBe(keyingMaterial(log.text()));
    } finally {
      bridge?.close();
      client?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
