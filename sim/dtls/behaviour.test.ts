import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import type { Link } from '../net/link.ts';
import type { Network } from '../net/network.ts';
import { decodeDatagram } from '../wire/dtls/datagram.ts';
import { AlertDescription } from '../wire/handshake/names.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { DtlsEndpoint } from './endpoint.ts';
import { dtlsPair } from './test-pair.ts';

const notes = (net: Network, kind: string) => net.trace.notes.filter((n) => n.kind === kind);
const down = (net: Network, link: Link, side: 'a' | 'b', from: number, to: number): void => {
  const iface = side === 'a' ? link.a : link.b;
  const off = (): void => link.setParams(iface, { ...link.params(iface), down: true });
  if (from === 0) off();
  else net.scheduler.at(from, 'link down', off);
  net.scheduler.at(to, 'link up', () => link.setParams(iface, { ...link.params(iface), down: false }));
};

describe('DTLS retransmission (RFC 6347 §4.2.4)', () => {
  it('retransmits the ClientHello after 1 s, then 2 s later, and never the HelloVerifyRequest', () => {
    // Everything the server sends before t = 2.5 s is lost: both HelloVerifyRequests vanish.
    const { net, client, server, link } = dtlsPair();
    down(net, link, 'b', 0, 2_500_000);
    net.run(10_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    const rt = notes(net, 'dtls.flight.retransmit');
    expect(rt.map((n) => [n.source, n.t, n.data?.flight])).toEqual([
      ['client/dtls', 1_000_000, 1],
      ['client/dtls', 3_000_000, 1],
    ]);
    // the server answered each ClientHello statelessly; none of its HelloVerifyRequests was a retransmission
    expect(notes(net, 'dtls.flight.sent').filter((n) => n.source === 'server/dtls' && n.data?.flight === 2)).toHaveLength(3);
  });

  it("retransmits its flight when the peer retransmits its own: the server's flight 4 again brings flight 5 again", () => {
    // Flight 5 (client → server at t = 80 ms) is lost. The server's timer resends flight 4 at 1.06 s; the client,
    // whose own timer is set to 3 s, answers that retransmission with flight 5 at once.
    const { net, client, server, link } = dtlsPair({ client: { initialTimeout: 3_000_000 } });
    down(net, link, 'a', 70_000, 200_000);
    net.run(10_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    const rt = notes(net, 'dtls.flight.retransmit').map((n) => [n.source, n.t, n.data?.flight, n.data?.trigger]);
    expect(rt).toEqual([
      ['server/dtls', 1_060_000, 4, 'timer'],
      ['client/dtls', 1_080_000, 5, 'peer-retransmit'],
    ]);
  });

  it('doubles the timer up to the limit, then gives up', () => {
    const { net, client, link } = dtlsPair({ client: { maxRetransmits: 3 } });
    down(net, link, 'a', 0, 100_000_000);
    net.run(60_000_000);
    expect(notes(net, 'dtls.flight.retransmit').map((n) => n.t)).toEqual([1_000_000, 3_000_000, 7_000_000]);
    expect(client.state).toBe('failed');
    expect(client.reason).toMatch(/timed out/);
    expect(notes(net, 'dtls.state').at(-1)?.t).toBe(15_000_000);
  });

  it('caps the timer at 60 s', () => {
    const { net, link } = dtlsPair({ client: { maxRetransmits: 8 } });
    down(net, link, 'a', 0, 1_000_000_000);
    net.run(400_000_000);
    const times = notes(net, 'dtls.flight.retransmit').map((n) => n.t / 1e6);
    expect(times).toEqual([1, 3, 7, 15, 31, 63, 123, 183]);
  });

  it('completes on a lossy link, retransmitting flights, the same way for the same seed', () => {
    const run = () => {
      const { net, client, server } = dtlsPair({ link: { delay: 30_000, loss: 0.3 }, seed: 3 });
      net.run(60_000_000);
      return { client: client.state, server: server.state, rt: notes(net, 'dtls.flight.retransmit').map((n) => `${n.t}:${n.source}:${n.data?.flight}`) };
    };
    const a = run();
    expect(a.client).toBe('connected');
    expect(a.server).toBe('connected');
    expect(a.rt.length).toBeGreaterThan(0);
    expect(run()).toEqual(a);
  });
});

describe('DTLS fragmentation to the path MTU (RFC 6347 §4.2.3)', () => {
  it('splits flight 4 over several datagrams no larger than the MTU and reassembles it', () => {
    const { net, client, server } = dtlsPair({ client: { mtu: 200 }, server: { mtu: 200 } });
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    expect(server.state).toBe('connected');
    const f4 = notes(net, 'dtls.flight.sent').find((n) => n.data?.flight === 4)!;
    expect(f4.data?.datagrams).toBeGreaterThan(2);
    let fragments = 0;
    for (const h of net.trace.hops) {
      const v = peekUdpDatagram(h.bytes);
      if ('error' in v) throw new Error(v.error);
      expect(v.payloadLength).toBeLessThanOrEqual(200);
      for (const r of decodeDatagram(h.bytes.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength)).value) {
        if (r.content.kind === 'handshake') fragments += r.content.messages.filter((f) => f.fragment.fragmentLength < f.fragment.length).length;
      }
    }
    expect(fragments).toBeGreaterThan(2);
  });
});

describe('DTLS records after the handshake', () => {
  it('delivers application data once and drops a replayed record (RFC 6347 §4.1.2.6)', () => {
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    expect(client.send(utf8Encode('hello'))).toBe(true);
    const out = client.poll(net.now);
    if (out.type !== 'transmit') throw new Error(`expected a transmit, got ${out.type}`);
    server.handleDatagram(net.now, client.local, server.local, out.bytes);
    server.handleDatagram(net.now, client.local, server.local, out.bytes);
    expect(server.takeApplicationData().map(utf8Decode)).toEqual(['hello']);
    expect(server.dropped.replay).toBe(1);
  });

  it('drops a record whose authentication tag was tampered with', () => {
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    client.send(utf8Encode('x'));
    const out = client.poll(net.now);
    if (out.type !== 'transmit') throw new Error('no transmit');
    const bad = out.bytes.slice();
    bad[bad.length - 1]! ^= 1;
    server.handleDatagram(net.now, client.local, server.local, bad);
    expect(server.takeApplicationData()).toEqual([]);
    expect(server.dropped['bad-mac']).toBe(1);
    expect(server.state).toBe('connected');
  });

  it('closes both sides with close_notify', () => {
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    net.scheduler.at(net.now + 1, 'close', () => {
      client.close();
    });
    // the driver only sends what the endpoint queued when it is pumped: deliver by hand
    net.run(net.now + 2);
    const out = client.poll(net.now);
    if (out.type !== 'note') throw new Error(`expected the alert note first, got ${out.type}`);
    const tx = client.poll(net.now);
    if (tx.type !== 'transmit') throw new Error('no transmit');
    server.handleDatagram(net.now, client.local, server.local, tx.bytes);
    expect(client.state).toBe('closed');
    expect(server.state).toBe('closed');
  });
});

describe('fingerprint verification (RFC 5763 §5, RFC 8122)', () => {
  it('fails the connection with a fatal bad_certificate alert when the certificate does not match a=fingerprint', () => {
    // The client was told (by tampered signaling) to expect another certificate than the server's.
    const { net, client, server } = dtlsPair({ wrongFingerprint: 'client' });
    net.run(10_000_000);
    expect(client.state).toBe('failed');
    expect(client.reason).toMatch(/fingerprint/);
    expect(notes(net, 'dtls.fingerprint.mismatch')).toHaveLength(1);
    const alert = notes(net, 'dtls.alert.sent')[0]!;
    expect(alert.data).toEqual({ level: 2, description: AlertDescription.bad_certificate });
    expect(server.state).toBe('failed');
    expect(server.reason).toMatch(/bad_certificate/);
    expect(net.trace.secrets.filter((s) => s.kind === 'srtp')).toEqual([]);
  });

  it('the server checks the client certificate too', () => {
    const { net, client, server } = dtlsPair({ wrongFingerprint: 'server' });
    net.run(10_000_000);
    expect(server.state).toBe('failed');
    expect(client.state).toBe('failed');
  });
});

describe('handing the endpoint a path later (as ICE will)', () => {
  it('a client without a remote address stays idle until setRemote, then sends its ClientHello there', () => {
    const { client } = dtlsPair({});
    const bare = new DtlsEndpoint({
      role: 'client',
      rng: Rng.fromSeed(5),
      identity: client.identity,
      local: { ip: '10.0.0.1', port: 7000 },
    });
    expect(bare.poll(0)).toEqual({ type: 'idle' });
    expect(bare.state).toBe('new');
    bare.setRemote({ ip: '192.0.2.9', port: 9 });
    const out = bare.poll(10);
    expect(out).toMatchObject({ type: 'note', kind: 'dtls.state' });
    const tx = bare.poll(10);
    expect(tx).toMatchObject({ type: 'transmit', to: { ip: '192.0.2.9', port: 9 } });
    expect(bare.state).toBe('connecting');
  });
});
