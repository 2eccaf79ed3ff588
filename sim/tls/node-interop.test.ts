import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { NodeTlsPeer, identityPem } from '../../test/support/node-tls-peer.ts';
import { generateTlsIdentity, type TlsConfig } from './config.ts';
import { TlsConnection } from './connection.ts';

// Node's TLS is OpenSSL: these pin our client and server against it in process, both versions, both groups.

function ourClient(config: TlsConfig, seed = 7): TlsConnection {
  return new TlsConnection('client', config, Rng.fromSeed(seed).fork('client'));
}

function nodeServerOptions(extra: Record<string, unknown> = {}) {
  const id = generateTlsIdentity(Rng.fromSeed(99).fork('node-cert'), 'node.test');
  return { isServer: true as const, ...identityPem(id), ...extra };
}

describe('our TLS client against Node (OpenSSL) as the server', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`completes a ${version} handshake and carries data both ways`, async () => {
      const c = ourClient({ serverName: 'node.test', alpn: ['h2', 'http/1.1'] });
      const peer = new NodeTlsPeer(c, nodeServerOptions({ minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'] }));
      peer.socket.on('data', (d: Buffer) => peer.socket.write(`echo:${d.toString()}`));
      c.start();
      expect(await peer.run(() => c.state === 'open' && peer.secure)).toBe(true);
      c.write(new TextEncoder().encode('ping'));
      expect(await peer.run(() => peer.ourText() === 'echo:ping')).toBe(true);
      expect(peer.socket.getProtocol()).toBe(version);
      expect(peer.socket.alpnProtocol).toBe('http/1.1');
      expect((peer.socket as unknown as { servername: string }).servername).toBe('node.test');
      expect(c.negotiated?.alpn).toBe('http/1.1');
      // the key log lines OpenSSL wrote are ours, line for line (labels and secrets)
      expect(new Set(peer.ourSecrets())).toEqual(new Set(peer.keyLog));
      peer.destroy();
    });
  }

  it('answers a HelloRetryRequest when the server only takes P-256', async () => {
    const c = ourClient({ keyShares: ['x25519'] });
    const peer = new NodeTlsPeer(c, nodeServerOptions({ minVersion: 'TLSv1.3', ecdhCurve: 'P-256' }));
    c.start();
    expect(await peer.run(() => c.state === 'open' && peer.secure)).toBe(true);
    expect(peer.ours.some((o) => o.type === 'note' && o.note.kind === 'tls.hello-retry')).toBe(true);
    expect(new Set(peer.ourSecrets())).toEqual(new Set(peer.keyLog));
    peer.destroy();
  });

  for (const suite of ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const) {
    it(`negotiates ${suite}`, async () => {
      const c = ourClient({ cipherSuites: [suite] });
      const peer = new NodeTlsPeer(c, nodeServerOptions({ minVersion: 'TLSv1.3' }));
      peer.socket.on('data', (d: Buffer) => peer.socket.write(d));
      c.start();
      expect(await peer.run(() => c.state === 'open' && peer.secure)).toBe(true);
      c.write(new Uint8Array(40_000).fill(0x61));
      expect(await peer.run(() => peer.ourText().length === 40_000)).toBe(true);
      expect(peer.socket.getCipher().standardName).toBe(suite);
      peer.destroy();
    });
  }
});

describe('our TLS client against a server with an RSA certificate (made by openssl)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-rsa-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '30', '-nodes', '-subj', '/CN=rsa.test'], { stdio: 'ignore' });
  const rsa = { isServer: true as const, key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };

  for (const [version, suite] of [['TLSv1.3', 'TLS_AES_128_GCM_SHA256'], ['TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']] as const) {
    it(`${version}: checks the RSA signature (${version === 'TLSv1.3' ? 'RSA-PSS CertificateVerify' : 'ServerKeyExchange'}) and carries data`, async () => {
      const c = ourClient({});
      const peer = new NodeTlsPeer(c, { ...rsa, minVersion: version, maxVersion: version });
      peer.socket.on('data', (d: Buffer) => peer.socket.write(`echo:${d.toString()}`));
      c.start();
      expect(await peer.run(() => c.state === 'open' && peer.secure)).toBe(true);
      c.write(new TextEncoder().encode('ping'));
      expect(await peer.run(() => peer.ourText() === 'echo:ping')).toBe(true);
      expect(peer.socket.getCipher().standardName).toBe(suite);
      expect(peer.ours.some((o) => o.type === 'note' && o.note.kind === 'tls.certificate' && o.note.text.includes('RSA 2048'))).toBe(true);
      peer.destroy();
    });
  }
});

describe('Node (OpenSSL) as the client against our TLS server', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`completes a ${version} handshake and carries data both ways`, async () => {
      const s = new TlsConnection('server', { alpn: ['http/1.1'], serverName: 'ours.test' }, Rng.fromSeed(3).fork('server'));
      s.start();
      const peer = new NodeTlsPeer(s, { isServer: false, minVersion: version, maxVersion: version, servername: 'ours.test', ALPNProtocols: ['h2', 'http/1.1'] });
      expect(await peer.run(() => s.state === 'open' && peer.secure)).toBe(true);
      peer.socket.write('hello');
      expect(await peer.run(() => peer.ourText() === 'hello')).toBe(true);
      s.write(new TextEncoder().encode('world'));
      expect(await peer.run(() => peer.text() === 'world')).toBe(true);
      expect(peer.socket.getProtocol()).toBe(version);
      expect(peer.socket.alpnProtocol).toBe('http/1.1');
      expect(s.negotiated?.sni).toBe('ours.test');
      expect(peer.socket.getPeerX509Certificate()?.subject).toBe('CN=ours.test');
      expect(new Set(peer.ourSecrets())).toEqual(new Set(peer.keyLog));
      s.close();
      expect(await peer.run(() => peer.ended)).toBe(true);
      peer.destroy();
    });
  }

  it('sends a HelloRetryRequest to a client whose only share is X25519 when it takes P-256 only', async () => {
    const s = new TlsConnection('server', { groups: ['p256'] }, Rng.fromSeed(4).fork('server'));
    s.start();
    const peer = new NodeTlsPeer(s, { isServer: false, minVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256' });
    expect(await peer.run(() => s.state === 'open' && peer.secure)).toBe(true);
    expect(peer.ours.some((o) => o.type === 'note' && o.note.kind === 'tls.hello-retry')).toBe(true);
    peer.destroy();
  });

  it('takes and answers a KeyUpdate from OpenSSL', async () => {
    const s = new TlsConnection('server', {}, Rng.fromSeed(5).fork('server'));
    s.start();
    const peer = new NodeTlsPeer(s, { isServer: false, minVersion: 'TLSv1.3' });
    expect(await peer.run(() => s.state === 'open' && peer.secure)).toBe(true);
    s.keyUpdate(true);
    s.write(new TextEncoder().encode('after-update'));
    expect(await peer.run(() => peer.text() === 'after-update')).toBe(true);
    peer.socket.write('reply');
    expect(await peer.run(() => peer.ourText() === 'reply')).toBe(true);
    peer.destroy();
  });
});
