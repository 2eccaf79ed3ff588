// TCP through NATs with real packets (RFC 5382): mappings for connections, idle timeouts by connection phase
// (established ≥ 2 h 4 min, transitory 4 min), an unsolicited SYN dropped without a RST, hairpinning, and TCP
// simultaneous open through two endpoint-independent NATs (hole punching).
import { describe, expect, it } from 'vitest';
import type { Trace } from '../../core/trace.ts';
import { MS, SECOND } from '../../core/time.ts';
import type { TcpConnection } from '../../tcp/connection.ts';
import { segments } from '../tcp-test-support.ts';
import { decodeTcpDatagram } from '../../wire/tcp/tcp-datagram.ts';
import { Host } from '../host.ts';
import { NatBox } from '../nat-box.ts';
import { Network } from '../network.ts';
import { Router } from '../router.ts';
import { TcpHost } from '../tcp-host.ts';
import { sites } from '../test-topology.ts';
import { DEFAULT_NAT_CONFIG, withOverrides, type NatConfigOverrides } from './config.ts';

const MIN = 60 * SECOND;

/** alice (192.168.1.10) behind natA (203.0.113.1) and a public server (198.51.100.10). */
function behindNat(config: NatConfigOverrides = {}) {
  const w = sites([
    { host: 'alice', ip: '192.168.1.10', nat: { name: 'natA', external: '203.0.113.1', config }, link: { delay: 5 * MS } },
    { host: 'server', ip: '198.51.100.10', link: { delay: 5 * MS } },
  ]);
  const alice = new TcpHost(w.net, w.hosts['alice']!);
  const server = new TcpHost(w.net, w.hosts['server']!);
  return { ...w, alice, server, nat: w.nats['natA']! };
}

const kinds = (trace: Trace, kind: string): string[] => trace.notes.filter((n) => n.kind === kind).map((n) => n.text);

/** When the NAT last forwarded a packet (the trace so far, without finishing it). */
const lastThroughNat = (net: Network, nat: string): number => net.trace.hops.filter((h) => h.from === nat).at(-1)!.t;

