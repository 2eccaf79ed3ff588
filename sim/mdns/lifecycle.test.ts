// A name's life in a host's mDNS service (service.ts, probe.ts, cache.ts), RFC 6762: probed three times 250 ms apart
// before it is announced (§8.1), renamed when another host answers for it (§9), deferred a second when it loses a
// simultaneous probe's tiebreak (§8.2), withdrawn with a goodbye (TTL 0, §10.1); the resolver's cache answering a name
// within its TTL without a query, and asking again once it expired (§10); IPv6 sent from the link-local address.
import { describe, expect, it } from 'vitest';
import { Host } from '../net/host.ts';
import { Network } from '../net/network.ts';
import { Switch } from '../net/switch.ts';
import { decodeDnsMessage, DnsType, encodeDnsMessage, MDNS_IPV4, MDNS_IPV6, MDNS_PORT, type DnsMessage } from '../wire/dns/message.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { MdnsService } from './service.ts';
import { tiebreak } from './probe.ts';

interface Heard {
  readonly t: number;
  readonly src: string;
  readonly m: DnsMessage;
}

/** alice and bob with mDNS services, and carol, who listens on 5353 and sends what a test makes her send. */
function segment(v6: { global?: boolean; linkLocal?: boolean } = {}): { net: Network; alice: MdnsService; bob: MdnsService; heard: Heard[]; carolSays: (t: number, m: DnsMessage) => void } {
  const net = new Network(3);
  const lan = net.add(new Switch(net, 'lan'));
  const hosts = ['alice', 'bob', 'carol'].map((name, i) => {
    const h = net.add(new Host(net, name));
    const addresses = [{ ip: `192.168.1.${10 + i}`, prefix: 24 }, ...(v6.global ? [{ ip: `fd00::${10 + i}`, prefix: 64 }] : []), ...(v6.linkLocal ? [{ ip: `fe80::${10 + i}`, prefix: 64 }] : [])];
    const link = net.connect(`${name}-lan`, { node: h, addresses }, { node: lan });
    for (const p of ['0.0.0.0/0', '::/0']) h.routes.add(p, link.a);
    for (const a of addresses) lan.routes.add(`${a.ip}/${a.ip.includes(':') ? 128 : 32}`, link.b);
    return h;
  });
  const carol = hosts[2]!;
  const heard: Heard[] = [];
  const sockets = [['0.0.0.0', MDNS_IPV4], ...(v6.global || v6.linkLocal ? [['::', MDNS_IPV6]] : [])].map(([wild, group]) => {
    carol.groups.add(group!);
    return carol.bindUdp(wild!, MDNS_PORT, true).onDatagram((_from, _to, payload, hop) => {
      const m = decodeDnsMessage(payload);
      const v = peekUdpDatagram(hop.bytes);
      if (!('error' in m) && !('error' in v)) heard.push({ t: net.now, src: v.src, m });
    });
  });
  const carolSays = (t: number, m: DnsMessage): void => void net.scheduler.at(t, 'carol', () => sockets[0]!.send({ ip: MDNS_IPV4, port: MDNS_PORT }, encodeDnsMessage(m), undefined, 255));
  return { net, alice: new MdnsService(net, hosts[0]!, net.rng.fork('alice/mdns')), bob: new MdnsService(net, hosts[1]!, net.rng.fork('bob/mdns')), heard, carolSays };
}

const answer = (name: string, address: string, ttl = 120): DnsMessage => ({ id: 0, response: true, authoritative: true, questions: [], answers: [{ name, type: DnsType.A, cacheFlush: true, ttl, address }] });
const probeOf = (name: string, address: string): DnsMessage => ({ id: 0, response: false, questions: [{ name, type: DnsType.ANY, unicastResponse: true }], answers: [], authorities: [{ name, type: DnsType.A, ttl: 120, address }] });
const notes = (net: Network, kind: string): { t: number; source: string; data: Record<string, unknown> }[] =>
  net.trace.notes.filter((n) => n.kind === kind).map((n) => ({ t: n.t, source: n.source, data: n.data as Record<string, unknown> }));

