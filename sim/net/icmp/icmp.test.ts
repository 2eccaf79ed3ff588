// ICMP in the simulated network: a host answers UDP to a closed port with Port Unreachable (rate-limited as Linux
// does), a router answers an expired TTL with Time Exceeded and an oversized DF/IPv6 datagram with Fragmentation
// Needed / Packet Too Big, NATs translate errors back by the quoted datagram's mapping without touching it
// (RFC 5508) and map pings by identifier, sockets are told, nothing answers an error with an error, and tshark
// reads every ICMP datagram we built with the fields we meant.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MS, SECOND } from '../../core/time.ts';
import type { Trace } from '../../core/trace.ts';
import { encodeUdpDatagram } from '../../wire/ip/udp-datagram.ts';
import { writePcapng } from '../../wire/pcap/pcapng-writer.ts';
import { Host, type IcmpErrorReport } from '../host.ts';
import { Network } from '../network.ts';
import { Router } from '../router.ts';
import { sites, twoHosts } from '../test-topology.ts';
import { encodeIcmpError, offendingDatagram } from './errors.ts';
import { readIcmp } from './receive.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-icmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** tshark's view of every ICMP frame: type, code, quoted ports, expert warnings. */
function tsharkIcmp(trace: Trace, name: string): string[] {
  const file = join(dir, `${name}.pcapng`);
  writeFileSync(file, writePcapng(trace));
  const out = execFileSync('tshark', ['-r', file, '-n', '-Y', 'icmp || icmpv6', '-T', 'fields', '-E', 'separator=|', '-e', 'icmp.type', '-e', 'icmp.code', '-e', 'icmpv6.type', '-e', 'icmpv6.code', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'icmp.checksum.status', '-e', 'icmpv6.checksum.status', '-e', '_ws.malformed'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length > 0);
}

const icmpHops = (t: Trace) => t.hops.filter((h) => !('error' in readIcmp(h.bytes)));

describe('ICMP errors from hosts', () => {
  it('a UDP datagram to a closed port is answered with Port Unreachable, and the sending socket is told', () => {
    const { net, a } = twoHosts({ delay: 5 * MS });
    const reports: IcmpErrorReport[] = [];
    const s = a.bindUdp('10.0.0.1', 5000).onDatagram(() => {}).onIcmpError((e) => reports.push(e));
    s.send({ ip: '10.0.0.2', port: 9999 }, new Uint8Array([1, 2, 3]));
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ from: '10.0.0.2', kind: 'unreachable', error: 'Port Unreachable', to: { ip: '10.0.0.2', port: 9999 } });
    expect(trace.hops[0]!.drop).toContain('ICMP Port Unreachable sent');
    expect(trace.notes.filter((n) => n.kind === 'net.icmp.received')).toHaveLength(1);
    if (hasTshark()) expect(tsharkIcmp(trace, 'port-unreachable')).toEqual(['3|3|||5000|9999|1||']);
  });

  it('over IPv6 too: Destination Unreachable, port unreachable (type 1 code 4), tshark verifies the checksum', () => {
    const { net, a } = twoHosts({ delay: 5 * MS });
    const reports: IcmpErrorReport[] = [];
    a.bindUdp('fd00::1', 5000).onDatagram(() => {}).onIcmpError((e) => reports.push(e)).send({ ip: 'fd00::2', port: 9 }, new Uint8Array(10));
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(reports.map((r) => r.kind)).toEqual(['unreachable']);
    if (hasTshark()) expect(tsharkIcmp(trace, 'port-unreachable-v6')).toEqual(['||1|4|5000|9||1|']);
  });

  it('is rate-limited per destination as Linux does: a burst of 6, then one a second', () => {
    const { net, a } = twoHosts({ delay: 1 * MS });
    const s = a.bindUdp('10.0.0.1', 5000).onDatagram(() => {});
    for (let i = 0; i < 20; i++) net.scheduler.at(i * 5 * MS, 'send', () => s.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array(4)));
    net.scheduler.at(1200 * MS, 'send', () => s.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array(4)));
    net.run(2 * SECOND);
    const trace = net.finish();
    expect(icmpHops(trace)).toHaveLength(7);
    const b = trace.nodes.find((n) => n.name === 'b')!;
    expect(b.details?.['icmp']).toMatchObject({ errorsSent: 7, rateLimited: 14 });
  });

  it('never answers an ICMP error with one, even about a closed port', () => {
    const { net, a, b } = twoHosts({ delay: 1 * MS });
    // b sends a Port Unreachable quoting a datagram a never sent from a bound socket: a drops it and says nothing
    const s = a.bindUdp('10.0.0.1', 5000).onDatagram(() => {});
    s.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array(4));
    s.close();
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(icmpHops(trace)).toHaveLength(1);
    expect(trace.notes.find((n) => n.kind === 'net.icmp.received')?.data).toMatchObject({ delivered: false });
    void b;
  });
});