describe('TCP through a NAT', () => {
  it('a connection from inside gets a mapping; the server sees the external address; phases move opening → established', () => {
    const w = behindNat();
    const seen: string[] = [];
    w.server.listen(443);
    w.server.onEvent((e) => e.type === 'incoming' && seen.push(`${e.listener.accept()!.remote.ip}`));
    const c = w.alice.connect({ ip: '198.51.100.10', port: 443 });
    w.net.run(SECOND);
    expect(c.state).toBe('ESTABLISHED');
    expect(seen).toEqual(['203.0.113.1']);
    const trace = w.net.finish();
    expect(kinds(trace, 'nat.mapping.created')[0]).toMatch(/^natA: TCP mapping created 192\.168\.1\.10:\d+ ⇄ 203\.0\.113\.1:\d+/);
    expect(trace.notes.filter((n) => n.kind === 'nat.tcp.phase').map((n) => n.data?.['phase'])).toEqual(['opening', 'established']);
    // the NAT rewrote real bytes: every TCP checksum on every link still verifies
    for (const h of trace.hops) {
      const l = decodeTcpDatagram(h.bytes);
      expect(l.problems).toEqual([]);
      expect(l.tcp?.value?.checksumStatus).toBe('correct');
    }
    expect(w.nat.tcpTable.mappings()).toHaveLength(1);
    expect(w.nat.table.mappings()).toHaveLength(0);
  });

  it('an idle established connection keeps its mapping for 2 h 4 min, not a second less (RFC 5382 REQ-5)', () => {
    const w = behindNat();
    w.server.listen(443);
    w.alice.connect({ ip: '198.51.100.10', port: 443 });
    w.net.run(SECOND);
    const lastPacket = lastThroughNat(w.net, 'natA');
    w.net.run(lastPacket + 124 * MIN - 1);
    expect(w.nat.tcpTable.mappings()).toHaveLength(1);
    w.net.run(lastPacket + 124 * MIN + 10 * MS);
    expect(w.nat.tcpTable.mappings()).toHaveLength(0);
  });

  it('an unanswered SYN leaves a transitory mapping that lasts 4 minutes', () => {
    const w = behindNat();
    // nothing listens on 198.51.100.99: the SYNs go nowhere (the internet has no route)
    const c = w.alice.connect({ ip: '198.51.100.99', port: 443 });
    w.net.run(SECOND);
    expect(w.nat.tcpTable.mappings()).toHaveLength(1);
    expect(c.state).toBe('SYN-SENT');
    // SYNs at 0, 1, 3, 7, 15, 31, 63 s refresh it; the last one + 4 min ends it
    w.net.run(63 * SECOND + 4 * MIN - 10 * MS);
    expect(w.nat.tcpTable.mappings()).toHaveLength(1);
    w.net.run(63 * SECOND + 4 * MIN + 20 * MS);
    expect(w.nat.tcpTable.mappings()).toHaveLength(0);
    expect(kinds(w.net.finish(), 'nat.mapping.expired').at(-1)).toMatch(/^natA: TCP mapping 192\.168\.1\.10:\d+ ⇄ 203\.0\.113\.1:\d+ expired/);
  });

  it('a closed connection falls back to the transitory timeout', () => {
    const w = behindNat();
    w.server.listen(443);
    w.server.onEvent((e) => e.type === 'end' && e.connection.close(w.net.now));
    const c = w.alice.connect({ ip: '198.51.100.10', port: 443 });
    w.alice.onEvent((e) => e.type === 'connected' && c.close(w.net.now));
    w.net.run(SECOND);
    const last = lastThroughNat(w.net, 'natA');
    expect(w.net.trace.notes.filter((n) => n.kind === 'nat.tcp.phase').map((n) => n.data?.['phase'])).toEqual(['opening', 'established', 'closing']);
    w.net.run(last + 4 * MIN - MS);
    expect(w.nat.tcpTable.mappings()).toHaveLength(1);
    w.net.run(last + 4 * MIN + MS);
    expect(w.nat.tcpTable.mappings()).toHaveLength(0);
  });

  it('an unsolicited SYN from outside is dropped silently: no mapping, no RST (RFC 5382 REQ-4)', () => {
    const w = behindNat();
    w.alice.listen(22);
    const c = w.server.connect({ ip: '203.0.113.1', port: 22 });
    w.net.run(2 * SECOND);
    const trace = w.net.finish();
    expect(c.state).toBe('SYN-SENT');
    expect(segments(trace).filter((x) => x.flags.includes('RST'))).toHaveLength(0);
    expect(trace.hops.filter((h) => h.drop?.startsWith('natA: NAT no mapping'))).toHaveLength(2);
  });
});

describe('TCP hairpinning', () => {
  it('a host reaches its neighbour through the NAT external address, and sees the neighbour as the external address', () => {
    const net = new Network(3);
    const internet = net.add(new Router(net, 'internet'));
    const h1 = net.add(new Host(net, 'h1'));
    const h2 = net.add(new Host(net, 'h2'));
    const server = net.add(new Host(net, 'server'));
    const nat = net.add(new NatBox(net, 'nat', withOverrides(DEFAULT_NAT_CONFIG, {}), 'test', { ip: '192.168.1.1', prefix: 24 }, ['203.0.113.1']));
    for (const [h, ip] of [[h1, '192.168.1.10'], [h2, '192.168.1.20']] as const) {
      const l = net.connect(`${h.name}-nat`, { node: h, addresses: [{ ip, prefix: 24 }] }, { node: nat, addresses: [{ ip: '192.168.1.1', prefix: 24 }] });
      h.routes.add('0.0.0.0/0', l.a);
      nat.routes.add(`${ip}/32`, l.b);
    }
    const wan = net.connect('nat-wan', { node: nat, addresses: [{ ip: '203.0.113.1', prefix: 32 }] }, { node: internet });
    nat.routes.add('0.0.0.0/0', wan.a);
    internet.routes.add('203.0.113.1/32', wan.b);
    const sl = net.connect('server-wan', { node: server, addresses: [{ ip: '198.51.100.10', prefix: 24 }] }, { node: internet });
    server.routes.add('0.0.0.0/0', sl.a);
    internet.routes.add('198.51.100.10/32', sl.b);
    nat.start();
    const t1 = new TcpHost(net, h1);
    const t2 = new TcpHost(net, h2);
    const ts = new TcpHost(net, server);
    ts.listen(80);
    // h1 opens its port 8080 to the world by connecting from it (endpoint-independent mapping: 203.0.113.1:8080)
    t1.listen(8080);
    t1.connect({ ip: '198.51.100.10', port: 80 }, { port: 8080 });
    const peers: string[] = [];
    t1.onEvent((e) => e.type === 'incoming' && peers.push(`${e.listener.accept()!.remote.ip}`));
    net.run(100 * MS);
    const c = t2.connect({ ip: '203.0.113.1', port: 8080 });
    net.run(SECOND);
    expect(c.state).toBe('ESTABLISHED');
    expect(peers).toEqual(['203.0.113.1']);
    expect(nat.stats.hairpinned).toBeGreaterThan(2);
  });
});

