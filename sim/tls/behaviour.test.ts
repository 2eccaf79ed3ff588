import { describe, expect, it } from 'vitest';
import { certificateFingerprint } from '../crypto/x509.ts';
import { TlsTestPair } from './test-pair.ts';

const enc = new TextEncoder();

function exchange(p: TlsTestPair): void {
  p.client.write(enc.encode('ping'));
  p.pump();
  p.server.write(enc.encode('pong'));
  p.pump();
}

function kinds(p: TlsTestPair, side: 'client' | 'server'): string[] {
  return p.notes(side).map((n) => n.split(':')[0]!);
}

describe('TLS 1.3 handshake', () => {
  it('opens both sides with X25519 and AES-128-GCM by default, with SNI and ALPN, and both log the same five secrets', () => {
    const p = new TlsTestPair({ serverName: 'a.example', alpn: ['h2', 'http/1.1'] }, { alpn: ['http/1.1', 'h2'] }).start();
    expect(p.client.state).toBe('open');
    expect(p.server.state).toBe('open');
    const e = p.client.negotiated!;
    expect([e.version, e.cipherSuite, e.alpn, e.sni]).toEqual([0x0304, 0x1301, 'http/1.1', 'a.example']);
    expect(p.server.negotiated?.sni).toBe('a.example');
    expect(p.secrets('client').sort()).toEqual(p.secrets('server').sort());
    expect(p.secrets('client').map((l) => l.split(' ')[0]).sort()).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
    exchange(p);
    expect(p.received('server')).toBe('ping');
    expect(p.received('client')).toBe('pong');
  });

  it('sends a HelloRetryRequest when the client has no share of a group the server takes, then completes with P-256', () => {
    const p = new TlsTestPair({ keyShares: ['x25519'] }, { groups: ['p256'] }).start();
    expect(p.client.state).toBe('open');
    expect(p.notes('client').filter((n) => n.startsWith('tls.hello-retry'))).toEqual(['tls.hello-retry: HelloRetryRequest: the server wants a secp256r1 key share']);
    expect(kinds(p, 'server')).toContain('tls.hello-retry');
    exchange(p);
    expect(p.received('client')).toBe('pong');
  });

  it('needs no retry when the client sends shares of both groups; the server takes its own first preference', () => {
    const p = new TlsTestPair({ keyShares: ['x25519', 'p256'] }, { groups: ['p256', 'x25519'] }).start();
    expect(kinds(p, 'client')).not.toContain('tls.hello-retry');
    expect(p.notes('server').find((n) => n.startsWith('tls.negotiated'))).toContain('secp256r1');
  });

  for (const suite of ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const) {
    it(`negotiates ${suite} when the server prefers it`, () => {
      const p = new TlsTestPair({}, { cipherSuites: [suite] }).start();
      expect(p.client.negotiated?.tls13?.suite.name).toBe(suite);
      exchange(p);
      expect(p.received('client')).toBe('pong');
    });
  }

  it('fails with handshake_failure when no cipher suite is shared', () => {
    const p = new TlsTestPair({ cipherSuites: ['TLS_AES_128_GCM_SHA256'], versions: ['1.3'] }, { cipherSuites: ['TLS_AES_256_GCM_SHA384'] }).start();
    expect(p.closedWith('server')).toBe('handshake_failure');
    expect(p.closedWith('client')).toBe('handshake_failure');
  });

  it('coalesces the server flight: ServerHello, ChangeCipherSpec, then one protected record for EncryptedExtensions through Finished', () => {
    const p = new TlsTestPair().start();
    const first = p.wire.filter((w) => w.from === 'server')[0]!.bytes;
    const types: number[] = [];
    for (let at = 0; at < first.length; at += 5 + ((first[at + 3]! << 8) | first[at + 4]!)) types.push(first[at]!);
    expect(types).toEqual([22, 20, 23]);
  });

  it('fragments handshake messages across records when the record size is small, and reassembles them', () => {
    const p = new TlsTestPair({ maxFragment: 64 }, { maxFragment: 64 }).start();
    expect(p.client.state).toBe('open');
    const first = p.wire.filter((w) => w.from === 'server')[0]!.bytes;
    let records = 0;
    for (let at = 0; at < first.length; at += 5 + ((first[at + 3]! << 8) | first[at + 4]!)) records++;
    expect(records).toBeGreaterThanOrEqual(9);
    exchange(p);
    expect(p.received('client')).toBe('pong');
  });

  it('reads records split into one-byte reads', () => {
    const p = new TlsTestPair({}, {}, 1, 1).start();
    exchange(p);
    expect(p.received('client')).toBe('pong');
  });

  it('moves keys on with KeyUpdate: a requested update is answered, and data flows both ways after', () => {
    const p = new TlsTestPair().start();
    expect(p.client.keyUpdate(true)).toBe(true);
    p.pump();
    exchange(p);
    expect(p.received('server')).toBe('ping');
    expect(p.received('client')).toBe('pong');
    expect(p.notes('server').filter((n) => n.startsWith('tls.key-update'))).toEqual([
      'tls.key-update: KeyUpdate received (update requested): the peer\'s traffic secret is now #1',
      'tls.key-update: KeyUpdate sent: our traffic secret is now #1',
    ]);
  });

  it('sends the configured number of NewSessionTickets, which the client notes', () => {
    const p = new TlsTestPair({}, { tickets: 2 }).start();
    expect(kinds(p, 'client').filter((k) => k === 'tls.ticket')).toHaveLength(2);
  });

  it('closes with close_notify both ways', () => {
    const p = new TlsTestPair().start();
    p.client.close();
    p.pump();
    expect(p.serverOut.some((o) => o.type === 'end')).toBe(true);
    p.server.close();
    p.pump();
    expect(p.client.state).toBe('closed');
    expect(p.server.state).toBe('closed');
  });

  it('accepts a server whose certificate fingerprint is pinned and refuses one that is not', () => {
    const probe = new TlsTestPair().start();
    const fp = certificateFingerprint(probe.server.config.identity!.chain[0]!);
    expect(new TlsTestPair({ pinnedFingerprints: [fp] }).start().client.state).toBe('open');
    const bad = new TlsTestPair({ pinnedFingerprints: ['00:11'] }).start();
    expect(bad.closedWith('client')).toBe('bad_certificate');
    expect(bad.closedWith('server')).toBe('bad_certificate');
  });

  it('is deterministic: the same seed gives the same bytes on the wire', () => {
    const a = new TlsTestPair({}, {}, 5).start();
    const b = new TlsTestPair({}, {}, 5).start();
    expect(a.wire).toEqual(b.wire);
    expect(new TlsTestPair({}, {}, 6).start().wire).not.toEqual(a.wire);
  });
});