/** a (10.1.0.1) — r — b (10.2.0.1), r with an address on each side; the r–b link's MTU is `mtu`. */
function routed(mtu = 1500): { net: Network; a: Host; b: Host; r: Router } {
  const net = new Network(7);
  const a = net.add(new Host(net, 'a'));
  const b = net.add(new Host(net, 'b'));
  const r = net.add(new Router(net, 'r'));
  const ar = net.connect('a-r', { node: a, addresses: [{ ip: '10.1.0.1', prefix: 24 }, { ip: 'fd01::1', prefix: 64 }] }, { node: r, addresses: [{ ip: '10.1.0.254', prefix: 24 }, { ip: 'fd01::fe', prefix: 64 }] }, { delay: 2 * MS });
  const rb = net.connect('r-b', { node: r, addresses: [{ ip: '10.2.0.254', prefix: 24 }, { ip: 'fd02::fe', prefix: 64 }] }, { node: b, addresses: [{ ip: '10.2.0.1', prefix: 24 }, { ip: 'fd02::1', prefix: 64 }] }, { delay: 2 * MS, mtu });
  a.routes.add('0.0.0.0/0', ar.a);
  a.routes.add('::/0', ar.a);
  b.routes.add('0.0.0.0/0', rb.b);
  b.routes.add('::/0', rb.b);
  r.routes.add('10.1.0.0/24', ar.b);
  r.routes.add('fd01::/64', ar.b);
  r.routes.add('10.2.0.0/24', rb.a);
  r.routes.add('fd02::/64', rb.a);
  return { net, a, b, r };
}

