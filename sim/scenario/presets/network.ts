/**
 * Presets that exercise the network alone: UDP probes between hosts behind each kind of NAT, showing mapping,
 * filtering, hairpinning, expiry and refresh, plus firewalls, double NAT, a lossy link and IPv6.
 * Each returns the scenario's JSON form, so it can be saved, edited and re-run like a file.
 */
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const SERVER = { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24', '198.51.100.11/24'], link: { delay: '20ms' } };
const INTERNET = { kind: 'router' };

function scenario(name: string, title: string, description: string, duration: string, nodes: Json, apps: Json[]): Json {
  return { name, title, description, seed: 1, duration, nodes: { internet: INTERNET, server: SERVER, ...nodes }, apps };
}

const behindNat = (preset: string, extra: Json = {}): Json => ({
  natA: { kind: 'nat', uplink: 'internet', preset, ...extra, internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
  alice: { kind: 'host', uplink: 'natA', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
});

/** Answers from where it was asked, from another port, and from another address (RFC 5780's three tests). */
const PROBE_ECHOES: Json[] = [
  { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3478'], alsoReplyFrom: ['198.51.100.10:3479', '198.51.100.11:3479'] },
  { kind: 'udp-echo', host: 'server', listen: ['198.51.100.11:3478'] },
];

const probe = (bind: string, sends: Json[]): Json => ({ kind: 'udp-probe', host: 'alice', bind, send: sends });
const TWO_SERVERS = [
  { at: '0s', to: '198.51.100.10:3478' },
  { at: '1s', to: '198.51.100.11:3478' },
];

const NAT_PROBES: [string, string, string][] = [
  ['full-cone', 'Full cone NAT', 'Endpoint-independent mapping and filtering: once alice has sent anything, anyone can reach her mapped address. All three replies arrive, and both server addresses see the same mapped port.'],
  ['restricted-cone', 'Restricted cone NAT', 'Endpoint-independent mapping, address-dependent filtering: replies pass only from addresses alice has sent to. The reply from the second server address, sent before alice wrote to it, is dropped.'],
  ['port-restricted-cone', 'Port-restricted cone NAT', 'Endpoint-independent mapping, address-and-port-dependent filtering: only the exact address and port alice sent to may answer.'],
  ['symmetric', 'Symmetric NAT', 'Address-and-port-dependent mapping: each destination gets a new mapped port, so what one server saw is useless to another. Filtering is just as strict.'],
  ['linux-masquerade', 'Linux MASQUERADE', 'A Linux router with iptables MASQUERADE: conntrack keeps the source port when it is free and lets in only the exact remote endpoint.'],
  ['linux-masquerade-random-fully', 'Linux MASQUERADE --random-fully', 'MASQUERADE with --random-fully: the source port is randomized, so the mapped port says nothing about the internal one.'],
  ['cgnat', 'Carrier-grade NAT (RFC 6888)', 'A provider NAT that hands each subscriber a block of ports on one public address, with endpoint-independent mapping and filtering as RFC 6888 asks.'],
];

export function networkPresets(): PresetInfo[] {
  const out: PresetInfo[] = NAT_PROBES.map(([preset, title, description]) => ({
    name: `nat-${preset}`,
    title,
    description,
    build: () => scenario(`nat-${preset}`, title, description, '5s', behindNat(preset), [...PROBE_ECHOES, probe('192.168.1.10:5000', TWO_SERVERS)]),
  }));
  const add = (name: string, title: string, description: string, build: (name: string, title: string, description: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add('open-internet', 'No NAT', 'Alice has a public address: every reply reaches her, and the server sees her real address.', (n, t, d) =>
    scenario(n, t, d, '5s', { alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '11ms' } } }, [
      ...PROBE_ECHOES,
      probe('203.0.113.50:5000', TWO_SERVERS),
    ]),
  );
  add('nat-expiry', 'A NAT mapping expires', 'Alice sends once; the server answers 320 s later, after the 300 s mapping lifetime: the reply finds no mapping and is dropped.', (n, t, d) =>
    expiry(n, t, d, false),
  );
  add('nat-keepalive', 'Keepalives hold a NAT mapping open', 'The same late answer as nat-expiry, but alice sends a keepalive every 60 s: outbound traffic refreshes the mapping and the answer gets through.', (n, t, d) =>
    expiry(n, t, d, true),
  );
  add('nat-hairpin', 'Hairpinning', "Bob, behind the same NAT as alice, sends to alice's public mapped address; the NAT loops it back inside, translating the source too (RFC 4787 REQ-9).", (n, t, d) =>
    hairpin(n, t, d, true),
  );
  add('nat-no-hairpin', 'No hairpinning', "The same as nat-hairpin on a NAT that does not hairpin: bob's datagram to alice's public address is dropped.", (n, t, d) =>
    hairpin(n, t, d, false),
  );
  add('double-nat', 'Double NAT', 'Alice behind a home NAT behind a carrier-grade NAT: each datagram is translated twice, and the server sees only the outer address.', (n, t, d) =>
    scenario(
      n,
      t,
      d,
      '3s',
      {
        cgnat: { kind: 'nat', uplink: 'internet', preset: 'cgnat', internal: '100.64.0.1/10', external: ['203.0.113.20'], link: { delay: '10ms' } },
        home: { kind: 'nat', uplink: 'cgnat', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['100.64.0.42'], link: { delay: '3ms' } },
        alice: { kind: 'host', uplink: 'home', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
      },
      [{ kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3478'] }, probe('192.168.1.10:5000', [{ at: '0s', to: '198.51.100.10:3478' }])],
    ),
  );
  add('traceroute-double-nat', 'Traceroute through a double NAT', "Alice traces the way to the server as Linux traceroute does: three UDP probes to unlikely ports with TTL 1, 2, 3 … Her home NAT and the carrier-grade NAT each lower the TTL to zero in turn and answer Time Exceeded from their inside addresses (RFC 1812 §5.3.1); the CGN's answer reaches the home NAT, which translates it back to alice by the mapping of the probe it quotes (RFC 5508). The internet router has no address of its own and answers nothing (* * *), and the server ends the trace with Port Unreachable.", (n, t, d) =>
    scenario(
      n,
      t,
      d,
      '10s',
      {
        cgnat: { kind: 'nat', uplink: 'internet', preset: 'cgnat', internal: '100.64.0.1/10', external: ['203.0.113.20'], link: { delay: '10ms' } },
        home: { kind: 'nat', uplink: 'cgnat', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['100.64.0.42'], link: { delay: '3ms' } },
        alice: { kind: 'host', uplink: 'home', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
      },
      [{ kind: 'traceroute', host: 'alice', to: '198.51.100.10', maxHops: 8, wait: '1s' }],
    ),
  );
  add('ping-double-nat', 'Ping through a double NAT', "Alice pings the server four times as iputils ping does: Echo Requests with her identifier, one a second, 56 bytes of timestamp and pattern. Her home NAT and the carrier-grade NAT each map the requests by identifier (RFC 5508 §3.1) as they map UDP by port, and translate the replies back; each reply's TTL tells how many routers it crossed. Carol, on the same home network, pings with TTL 2: the CGN lowers it to zero and answers Time Exceeded from its inside address, which the home NAT translates back to carol by the identifier of the request it quotes.", (n, t, d) =>
    scenario(
      n,
      t,
      d,
      '8s',
      {
        cgnat: { kind: 'nat', uplink: 'internet', preset: 'cgnat', internal: '100.64.0.1/10', external: ['203.0.113.20'], link: { delay: '10ms' } },
        home: { kind: 'nat', uplink: 'cgnat', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['100.64.0.42'], link: { delay: '3ms' } },
        alice: { kind: 'host', uplink: 'home', addresses: ['192.168.1.10/24'], link: { delay: '1ms' } },
        carol: { kind: 'host', uplink: 'home', addresses: ['192.168.1.11/24'], link: { delay: '1ms' } },
      },
      [
        { kind: 'ping', host: 'alice', to: '198.51.100.10', count: 4 },
        { kind: 'ping', host: 'carol', to: '198.51.100.10', count: 2, ttl: 2, at: '500ms' },
      ],
    ),
  );
  add('ip-fragmentation-nat', 'A large UDP datagram fragmented, reassembled by a NAT and fragmented again', "Alice sends UDP datagrams carrying 3,000 bytes with Don't Fragment clear (an application that sets IP_PMTUDISC_DONT). Her stack splits each into three fragments for her 1,500-byte link (RFC 791 §2.3: 1,480 data bytes each, offsets in 8-byte units, More Fragments on all but the last). The NAT cannot translate a fragment without ports, so it puts each datagram back together first, as Linux's conntrack does, translates it, and splits it again for its uplink, whose MTU is 1,280: three fragments again, of 1,256, 1,256 and 496 data bytes. The server reassembles them and answers with a small datagram that needs no fragmenting.", (n, t, d) =>
    scenario(
      n,
      t,
      d,
      '4s',
      {
        natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '10.0.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms', mtu: 1280 } },
        alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
      },
      [
        { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:7'] },
        { kind: 'udp-probe', host: 'alice', bind: '10.0.1.10:5000', dontFragment: false, send: [{ at: '0s', to: '198.51.100.10:7', count: 2, interval: '1s', size: 3000 }] },
      ],
    ),
  );
  add('lan-segment', 'A LAN segment', 'Alice and bob share a switch behind a NAT: bob reaches alice directly across the segment (TTL untouched), while alice reaches the server through the NAT.', (n, t, d) =>
    scenario(
      n,
      t,
      d,
      '3s',
      {
        natA: { kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: '192.168.1.1/24', external: ['203.0.113.10'], link: { delay: '10ms' } },
        lan: { kind: 'switch', uplink: 'natA', linkName: 'lan-uplink', link: { delay: '100us' } },
        alice: { kind: 'host', uplink: 'lan', addresses: ['192.168.1.10/24'], link: { delay: '200us' } },
        bob: { kind: 'host', uplink: 'lan', addresses: ['192.168.1.20/24'], link: { delay: '200us' } },
      },
      [
        { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3478'] },
        { kind: 'udp-echo', host: 'alice', listen: ['192.168.1.10:7000'] },
        probe('192.168.1.10:5000', [{ at: '0s', to: '198.51.100.10:3478' }]),
        { kind: 'udp-probe', host: 'bob', bind: '192.168.1.20:6000', send: [{ at: '1s', to: '192.168.1.10:7000' }] },
      ],
    ),
  );
  add('firewall-block-udp', 'A firewall that blocks UDP', 'Alice has a public address but sits behind a firewall that drops all UDP: nothing she sends leaves.', (n, t, d) =>
    firewalled(n, t, d, 'block-udp'),
  );
  add('firewall-drop-inbound', 'A stateful firewall', "Only replies to flows alice started may come in: the server's answer from the port she wrote to passes; the one from another port does not.", (n, t, d) =>
    firewalled(n, t, d, 'drop-all-inbound'),
  );
  add('lossy-link', 'A lossy, jittery link', 'Fifty probes over a 2 Mbit/s path with bursty loss, 15 ms jitter and reordering allowed: some vanish, some overtake others.', (n, t, d) =>
    scenario(
      n,
      t,
      d,
      '5s',
      {
        alice: {
          kind: 'host',
          uplink: 'internet',
          addresses: ['203.0.113.50/24'],
          link: { delay: '30ms', jitter: '15ms', reorder: true, loss: 0.02, burst: { pGoodToBad: 0.05, pBadToGood: 0.4, lossBad: 0.8 }, rate: '2Mbps', queue: 30000 },
        },
      },
      [{ kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3478'] }, probe('203.0.113.50:5000', [{ at: '0s', to: '198.51.100.10:3478', count: 50, interval: '20ms' }])],
    ),
  );
  add('ipv6-direct', 'IPv6 end to end', 'Alice and the server speak IPv6 with global addresses: no NAT, real IPv6 headers with hop limits.', (n, t, d) => ({
    name: n,
    title: t,
    description: d,
    seed: 1,
    duration: '2s',
    nodes: {
      internet: INTERNET,
      server: { kind: 'host', uplink: 'internet', addresses: ['2001:db8:5::10/64'], link: { delay: '20ms' } },
      alice: { kind: 'host', uplink: 'internet', addresses: ['2001:db8:a::10/64'], link: { delay: '10ms' } },
    },
    apps: [
      { kind: 'udp-echo', host: 'server', listen: ['[2001:db8:5::10]:3478'] },
      probe('[2001:db8:a::10]:5000', [{ at: '0s', to: '[2001:db8:5::10]:3478', count: 3, interval: '100ms' }]),
    ],
  }));
  add('ipv6-fragmentation-pmtu', 'IPv6: fragmented at the source after Packet Too Big', "Alice sends UDP datagrams carrying 3,000 bytes to the server over IPv6 from a socket that lets the stack fragment (IPV6_PMTUDISC_WANT, Linux's default). IPv6 routers never fragment (RFC 8200 §4.5): her host splits each datagram itself, with a Fragment header, to fit the path MTU it knows, at first her own link's 1,500 bytes. Her router's tunnel carries only 1,280 (the IPv6 minimum), so it drops both 1,496-byte fragments of the first datagram and answers each with ICMPv6 Packet Too Big (MTU 1280); her host lowers its path MTU to the server (RFC 8201), the first datagram is lost (UDP does not resend), and the next two leave in three fragments of at most 1,280 bytes that the server puts back together (RFC 8200 §4.5 reassembly) and answers.", (n, t, d) => ({
    name: n,
    title: t,
    description: d,
    seed: 1,
    duration: '4s',
    nodes: {
      internet: INTERNET,
      server: { kind: 'host', uplink: 'internet', addresses: ['2001:db8:5::10/64'], link: { delay: '20ms' } },
      gw: { kind: 'router', uplink: 'internet', addresses: ['2001:db8:7::1/64'], link: { delay: '10ms', mtu: 1280 } },
      alice: { kind: 'host', uplink: 'gw', addresses: ['2001:db8:a::10/64'], link: { delay: '1ms' } },
    },
    apps: [
      { kind: 'udp-echo', host: 'server', listen: ['[2001:db8:5::10]:7'] },
      { kind: 'udp-probe', host: 'alice', bind: '[2001:db8:a::10]:5000', dontFragment: false, send: [{ at: '0s', to: '[2001:db8:5::10]:7', count: 3, interval: '1s', size: 3000 }] },
    ],
  }));
  add('ipv6-fragmentation-nat66', 'IPv6 fragments through a NAT66 that translates ports', "Alice's network uses unique local addresses (fd00:a::/64) behind a NAT66 that maps them to its global address and, being symmetric, to a port of its own for each destination. She sends UDP datagrams carrying 3,000 bytes from a socket that lets the stack fragment (IPV6_PMTUDISC_WANT): her host splits each into three fragments with a Fragment header (RFC 8200 §4.5). Only the first fragment carries the UDP ports the NAT must translate, so the NAT puts the fragments back together first, as Linux's conntrack (nf_defrag_ipv6) does and as it does for IPv4, translates the whole datagram, and splits it again into fragments no larger than the ones that came, with the same Identification. Its uplink carries only 1,280 bytes and IPv6 is never fragmented on the way: the first datagram's 1,496-byte fragments cannot go, so the NAT answers alice with ICMPv6 Packet Too Big (MTU 1280) and drops it; her host lowers its path MTU to the server (RFC 8201), and the next two datagrams leave in fragments of 1,280 bytes that the NAT reassembles, translates and fragments again at that size. The server reassembles them and answers the NAT's address and port; the NAT maps the answers back to alice.", (n, t, d) => ({
    name: n,
    title: t,
    description: d,
    seed: 1,
    duration: '4s',
    nodes: {
      internet: INTERNET,
      server: { kind: 'host', uplink: 'internet', addresses: ['2001:db8:5::10/64'], link: { delay: '20ms' } },
      natA: { kind: 'nat', uplink: 'internet', preset: 'symmetric', internal: 'fd00:a::1/64', external: ['2001:db8:7::10'], link: { delay: '10ms', mtu: 1280 } },
      alice: { kind: 'host', uplink: 'natA', addresses: ['fd00:a::10/64'], link: { delay: '1ms' } },
    },
    apps: [
      { kind: 'udp-echo', host: 'server', listen: ['[2001:db8:5::10]:7'] },
      { kind: 'udp-probe', host: 'alice', bind: '[fd00:a::10]:5000', dontFragment: false, send: [{ at: '0s', to: '[2001:db8:5::10]:7', count: 3, interval: '1s', size: 3000 }] },
    ],
  }));
  return out;
}

function expiry(name: string, title: string, description: string, keepalive: boolean): Json {
  const sends: Json[] = [{ at: '0s', to: '198.51.100.10:3480' }];
  if (keepalive) sends.push({ at: '60s', to: '198.51.100.10:3478', count: 5, interval: '60s' });
  return scenario(name, title, description, '330s', behindNat('port-restricted-cone'), [
    { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3478'] },
    { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3480'], replyDelay: '320s' },
    probe('192.168.1.10:5000', sends),
  ]);
}

function hairpin(name: string, title: string, description: string, on: boolean): Json {
  return scenario(
    name,
    title,
    description,
    '3s',
    { ...behindNat('full-cone', { nat: { hairpinning: on } }), bob: { kind: 'host', uplink: 'natA', addresses: ['192.168.1.20/24'], link: { delay: '1ms' } } },
    [
      { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3478'] },
      probe('192.168.1.10:5000', [{ at: '0s', to: '198.51.100.10:3478' }]),
      // alice's mapping keeps her port (port preservation), so bob can aim at 203.0.113.10:5000
      { kind: 'udp-probe', host: 'bob', bind: '192.168.1.20:6000', send: [{ at: '1s', to: '203.0.113.10:5000' }] },
    ],
  );
}

function firewalled(name: string, title: string, description: string, preset: string): Json {
  return scenario(
    name,
    title,
    description,
    '3s',
    {
      fw: { kind: 'firewall', uplink: 'internet', preset, link: { delay: '10ms' } },
      alice: { kind: 'host', uplink: 'fw', addresses: ['203.0.113.50/24'], link: { delay: '1ms' } },
    },
    [{ kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:3478'], alsoReplyFrom: ['198.51.100.10:3479'] }, probe('203.0.113.50:5000', [{ at: '0s', to: '198.51.100.10:3478' }])],
  );
}
