// Link-local multicast on the simulated network (sim/net/multicast.ts): a datagram to 224.0.0.251 or ff02::fb reaches
// every host of its LAN segment whose socket joined the group, with its TTL untouched, and stops at the router, NAT or
// firewall (RFC 6762 §11): nothing crosses to the far side.
import { describe, expect, it } from 'vitest';
import type { Hop } from '../core/trace.ts';
import { MDNS_IPV4, MDNS_IPV6, MDNS_PORT } from '../wire/dns/message.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { FirewallBox } from './firewall-box.ts';
import { firewallPolicyFromPreset } from './firewall/policy.ts';
import { Host } from './host.ts';
import { isLinkLocalMulticast, isMulticast } from './multicast.ts';
import { NatBox } from './nat-box.ts';
import { DEFAULT_NAT_CONFIG } from './nat/config.ts';
import { Network } from './network.ts';
import type { NetNode } from './node.ts';
import { Router } from './router.ts';
import { Switch } from './switch.ts';

type Gateway = 'router' | 'nat' | 'firewall';

/** alice, bob, carol (and dave, who joins nothing) on one switch; the gateway leads to `far`, whose socket joined too. */
function segment(gateway: Gateway): { net: Network; hosts: Record<string, Host>; got: Map<string, { from: string; ttl: number }[]> } {
  const net = new Network(1);
  const lan = net.add(new Switch(net, 'lan'));
  const gw: NetNode =
    gateway === 'router' ? net.add(new Router(net, 'gw'))
    : gateway === 'nat' ? net.add(new NatBox(net, 'gw', DEFAULT_NAT_CONFIG, 'test', { ip: '192.168.1.1', prefix: 24 }, ['203.0.113.1']))
    : net.add(new FirewallBox(net, 'gw', firewallPolicyFromPreset('allow-all')));
  const up = net.connect('lan-gw', { node: lan }, { node: gw, addresses: [{ ip: '192.168.1.1', prefix: 24 }, { ip: 'fd00::1', prefix: 64 }] });
  const far = net.add(new Host(net, 'far'));
  const wan = net.connect('gw-far', { node: gw, addresses: [{ ip: '203.0.113.1', prefix: 24 }] }, { node: far, addresses: [{ ip: '203.0.113.9', prefix: 24 }, { ip: '2001:db8::9', prefix: 64 }] });
  if (gw instanceof FirewallBox) gw.setUplink(wan.a);
  for (const p of ['0.0.0.0/0', '::/0']) {
    gw.routes.add(p, wan.a);
    far.routes.add(p, wan.b);
  }
  lan.routes.add('0.0.0.0/0', up.a);
  lan.routes.add('::/0', up.a);
  const hosts: Record<string, Host> = { far };
  const got = new Map<string, { from: string; ttl: number }[]>();
  ['alice', 'bob', 'carol', 'dave'].forEach((name, i) => {
    const h = net.add(new Host(net, name));
    hosts[name] = h;
    const link = net.connect(`${name}-lan`, { node: h, addresses: [{ ip: `192.168.1.${10 + i}`, prefix: 24 }, { ip: `fd00::${10 + i}`, prefix: 64 }] }, { node: lan });
    for (const p of ['0.0.0.0/0', '::/0']) h.routes.add(p, link.a);
    lan.routes.add(`192.168.1.${10 + i}/32`, link.b);
    lan.routes.add(`fd00::${10 + i}/128`, link.b);
  });
  for (const h of Object.values(hosts)) {
    if (h.name === 'dave') continue;
    for (const [wild, group] of [['0.0.0.0', MDNS_IPV4], ['::', MDNS_IPV6]] as const) {
      h.bindUdp(wild, MDNS_PORT, true).onDatagram((from, _to, _p, hop: Hop) => {
        const v = peekUdpDatagram(hop.bytes);
        got.set(h.name, [...(got.get(h.name) ?? []), { from: from.ip, ttl: 'error' in v ? -1 : v.ttl }]);
      });
      h.groups.add(group);
    }
  }
  return { net, hosts, got };
}

describe('link-local multicast', () => {
  it('tells multicast and link-local multicast addresses', () => {
    expect([MDNS_IPV4, '239.255.255.250', 'ff02::fb', 'ff05::2', '192.0.2.1', '2001:db8::1'].map(isMulticast)).toEqual([true, true, true, true, false, false]);
    expect([MDNS_IPV4, '224.0.1.1', '239.255.255.250', 'ff02::fb', 'ff05::2', '10.0.0.1'].map(isLinkLocalMulticast)).toEqual([true, false, false, true, false, false]);
  });

  for (const gateway of ['router', 'nat', 'firewall'] as const) {
    it(`reaches every host of the segment that joined, TTL 255 untouched, and never crosses the ${gateway}`, () => {
      const { net, hosts, got } = segment(gateway);
      const s = hosts['alice']!.bindUdp('0.0.0.0', 40000);
      const s6 = hosts['alice']!.bindUdp('::', 40001);
      s.send({ ip: MDNS_IPV4, port: MDNS_PORT }, new Uint8Array(12), undefined, 255);
      s6.send({ ip: MDNS_IPV6, port: MDNS_PORT }, new Uint8Array(12), undefined, 255);
      net.run(1_000_000);
      expect(got.get('bob')).toEqual([{ from: '192.168.1.10', ttl: 255 }, { from: 'fd00::10', ttl: 255 }]);
      expect(got.get('carol')).toEqual(got.get('bob'));
      expect(got.get('alice')).toBeUndefined(); // the switch never sends a datagram back out of the port it came in on
      expect(got.get('far')).toBeUndefined();
      const drops = net.trace.hops.filter((h) => h.drop).map((h) => `${h.to}: ${h.drop!.replace(/^[a-z]+: /, '')}`);
      expect(drops.sort()).toEqual([
        'dave: no socket here joined the group 224.0.0.251',
        'dave: no socket here joined the group ff02::fb',
        'gw: 224.0.0.251 is a link-local multicast group: never forwarded off its link (RFC 6762 §11, RFC 5771 §4)',
        'gw: ff02::fb is a link-local multicast group: never forwarded off its link (RFC 6762 §11, RFC 4291 §2.7)',
      ]);
      expect(net.trace.hops.some((h) => h.link === 'gw-far')).toBe(false);
    });
  }
});
