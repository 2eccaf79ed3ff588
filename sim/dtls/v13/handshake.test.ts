import { describe, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { versionedPair } from './test-pair.ts';

const V13 = { versions: ['1.3'] as const };
const BOTH = { versions: ['1.3', '1.2'] as const };
const notes = (net: ReturnType<typeof versionedPair>['net'], kind: string) => net.trace.notes.filter((n) => n.kind === kind);

describe('DTLS 1.3 between two simulated endpoints (RFC 9147)', () => {
  it('completes with a stateless HelloRetryRequest cookie, X25519, mutual certificates, and agrees on SRTP keys', () => {
    const { net, client, server } = versionedPair({ client: V13, server: V13 });
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    expect(notes(net, 'dtls.flight.sent').map((n) => n.data?.flight)).toEqual([1, 2, 3, 4, 5]);
    expect(notes(net, 'dtls.flight.retransmit')).toEqual([]);
    expect(notes(net, 'dtls.ack').map((n) => n.data?.direction)).toEqual(['sent', 'received']);
    expect(client.fingerprintVerified && server.fingerprintVerified).toBe(true);
    const a = client.session.srtpKeyingMaterial()!;
    expect(a.length).toBe(60);
    expect(toHex(a)).toBe(toHex(server.session.srtpKeyingMaterial()!));
    const labels = net.trace.secrets.filter((s) => s.kind === 'nss-keylog').map((s) => s.text.split(' ')[0]);
    expect(new Set(labels)).toEqual(new Set(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']));
    expect(notes(net, 'dtls.version').map((n) => n.data?.group)).toEqual(['x25519', 'x25519']);
  });

  it('without the cookie exchange: one round trip fewer', () => {
    const { net, client, server } = versionedPair({ client: V13, server: { ...V13, cookieExchange: false } });
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    expect(notes(net, 'dtls.flight.sent').map((n) => n.data?.flight)).toEqual([1, 4, 5]);
  });

  it('P-256 by HelloRetryRequest when the client sent only an X25519 share and the server prefers P-256', () => {
    const { net, client, server } = versionedPair({ client: V13, server: { ...V13, cookieExchange: false, groups13: ['p256'] } });
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    expect(notes(net, 'dtls.hello-retry').map((n) => n.data?.group)).toEqual(['secp256r1', 'secp256r1']);
  });

  it('X25519MLKEM768: the ClientHello spans two datagrams and the keys agree', () => {
    const hybrid = { versions: ['1.3'] as const, groups13: ['x25519mlkem768', 'x25519'] as const };
    const { net, client, server } = versionedPair({ client: hybrid, server: hybrid });
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    const ch = notes(net, 'dtls.flight.sent')[0]!;
    expect(ch.data?.datagrams).toBe(2);
    expect(notes(net, 'dtls.version').map((n) => n.data?.group)).toEqual(['X25519MLKEM768', 'X25519MLKEM768']);
    expect(toHex(client.session.srtpKeyingMaterial()!)).toBe(toHex(server.session.srtpKeyingMaterial()!));
  });

  it('a client offering 1.3 and 1.2 goes on as DTLS 1.2 against a 1.2-only server (HelloVerifyRequest)', () => {
    const { net, client, server } = versionedPair({ client: BOTH });
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    expect(toHex(client.session.srtpKeyingMaterial()!)).toBe(toHex(server.session.srtpKeyingMaterial()!));
    expect(notes(net, 'dtls.version')[0]!.data?.version).toBe('DTLS 1.2');
  });

  it('falls back the same when its remote came by setRemote, as over ICE (werift found the 1.2 endpoint waiting for one)', () => {
    const { net, client, server } = versionedPair({ client: BOTH, remoteBySetRemote: true });
    net.run(5_000_000);
    expect([client.state, server.state]).toEqual(['connected', 'connected']);
    expect(toHex(client.session.srtpKeyingMaterial()!)).toBe(toHex(server.session.srtpKeyingMaterial()!));
  });

  it('a 1.3+1.2 server serves a 1.2-only client as DTLS 1.2 with the downgrade sentinel in its random', () => {
    const { net, client, server } = versionedPair({ server: BOTH });
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    const sr = (server.session as { serverRandom: Uint8Array }).serverRandom;
    expect(toHex(sr.subarray(24))).toBe('444f574e47524401');
  });

  it('a 1.3-only client refuses a 1.2-only server', () => {
    const { net, client } = versionedPair({ client: V13 });
    net.run(5_000_000);
    expect(client.state).toBe('failed');
    expect(client.reason).toMatch(/DTLS 1.2 is not offered/);
  });

  it('a wrong fingerprint fails the 1.3 handshake with bad_certificate', () => {
    const { net, client } = versionedPair({ client: V13, server: V13, wrongFingerprint: true });
    net.run(5_000_000);
    expect(client.state).toBe('failed');
    expect(notes(net, 'dtls.fingerprint.mismatch')).toHaveLength(1);
  });
});
