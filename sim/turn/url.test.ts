// TURN URIs as browsers take them (RFC 7065) and the order browsers gather from them in.
import { describe, expect, it } from 'vitest';
import { browserOrder, formatTurnUrl, parseTurnUrl } from './url.ts';

describe('TURN URLs (RFC 7065 §3.1)', () => {
  it('reads the transport from the scheme and ?transport, and the default ports', () => {
    expect(parseTurnUrl('turn:198.51.100.10')).toEqual({ server: { ip: '198.51.100.10', port: 3478 }, transport: 'udp' });
    expect(parseTurnUrl('turn:198.51.100.10:3478?transport=udp')).toEqual({ server: { ip: '198.51.100.10', port: 3478 }, transport: 'udp' });
    expect(parseTurnUrl('turn:198.51.100.10:80?transport=tcp')).toEqual({ server: { ip: '198.51.100.10', port: 80 }, transport: 'tcp' });
    expect(parseTurnUrl('turns:198.51.100.10')).toEqual({ server: { ip: '198.51.100.10', port: 5349 }, transport: 'tls' });
    expect(parseTurnUrl('turns:198.51.100.10:443?transport=tcp')).toEqual({ server: { ip: '198.51.100.10', port: 443 }, transport: 'tls' });
    expect(parseTurnUrl('TURN:[2001:db8::10]:3478?transport=TCP')).toEqual({ server: { ip: '2001:db8::10', port: 3478 }, transport: 'tcp' });
  });

  it('names what is wrong with a bad URL', () => {
    expect(parseTurnUrl('stun:198.51.100.10')).toEqual({ error: expect.stringMatching(/^expected "turn:address\[:port\]/) });
    expect(parseTurnUrl('turn:turn.example.org:3478')).toEqual({ error: '"turn.example.org" in "turn:turn.example.org:3478" is not an IP address (the lab has no DNS)' });
    expect(parseTurnUrl('turn:198.51.100.10:3478?transport=sctp')).toEqual({ error: 'transport=sctp in "turn:198.51.100.10:3478?transport=sctp": RFC 7065 allows udp or tcp' });
    expect(parseTurnUrl('turns:198.51.100.10?transport=udp')).toEqual({ error: expect.stringMatching(/turns: runs over TCP/) });
    expect(parseTurnUrl('turn:198.51.100.10:0')).toEqual({ error: 'port 0 in "turn:198.51.100.10:0" is not 1–65535' });
  });

  it('formats a server back as a URL', () => {
    expect(formatTurnUrl({ ip: '198.51.100.10', port: 443 }, 'tls')).toBe('turns:198.51.100.10:443?transport=tcp');
    expect(formatTurnUrl({ ip: '2001:db8::1', port: 3478 }, 'tcp')).toBe('turn:[2001:db8::1]:3478?transport=tcp');
  });

  it('orders servers as browsers gather: UDP, then TCP, then TLS, keeping the given order within each', () => {
    const s = [{ n: 1, transport: 'tls' as const }, { n: 2, transport: 'tcp' as const }, { n: 3 }, { n: 4, transport: 'udp' as const }, { n: 5, transport: 'tcp' as const }];
    expect(browserOrder(s).map((x) => x.n)).toEqual([3, 4, 2, 5, 1]);
  });
});