describe('probing before announcing (RFC 6762 §8)', () => {
  it('probes three times 250 ms apart, QU on the first, the record in the authority section; announces 250 ms after the third', () => {
    const { net, alice, heard } = segment();
    const name = alice.nameFor('192.168.1.10');
    net.run(3_000_000);
    const probes = heard.filter((h) => !h.m.response);
    expect(probes.map((p) => p.t)).toEqual([2_000, 252_000, 502_000]);
    expect(probes.map((p) => p.m.questions[0]!.unicastResponse === true)).toEqual([true, false, false]);
    for (const p of probes) expect(p.m).toMatchObject({ questions: [{ name, type: DnsType.ANY }], answers: [], authorities: [{ name, type: DnsType.A, ttl: 120, address: '192.168.1.10' }] });
    expect(heard.filter((h) => h.m.response).map((h) => h.t)).toEqual([752_000, 1_752_000]);
    expect(alice.counters).toMatchObject({ probesSent: 3, responsesSent: 2, conflicts: 0 });
  });

  it('takes a new name when another host answers for it while probing (§9), and announces only the new one', () => {
    const { net, alice, heard, carolSays } = segment();
    const first = alice.nameFor('192.168.1.10');
    carolSays(300_000, answer(first, '192.168.1.99'));
    net.run(3_000_000);
    const second = alice.nameFor('192.168.1.10');
    expect(second).not.toBe(first);
    expect(notes(net, 'mdns.conflict').map((n) => n.data)).toEqual([{ name: first, address: '192.168.1.10', theirs: '192.168.1.99', outcome: 'renamed', renamed: second }]);
    const fromAlice = heard.filter((h) => h.src === '192.168.1.10');
    // two probes for the first name, three for the second from 302 ms, then its announcements
    expect(fromAlice.map((h) => [h.t, h.m.response ? 'announce' : 'probe', (h.m.authorities ?? h.m.answers)[0]!.name === first ? 'first' : 'second'])).toEqual([
      [2_000, 'probe', 'first'], [252_000, 'probe', 'first'],
      [304_000, 'probe', 'second'], [554_000, 'probe', 'second'], [804_000, 'probe', 'second'],
      [1_054_000, 'announce', 'second'], [2_054_000, 'announce', 'second'],
    ]);
  });

  it('renames an announced name another host answers for, too (§9)', () => {
    const { net, alice, carolSays } = segment();
    const first = alice.nameFor('192.168.1.10');
    carolSays(1_000_000, answer(first, '192.168.1.99'));
    net.run(2_000_000);
    expect(alice.nameFor('192.168.1.10')).not.toBe(first);
    // its own announcement heard back is no conflict, nor a record of another type for the name
    expect(alice.counters.conflicts).toBe(1);
    const other = segment();
    const name = other.alice.nameFor('192.168.1.10');
    other.carolSays(300_000, { id: 0, response: true, authoritative: true, questions: [], answers: [{ name, type: DnsType.AAAA, ttl: 120, address: 'fd00::99' }, { name, type: DnsType.TXT, ttl: 120, data: new Uint8Array([0]) }] });
    other.net.run(2_000_000);
    expect([other.alice.counters.conflicts, other.alice.nameFor('192.168.1.10')]).toEqual([0, name]);
  });

  it('defends an announced name against another host\'s probe at once, whatever the one-second rule would hold (§8.1, §6)', () => {
    const { net, alice, heard, carolSays } = segment();
    const name = alice.nameFor('192.168.1.10');
    // the second announcement went at 1.75 s: a QM question at 2 s would wait until 2.75 s; a probe is answered now
    carolSays(2_000_000, { ...probeOf(name, '192.168.1.99'), questions: [{ name, type: DnsType.ANY }] });
    carolSays(2_100_000, { id: 0, response: false, questions: [{ name, type: DnsType.A }], answers: [] });
    net.run(4_000_000);
    expect(heard.filter((h) => h.src === '192.168.1.10' && h.m.response).map((h) => h.t)).toEqual([752_000, 1_752_000, 2_004_000, 2_752_000]);
    expect(alice.nameFor('192.168.1.10')).toBe(name);
  });

  it('settles a simultaneous probe by the tiebreak: the later record wins, the loser probes again a second later (§8.2)', () => {
    expect(tiebreak(answer('x.local', '192.168.1.10').answers[0]!, answer('x.local', '192.168.1.99').answers[0]!)).toBeLessThan(0);
    expect(tiebreak(answer('x.local', '192.168.1.10').answers[0]!, answer('x.local', '192.168.1.10', 0).answers[0]!)).toBe(0);
    const lost = segment();
    const name = lost.alice.nameFor('192.168.1.10');
    lost.carolSays(100_000, probeOf(name, '192.168.1.99'));
    lost.net.run(3_000_000);
    expect(notes(lost.net, 'mdns.conflict').map((n) => n.data['outcome'])).toEqual(['deferred']);
    const probes = lost.heard.filter((h) => h.src === '192.168.1.10' && !h.m.response).map((h) => h.t);
    expect(probes).toEqual([2_000, 1_104_000, 1_354_000, 1_604_000]); // the probe reached alice at 102 ms
    expect(lost.alice.nameFor('192.168.1.10')).toBe(name);
    const won = segment();
    won.alice.nameFor('192.168.1.10');
    won.carolSays(100_000, probeOf(won.alice.nameFor('192.168.1.10'), '192.168.1.2'));
    won.net.run(3_000_000);
    expect(notes(won.net, 'mdns.conflict')).toEqual([]);
    expect(won.heard.filter((h) => h.src === '192.168.1.10' && h.m.response).map((h) => h.t)).toEqual([752_000, 1_752_000]);
  });
});

