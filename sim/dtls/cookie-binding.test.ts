// The server's stateless cookie is bound to the client's address, or, for DTLS over ICE, to the transport: a client
// that moves to another candidate pair between its two ClientHellos (as Chromium does when ICE switches pairs) is
// refused in the first case and carries on in the second (RFC 6347 §4.2.1, RFC 9147 §5.1, RFC 8842 §5.5).
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { DtlsEndpointOptions } from './config.ts';
import { generateDtlsIdentity } from './identity.ts';
import { createDtlsEndpoint, type AnyDtlsEndpoint } from './v13/factory.ts';

const SERVER = { ip: '10.0.0.2', port: 6000 };
/** The client's first pair's remote address as the server sees it, and the pair it moves to. */
const FIRST = { ip: '192.0.2.2', port: 5000 };
const MOVED = { ip: '127.0.0.1', port: 5001 };
const rng = Rng.fromSeed(41);
const serverId = generateDtlsIdentity(rng.fork('s'), 'server');
const clientId = generateDtlsIdentity(rng.fork('c'), 'client');

function drain(e: AnyDtlsEndpoint, now: number): Uint8Array[] {
  const sent: Uint8Array[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const o = e.poll(now);
    if (o.type === 'transmit') sent.push(o.bytes);
    else if (o.type === 'timeout' || o.type === 'idle') return sent;
  }
  throw new Error('poll did not settle');
}

/**
 * The client's first ClientHello reaches the server from FIRST; everything after the cookie comes from MOVED. Returns
 * both endpoints after the exchange has run to quiet.
 */
function handshakeThatMoves(versions: DtlsEndpointOptions['versions'], cookieBinding: 'address' | 'transport'): { client: AnyDtlsEndpoint; server: AnyDtlsEndpoint; answersToFirst: number; rounds: number } {
  const client = createDtlsEndpoint({ role: 'client', rng: Rng.fromSeed(7), identity: clientId, local: MOVED, remote: SERVER, versions });
  const server = createDtlsEndpoint({ role: 'server', rng: Rng.fromSeed(8), identity: serverId, local: SERVER, versions, cookieBinding });
  const now = 0;
  const first = drain(client, now);
  expect(first.length).toBeGreaterThan(0);
  for (const d of first) server.handleDatagram(now, FIRST, SERVER, d);
  const cookieAnswer = drain(server, now);
  let from: TransportAddress = MOVED;
  let toClient = cookieAnswer;
  let rounds = 0;
  for (; rounds < 20 && toClient.length > 0; rounds++) {
    for (const d of toClient) client.handleDatagram(now, SERVER, MOVED, d);
    const toServer = drain(client, now);
    for (const d of toServer) server.handleDatagram(now, from, SERVER, d);
    from = MOVED;
    toClient = drain(server, now);
  }
  return { client, server, answersToFirst: cookieAnswer.length, rounds };
}

describe('the DTLS cookie across a move between candidate pairs', () => {
  for (const versions of [['1.2'], ['1.3', '1.2']] as const) {
    const v = versions.join('+');
    it(`DTLS ${v}, cookie bound to the transport: the ClientHello with the cookie from the other pair is accepted and the handshake completes`, () => {
      const { client, server, answersToFirst } = handshakeThatMoves(versions, 'transport');
      expect(answersToFirst).toBe(1);
      expect(client.state).toBe('connected');
      expect(server.state).toBe('connected');
      expect(server.remote).toEqual(MOVED);
    });
  }

  it('DTLS 1.2, cookie bound to the address: the moved ClientHello gets a second HelloVerifyRequest, one round trip more', () => {
    const byAddress = handshakeThatMoves(['1.2'], 'address');
    const byTransport = handshakeThatMoves(['1.2'], 'transport');
    expect(byAddress.server.state).toBe('connected');
    expect(byAddress.rounds).toBe(byTransport.rounds + 1);
  });

  it('DTLS 1.3, cookie bound to the address: the moved ClientHello is dropped (a second HelloRetryRequest is not allowed, RFC 8446 §4.1.4) and no state is kept', () => {
    const { client, server } = handshakeThatMoves(['1.3', '1.2'], 'address');
    expect(server.dropped['bad-cookie']).toBeGreaterThan(0);
    expect(client.state).not.toBe('connected');
    expect(server.state).not.toBe('connected');
    expect(server.remote).toBeUndefined();
  });
});