describe('version negotiation and TLS 1.2', () => {
  it('negotiates TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 and the extended master secret, logging CLIENT_RANDOM', () => {
    const p = new TlsTestPair({ alpn: ['http/1.1'] }, { versions: ['1.2'], alpn: ['http/1.1'] }).start();
    expect(p.client.negotiated?.version).toBe(0x0303);
    expect(p.client.negotiated?.cipherSuite).toBe(0xc02b);
    expect(p.client.negotiated?.alpn).toBe('http/1.1');
    expect(p.notes('client').find((n) => n.startsWith('tls.negotiated'))).toContain('extended master secret');
    expect(p.secrets('client')).toEqual(p.secrets('server'));
    expect(p.secrets('client')).toHaveLength(1);
    expect(p.secrets('client')[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
    exchange(p);
    expect(p.received('client')).toBe('pong');
    p.client.close();
    p.pump();
    expect(p.serverOut.some((o) => o.type === 'end')).toBe(true);
  });

  it('lets a TLS 1.2-only client talk to a server that has both', () => {
    const p = new TlsTestPair({ versions: ['1.2'] }, {}).start();
    expect(p.server.negotiated?.version).toBe(0x0303);
    exchange(p);
    expect(p.received('server')).toBe('ping');
  });

  it('fails with protocol_version when the versions do not overlap', () => {
    const p = new TlsTestPair({ versions: ['1.3'] }, { versions: ['1.2'] }).start();
    expect(p.closedWith('server')).toBe('protocol_version');
  });

  it('refuses a TLS 1.2 ServerHello that carries the TLS 1.3 downgrade sentinel (RFC 8446 §4.1.3)', () => {
    // a server that speaks both but is made to choose 1.2 (as if supported_versions had been stripped on the way)
    const p = new TlsTestPair({}, {});
    p.tamper = (from, bytes) => (from === 'client' && bytes[5] === 1 ? stripSupportedVersions(bytes) : bytes);
    p.start();
    expect(p.closedWith('client')).toBe('illegal_parameter');
    expect(p.notes('client').join('\n')).toContain('downgrade sentinel');
  });
});

/** The ClientHello record with supported_versions renamed to an unknown extension (so the server sees TLS 1.2 only). */
function stripSupportedVersions(record: Uint8Array): Uint8Array {
  const out = record.slice();
  for (let i = 5; i + 4 < out.length; i++) if (out[i] === 0x00 && out[i + 1] === 0x2b && out[i + 4] === out[i + 3]! - 1 && out[i + 2] === 0) out[i + 1] = 0xfe;
  return out;
}