describe('goodbyes and the cache (RFC 6762 §10)', () => {
  it('answers a name again within its TTL from the cache, asks the link once it expired', () => {
    const { net, alice, bob } = segment();
    const name = alice.nameFor('192.168.1.10');
    const got: [number, string | undefined][] = [];
    for (const t of [1_000_000, 60_000_000, 125_000_000]) net.scheduler.at(t, 'resolve', () => bob.resolve(name, (now, ip) => got.push([now, ip])));
    net.run(130_000_000);
    // 1 s: asked; the second announcement (1.75 s) answers. 60 s: from the cache. 125 s: the record (heard at 1.752 s,
    // TTL 120 s) expired at 121.752 s: asked again, and answered at once (its last multicast was long ago): 2 ms there, 2 ms back
    expect(got).toEqual([[1_752_000, '192.168.1.10'], [60_000_000, '192.168.1.10'], [125_004_000, '192.168.1.10']]);
    expect(bob.counters).toMatchObject({ queriesSent: 4, cacheHits: 1, resolved: 3 });
    expect(notes(net, 'mdns.resolved').map((n) => n.data['fromCache'] ?? false)).toEqual([false, true, false]);
  });

  it('says goodbye when a name is withdrawn: its record with TTL 0, no more answers; a cache drops it a second later', () => {
    const { net, alice, bob, heard } = segment();
    const name = alice.nameFor('192.168.1.10');
    const got: [number, string | undefined][] = [];
    net.scheduler.at(1_000_000, 'resolve', () => bob.resolve(name, (now, ip) => got.push([now, ip])));
    net.scheduler.at(3_000_000, 'withdraw', () => expect(alice.withdraw('192.168.1.10')).toBe(true));
    net.scheduler.at(3_500_000, 'resolve', () => bob.resolve(name, (now, ip) => got.push([now, ip])));
    net.scheduler.at(4_500_000, 'resolve', () => bob.resolve(name, (now, ip) => got.push([now, ip])));
    net.run(10_000_000);
    const bye = heard.filter((h) => h.m.response && h.m.answers[0]!.ttl === 0);
    expect(bye.map((h) => [h.t, h.m.answers])).toEqual([[3_002_000, [{ name, type: DnsType.A, cacheFlush: true, ttl: 0, address: '192.168.1.10' }]]]);
    expect(notes(net, 'mdns.goodbye.sent').map((n) => [n.t, n.data['name']])).toEqual([[3_000_000, name]]);
    // 3.5 s: within the second the goodbye leaves it; 4.5 s: gone, asked, and nobody answers (alice gave the name up)
    expect(got).toEqual([[1_752_000, '192.168.1.10'], [3_500_000, '192.168.1.10'], [7_500_000, undefined]]);
    expect(heard.filter((h) => h.src === '192.168.1.10' && h.t > 3_002_000)).toEqual([]);
    expect(alice.withdraw('192.168.1.10')).toBe(false);
  });

  it('withdraws a name still being probed for without a goodbye (it was never announced)', () => {
    const { net, alice, heard } = segment();
    alice.nameFor('192.168.1.10');
    net.scheduler.at(300_000, 'withdraw', () => alice.withdraw('192.168.1.10'));
    net.run(3_000_000);
    expect(heard.map((h) => [h.t, h.m.response])).toEqual([[2_000, false], [252_000, false]]);
    expect(alice.counters.goodbyesSent).toBe(0);
  });
});

describe('IPv6 mDNS from the link-local address', () => {
  it('sends to ff02::fb from fe80:: when the host has a link-local address, else from its other address', () => {
    for (const [linkLocal, src] of [[true, 'fe80::10'], [false, 'fd00::10']] as const) {
      const { net, alice, heard } = segment({ global: true, linkLocal });
      alice.nameFor('192.168.1.10');
      net.run(1_000_000);
      const v6 = heard.filter((h) => h.src.includes(':'));
      expect(v6.length, `link-local ${linkLocal}`).toBe(4); // three probes and the first announcement
      expect(new Set(v6.map((h) => h.src))).toEqual(new Set([src]));
    }
  });
});
