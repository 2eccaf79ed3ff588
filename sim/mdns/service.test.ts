// A host's mDNS service (service.ts) on a two-host segment: it answers a QU question at once by unicast (RFC 6762
// §5.4), a QM one by multicast no sooner than a second after the record's last multicast (§6), stays silent for a name
// or a type it does not have, and notes a malformed datagram instead of failing.
import { describe, expect, it } from 'vitest';
import { Host } from '../net/host.ts';
import { Network } from '../net/network.ts';
import { Switch } from '../net/switch.ts';
import { decodeDnsMessage, DnsType, encodeDnsMessage, MDNS_IPV4, MDNS_PORT, type DnsMessage } from '../wire/dns/message.ts';
import { MdnsService } from './service.ts';

function segment(): { net: Network; alice: MdnsService; bob: Host; heard: { t: number; from: string; to: string; m: DnsMessage }[] } {
  const net = new Network(7);
  const lan = net.add(new Switch(net, 'lan'));
  const hosts = ['alice', 'bob'].map((name, i) => {
    const h = net.add(new Host(net, name));
    const link = net.connect(`${name}-lan`, { node: h, addresses: [{ ip: `192.168.1.${10 + i}`, prefix: 24 }] }, { node: lan });
    h.routes.add('0.0.0.0/0', link.a);
    lan.routes.add(`192.168.1.${10 + i}/32`, link.b);
    return h;
  });
  const bob = hosts[1]!;
  const heard: { t: number; from: string; to: string; m: DnsMessage }[] = [];
  bob.groups.add(MDNS_IPV4);
  bob.bindUdp('0.0.0.0', MDNS_PORT, true).onDatagram((from, to, payload) => {
    const m = decodeDnsMessage(payload);
    if (!('error' in m)) heard.push({ t: net.now, from: from.ip, to: to.ip, m });
  });
  return { net, alice: new MdnsService(net, hosts[0]!, net.rng.fork('alice/mdns')), bob, heard };
}

const query = (name: string, type: number, unicastResponse: boolean): Uint8Array => encodeDnsMessage({ id: 0, response: false, questions: [{ name, type, ...(unicastResponse ? { unicastResponse } : {}) }], answers: [] });

describe('a host mDNS responder', () => {
  it('answers QU at once by unicast, QM by multicast after the 1 s rule, and nothing for other names or types', () => {
    const { net, alice, bob, heard } = segment();
    const name = alice.nameFor('192.168.1.10');
    expect(alice.nameFor('192.168.1.10')).toBe(name); // one name per address
    const ask = bob.bindUdp('0.0.0.0', 40000);
    // after probing (0, 250, 500 ms) and the first announcement (750 ms)
    net.scheduler.at(1_100_000, 'qu', () => ask.send({ ip: MDNS_IPV4, port: MDNS_PORT }, query(name, DnsType.A, true), undefined, 255));
    net.scheduler.at(1_200_000, 'qm', () => ask.send({ ip: MDNS_IPV4, port: MDNS_PORT }, query(name, DnsType.A, false), undefined, 255));
    net.scheduler.at(1_300_000, 'other', () => ask.send({ ip: MDNS_IPV4, port: MDNS_PORT }, query('someone-else.local', DnsType.A, false), undefined, 255));
    net.scheduler.at(1_400_000, 'aaaa', () => ask.send({ ip: MDNS_IPV4, port: MDNS_PORT }, query(name, DnsType.AAAA, false), undefined, 255));
    const unicast: number[] = [];
    ask.onDatagram((_from, _to, payload) => {
      const m = decodeDnsMessage(payload);
      if (!('error' in m) && m.response) unicast.push(net.now);
    });
    net.run(5_000_000);
    // to the group: the two announcements (0.75 s, 1.75 s) and the QM answer held to 2.75 s; the QU answer went to
    // bob's port 40000 (each link of the segment takes 1 ms: 2 ms host to host)
    expect(heard.filter((h) => h.m.response).map((h) => [h.t, h.to])).toEqual([[752_000, MDNS_IPV4], [1_752_000, MDNS_IPV4], [2_752_000, MDNS_IPV4]]);
    expect(unicast).toEqual([1_104_000]);
    expect(alice.counters).toMatchObject({ queriesAnswered: 2, responsesSent: 4 });
    const notes = net.trace.notes.filter((n) => n.kind === 'mdns.query.received').map((n) => n.text);
    expect(notes).toHaveLength(3);
    expect(notes[2]).toMatch(/no record of that type/);
  });

  it('notes a malformed datagram on 5353 and carries on', () => {
    const { net, alice, bob } = segment();
    alice.nameFor('192.168.1.10');
    const s = bob.bindUdp('0.0.0.0', 40000);
    s.send({ ip: MDNS_IPV4, port: MDNS_PORT }, new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]), undefined, 255);
    net.run(1_000_000);
    expect(net.trace.notes.filter((n) => n.kind === 'mdns.malformed').map((n) => n.text)).toEqual(['alice: an mDNS datagram from 192.168.1.11:40000 is malformed: question 1: compression pointer at byte 12 points forward (to 12)']);
  });

  it('resolves to nothing after 3 s when nobody answers', () => {
    const { net, alice } = segment();
    const got: [number, string | undefined][] = [];
    alice.resolve('nobody.local', (now, ip) => got.push([now, ip]));
    net.run(5_000_000);
    expect(got).toEqual([[3_000_000, undefined]]);
  });

  it('refuses a name that is no DNS name (a hostile candidate) without asking, and without failing', () => {
    const { net, alice } = segment();
    const got: [number, string | undefined][] = [];
    alice.resolve(`${'x'.repeat(64)}.local`, (now, ip) => got.push([now, ip]));
    alice.resolve('.local', (now, ip) => got.push([now, ip]));
    net.run(1_000_000);
    expect(got).toEqual([[0, undefined], [0, undefined]]);
    expect(alice.counters).toMatchObject({ queriesSent: 0, unresolved: 2 });
    expect(net.trace.hops).toEqual([]);
  });
});
