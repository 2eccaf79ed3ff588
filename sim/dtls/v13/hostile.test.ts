// Hostile input to DTLS 1.3 endpoints: truncated, bit-flipped and forged datagrams are counted and dropped, never
// thrown, and an unauthenticated one changes no state (RFC 9147 §4.5.2: invalid records are silently discarded).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { peekUdpDatagram } from '../../wire/ip/udp-datagram.ts';
import { versionedPair } from './test-pair.ts';

const V13 = { versions: ['1.3'] as const, groups13: ['x25519mlkem768', 'x25519'] as const };
const FROM_CLIENT = { ip: '10.0.0.1', port: 5000 };
const FROM_SERVER = { ip: '10.0.0.2', port: 6000 };

function handshakeDatagrams(): { from: 'client' | 'server'; bytes: Uint8Array }[] {
  const { net } = versionedPair({ client: V13, server: V13 });
  net.run(3_000_000);
  const seen = new Set<string>();
  const out: { from: 'client' | 'server'; bytes: Uint8Array }[] = [];
  for (const h of net.trace.hops) {
    const u = peekUdpDatagram(h.bytes);
    if ('error' in u) continue;
    const payload = h.bytes.slice(u.payloadOffset, u.payloadOffset + u.payloadLength);
    const key = `${h.t} ${u.srcPort} ${payload.length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ from: u.srcPort === 5000 ? 'client' : 'server', bytes: payload });
  }
  return out;
}

describe('DTLS 1.3 endpoints under hostile input', () => {
  it('every truncation and 200 random byte flips of every handshake datagram: no throw, and a connected pair stays connected', () => {
    const grams = handshakeDatagrams();
    expect(grams.length).toBeGreaterThan(5);
    const rng = Rng.fromSeed(3);
    const { net, client, server } = versionedPair({ client: V13, server: V13 });
    net.run(3_000_000);
    expect([client.state, server.state]).toEqual(['connected', 'connected']);
    const fresh = versionedPair({ client: V13, server: V13, seed: 2 });
    for (const g of grams) {
      const target = g.from === 'client' ? [server, fresh.server] : [client, fresh.client];
      const from = g.from === 'client' ? FROM_CLIENT : FROM_SERVER;
      const variants: Uint8Array[] = [];
      for (let n = 0; n < g.bytes.length; n += Math.max(1, Math.floor(g.bytes.length / 40))) variants.push(g.bytes.slice(0, n));
      for (let i = 0; i < 200; i++) {
        const m = g.bytes.slice();
        m[rng.int(0, m.length)]! ^= 1 << rng.int(0, 8);
        variants.push(m);
      }
      for (const v of variants) for (const t of target) expect(() => t.handleDatagram(5_000_000, from, from, v)).not.toThrow();
    }
    expect([client.state, server.state]).toEqual(['connected', 'connected']);
    expect(Object.keys(server.dropped).length + Object.keys(client.dropped).length).toBeGreaterThan(0);
  });
});
