import { FirewallBox } from './firewall-box.ts';
import { firewallPolicyFromPreset } from './firewall/policy.ts';
import type { FirewallPresetName } from './firewall/presets.ts';
import { Host } from './host.ts';
import type { InterfaceAddress } from './interface.ts';
import { NatBox } from './nat-box.ts';
import { DEFAULT_NAT_CONFIG, withOverrides, type NatConfigOverrides } from './nat/config.ts';
import type { TcpNatTimeouts } from './nat/tcp-sessions.ts';
import type { NetNode } from './node.ts';
import { Router } from './router.ts';
import type { LinkDirection } from './link-params.ts';
import type { Link } from './link.ts';
import { Network } from './network.ts';

/** Two hosts joined by one link, for tests of link behaviour. */
export function twoHosts(ab: Partial<LinkDirection> = {}, seed = 1): { net: Network; a: Host; b: Host; link: Link } {
  const net = new Network(seed);
  const a = net.add(new Host(net, 'a'));
  const b = net.add(new Host(net, 'b'));
  const link = net.connect('a-b', { node: a, addresses: [{ ip: '10.0.0.1', prefix: 24 }, { ip: 'fd00::1', prefix: 64 }] }, { node: b, addresses: [{ ip: '10.0.0.2', prefix: 24 }, { ip: 'fd00::2', prefix: 64 }] }, ab);
  for (const p of ['0.0.0.0/0', '::/0']) {
    a.routes.add(p, link.a);
    b.routes.add(p, link.b);
  }
  return { net, a, b, link };
}

/** One site on the internet: a host, optionally behind a firewall and/or a NAT (host → firewall → NAT → internet). */
export interface SiteSpec {
  readonly host: string;
  /** The host's address: private behind a NAT, public otherwise. */
  readonly ip: string;
  readonly nat?: { readonly name: string; readonly external: string; readonly config?: NatConfigOverrides; readonly tcp?: Partial<TcpNatTimeouts> };
  readonly firewall?: { readonly name: string; readonly preset: FirewallPresetName };
  /** The site's access link (host side up to the internet), both ways. */
  readonly link?: Partial<LinkDirection>;
}

export interface Sites {
  readonly net: Network;
  readonly internet: Router;
  readonly hosts: Record<string, Host>;
  readonly nats: Record<string, NatBox>;
  readonly firewalls: Record<string, FirewallBox>;
}

/** Sites joined by one internet router, for tests of NATs and firewalls with real packets. */
export function sites(specs: readonly SiteSpec[], seed = 1): Sites {
  const net = new Network(seed);
  const internet = net.add(new Router(net, 'internet'));
  const hosts: Record<string, Host> = {};
  const nats: Record<string, NatBox> = {};
  const firewalls: Record<string, FirewallBox> = {};
  specs.forEach((s, i) => {
    const host = net.add(new Host(net, s.host));
    hosts[s.host] = host;
    const lan = `10.${i}.0.1`;
    const privatePrefix = 24;
    // the chain from the host up: each element is a node with the interface that faces down
    let below: { node: NetNode; addresses: InterfaceAddress[] } = { node: host, addresses: [{ ip: s.ip, prefix: privatePrefix }] };
    let belowIsHost = true;
    const up = (name: string, node: NetNode, downAddresses: InterfaceAddress[], upAddresses: InterfaceAddress[]): Link => {
      const l = net.connect(name, { node: below.node, addresses: below.addresses }, { node, addresses: downAddresses }, s.link ?? {});
      below.node.routes.add('0.0.0.0/0', l.a);
      if (belowIsHost) below.node.routes.add('::/0', l.a);
      node.routes.add(`${s.ip}/32`, l.b);
      below = { node, addresses: upAddresses };
      belowIsHost = false;
      return l;
    };
    if (s.firewall) {
      const fw = net.add(new FirewallBox(net, s.firewall.name, firewallPolicyFromPreset(s.firewall.preset)));
      firewalls[s.firewall.name] = fw;
      up(`${s.host}-${s.firewall.name}`, fw, [], []);
    }
    if (s.nat) {
      const config = withOverrides(DEFAULT_NAT_CONFIG, s.nat.config ?? {});
      const nat = net.add(new NatBox(net, s.nat.name, config, 'test', { ip: lan, prefix: privatePrefix }, [s.nat.external], s.nat.tcp));
      nats[s.nat.name] = nat;
      up(`${s.host}-${s.nat.name}`, nat, [{ ip: lan, prefix: privatePrefix }], [{ ip: s.nat.external, prefix: 32 }]);
    }
    const publicIp = s.nat ? s.nat.external : s.ip;
    const wan = net.connect(`${s.host}-wan`, { node: below.node, addresses: below.addresses }, { node: internet }, s.nat || s.firewall ? {} : (s.link ?? {}));
    below.node.routes.add('0.0.0.0/0', wan.a);
    if (belowIsHost) below.node.routes.add('::/0', wan.a);
    internet.routes.add(`${publicIp}/32`, wan.b);
    if (s.firewall) firewalls[s.firewall.name]!.setUplink(s.nat ? firewalls[s.firewall.name]!.interfaces.find((x) => x.name.endsWith(s.nat!.name))! : wan.a);
  });
  for (const n of Object.values(nats)) n.start();
  for (const f of Object.values(firewalls)) f.start();
  return { net, internet, hosts, nats, firewalls };
}