describe('ICMP errors from routers', () => {
  it('an expired TTL is answered with Time Exceeded from the router’s address toward the sender', () => {
    const { net, a } = routed();
    const reports: IcmpErrorReport[] = [];
    a.bindUdp('10.1.0.1', 33434).onDatagram(() => {}).onIcmpError((e) => reports.push(e));
    a.interfaces[0]!.send(encodeUdpDatagram({ src: '10.1.0.1', dst: '10.2.0.1', srcPort: 33434, dstPort: 33435, payload: new Uint8Array(8), ttl: 1 }), net.trace.newPacketId());
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(reports).toEqual([expect.objectContaining({ from: '10.1.0.254', kind: 'time-exceeded', to: { ip: '10.2.0.1', port: 33435 } })]);
    expect(trace.hops[0]!.drop).toContain('ICMP Time Exceeded sent');
    if (hasTshark()) expect(tsharkIcmp(trace, 'time-exceeded')).toEqual(['11|0|||33434|33435|1||']);
  });

  it('a DF datagram over the next hop’s MTU gets Fragmentation Needed with that MTU; IPv6 gets Packet Too Big', () => {
    const { net, a } = routed(1280);
    const reports: IcmpErrorReport[] = [];
    const s = a.bindUdp('::', 4000).onDatagram(() => {}).onIcmpError((e) => reports.push(e));
    s.send({ ip: 'fd02::1', port: 4001 }, new Uint8Array(1300));
    const df = encodeUdpDatagram({ src: '10.1.0.1', dst: '10.2.0.1', srcPort: 4000, dstPort: 4001, payload: new Uint8Array(1400) });
    df[6] = 0x40; // Don't Fragment
    df[10] = 0;
    df[11] = 0;
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (df[i]! << 8) | df[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    df[10] = (~sum >> 8) & 0xff;
    df[11] = ~sum & 0xff;
    a.interfaces[0]!.send(df, net.trace.newPacketId());
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(reports.map((r) => [r.kind, r.mtu, r.from])).toEqual([
      ['too-big', 1280, 'fd01::fe'],
      ['too-big', 1280, '10.1.0.254'],
    ]);
    if (hasTshark()) expect(tsharkIcmp(trace, 'too-big').sort()).toEqual(['||2|0|4000|4001||1|', '3|4|||4000|4001|1||'].sort());
  });

  it('a router answers ping, and UDP to itself with Port Unreachable', () => {
    const { net, a } = routed();
    const replies: number[] = [];
    a.echoReplyHandler = (from, _id, seq) => replies.push(seq) && void from;
    a.sendEcho('10.1.0.254', 0x4242, 1, new Uint8Array(56));
    a.sendEcho('10.2.0.254', 0x4242, 2, new Uint8Array(56));
    net.run(1 * SECOND);
    expect(replies).toEqual([1, 2]);
  });
});

describe('ICMP through NATs (RFC 5508)', () => {
  const world = () =>
    sites([
      { host: 'alice', ip: '192.168.1.10', nat: { name: 'natA', external: '203.0.113.1' }, link: { delay: 5 * MS } },
      { host: 'server', ip: '198.51.100.7', link: { delay: 5 * MS } },
    ]);

  it('an error from outside is translated back to the inside socket by the quoted datagram’s mapping, which it does not refresh', () => {
    const { net, hosts, nats } = world();
    const reports: IcmpErrorReport[] = [];
    const s = hosts['alice']!.bindUdp('192.168.1.10', 5000).onDatagram(() => {}).onIcmpError((e) => reports.push(e));
    s.send({ ip: '198.51.100.7', port: 3478 }, new Uint8Array(20));
    let expiresBefore = 0;
    net.scheduler.at(8 * MS, 'peek', () => (expiresBefore = nats['natA']!.table.mappings()[0]!.expires));
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(reports).toEqual([expect.objectContaining({ from: '198.51.100.7', kind: 'unreachable', to: { ip: '198.51.100.7', port: 3478 } })]);
    expect(nats['natA']!.table.mappings()[0]!.expires).toBe(expiresBefore);
    // the ICMP as alice got it: outer to 192.168.1.10, the quoted datagram from 192.168.1.10:5000, checksums right
    const last = trace.hops.filter((h) => h.to === 'alice').at(-1)!;
    const m = readIcmp(last.bytes);
    expect('error' in m ? m.error : m.type).toBe('error');
    if (!('error' in m) && m.type === 'error') expect(m.quoted).toMatchObject({ src: '192.168.1.10', srcPort: 5000, dst: '198.51.100.7', dstPort: 3478 });
    if (hasTshark()) expect(tsharkIcmp(trace, 'nat-error').every((l) => l.endsWith('|1||'))).toBe(true);
  });

  it('an error quoting a datagram no mapping matches is dropped at the NAT', () => {
    const { net, hosts } = world();
    // a forged Port Unreachable about 203.0.113.1:6000, for which natA holds no mapping
    const inner = encodeUdpDatagram({ src: '203.0.113.1', dst: '198.51.100.7', srcPort: 6000, dstPort: 53, payload: new Uint8Array(4) });
    hosts['server']!.interfaces[0]!.send(encodeIcmpError({ kind: 'port-unreachable' }, inner, offendingDatagram(inner)!, '198.51.100.7'), net.trace.newPacketId());
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(trace.hops.filter((h) => h.to === 'alice')).toEqual([]);
    expect(trace.hops.at(-1)!.drop).toContain('no mapping matches the datagram it quotes');
  });

  it('a ping from inside gets an ICMP query mapping by identifier, and the reply comes back through it', () => {
    const { net, hosts, nats } = world();
    const replies: string[] = [];
    hosts['alice']!.echoReplyHandler = (from, id, seq) => void replies.push(`${from} ${id} ${seq}`);
    hosts['alice']!.sendEcho('198.51.100.7', 0x1234, 1, new Uint8Array(56));
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(replies).toEqual(['198.51.100.7 4660 1']);
    expect(nats['natA']!.icmpTable.mappings()).toHaveLength(1);
    expect(trace.notes.some((n) => n.kind === 'nat.mapping.created' && (n.data as { protocol?: string }).protocol === 'icmp')).toBe(true);
    if (hasTshark()) expect(tsharkIcmp(trace, 'nat-ping').length).toBe(6);
  });
});

describe('ICMP through stateful firewalls', () => {
  const world = () =>
    sites([
      { host: 'carol', ip: '203.0.113.30', firewall: { name: 'fw', preset: 'drop-all-inbound' }, link: { delay: 5 * MS } },
      { host: 'server', ip: '198.51.100.7', link: { delay: 5 * MS } },
    ]);

  it('lets in an ICMP error related to a flow started inside, and a ping’s reply, and nothing unrelated', () => {
    const { net, hosts } = world();
    const reports: IcmpErrorReport[] = [];
    hosts['carol']!.bindUdp('203.0.113.30', 5000).onDatagram(() => {}).onIcmpError((e) => reports.push(e)).send({ ip: '198.51.100.7', port: 9 }, new Uint8Array(4));
    const replies: number[] = [];
    hosts['carol']!.echoReplyHandler = (_f, _id, seq) => void replies.push(seq);
    hosts['carol']!.sendEcho('198.51.100.7', 7, 1, new Uint8Array(8));
    // an error about a flow carol never started: dropped by the default policy
    const inner = encodeUdpDatagram({ src: '203.0.113.30', dst: '198.51.100.7', srcPort: 6000, dstPort: 53, payload: new Uint8Array(4) });
    net.scheduler.at(100 * MS, 'forge', () => hosts['server']!.interfaces[0]!.send(encodeIcmpError({ kind: 'port-unreachable' }, inner, offendingDatagram(inner)!, '198.51.100.7'), net.trace.newPacketId()));
    net.run(1 * SECOND);
    const trace = net.finish();
    expect(reports.map((r) => r.kind)).toEqual(['unreachable']);
    expect(replies).toEqual([1]);
    expect(trace.hops.at(-1)!.drop).toMatch(/^fw: firewall: firewall rule "drop-inbound.*ICMP error .* no tracked flow/);
  });
});