describe('TCP hole punching', () => {
  /** alice behind natA, bob behind natB; both NATs endpoint-independent mapping with port-restricted filtering. */
  function twoNats(mapping: 'endpoint-independent' | 'address-and-port-dependent') {
    const config: NatConfigOverrides = { mapping, filtering: 'address-and-port-dependent', portAssignment: mapping === 'endpoint-independent' ? 'preserve' : 'random' };
    const w = sites([
      { host: 'alice', ip: '192.168.1.10', nat: { name: 'natA', external: '203.0.113.1', config }, link: { delay: 10 * MS } },
      { host: 'bob', ip: '192.168.2.20', nat: { name: 'natB', external: '198.51.100.1', config }, link: { delay: 15 * MS } },
    ]);
    return { ...w, alice: new TcpHost(w.net, w.hosts['alice']!), bob: new TcpHost(w.net, w.hosts['bob']!) };
  }

  it('simultaneous open through two endpoint-independent NATs connects, and data flows both ways', () => {
    // each side knows the other's external address:port (as from a rendezvous server) and connects to it at once;
    // alice's first SYN reaches natB before bob's SYN opened its filter, and is dropped there silently
    const w = twoNats('endpoint-independent');
    let a: TcpConnection | undefined;
    let b: TcpConnection | undefined;
    const got = { alice: '', bob: '' };
    w.alice.onEvent((e) => {
      if (e.type === 'connected') a!.write(new TextEncoder().encode('hi bob'));
      if (e.type === 'readable') got.alice += new TextDecoder().decode(a!.read());
    });
    w.bob.onEvent((e) => {
      if (e.type === 'connected') b!.write(new TextEncoder().encode('hi alice'));
      if (e.type === 'readable') got.bob += new TextDecoder().decode(b!.read());
    });
    a = w.alice.connect({ ip: '198.51.100.1', port: 6000 }, { port: 5000 });
    w.net.scheduler.at(40 * MS, 'test: bob punches', () => (b = w.bob.connect({ ip: '203.0.113.1', port: 5000 }, { port: 6000 })));
    w.net.run(5 * SECOND);
    const trace = w.net.finish();
    expect(a.state).toBe('ESTABLISHED');
    expect(b!.state).toBe('ESTABLISHED');
    expect(got).toEqual({ alice: 'hi alice', bob: 'hi bob' });
    expect(trace.hops.filter((h) => h.drop?.startsWith('natB: NAT'))).toHaveLength(1);
    expect(segments(trace).some((x) => x.flags.includes('RST'))).toBe(false);
    expect(trace.notes.filter((n) => n.kind === 'tcp.simultaneous-open').length).toBeGreaterThanOrEqual(1);
  });

  it('with address-and-port-dependent mapping (symmetric NATs) the punched ports are wrong and it fails', () => {
    const w = twoNats('address-and-port-dependent');
    const a = w.alice.connect({ ip: '198.51.100.1', port: 6000 }, { port: 5000 });
    const b = w.bob.connect({ ip: '203.0.113.1', port: 5000 }, { port: 6000 });
    w.net.run(5 * SECOND);
    expect(a.state).toBe('SYN-SENT');
    expect(b.state).toBe('SYN-SENT');
  });
});
