import { netNote } from '../net/notes.ts';
import { allAppKinds, appKind } from '../apps/registry.ts';
import type { RegisteredApp } from '../apps/summary.ts';
import { World } from '../apps/world.ts';
import { FirewallBox } from '../net/firewall-box.ts';
import { firewallPolicyFromPreset } from '../net/firewall/policy.ts';
import type { FirewallPresetName } from '../net/firewall/presets.ts';
import { Host } from '../net/host.ts';
import type { InterfaceAddress } from '../net/interface.ts';
import { linkDirection } from '../net/link-params.ts';
import { NatBox } from '../net/nat-box.ts';
import { Network } from '../net/network.ts';
import type { NetNode } from '../net/node.ts';
import { Router } from '../net/router.ts';
import { Switch } from '../net/switch.ts';
import type { NatConfig } from '../net/nat/config.ts';
import { ScenarioError, join } from '../schema/check.ts';
import type { HostSpec, NodeSpec, Scenario } from './types.ts';

export interface Built {
  readonly net: Network;
  /** What the apps share (signaling, DTLS identities). */
  readonly world: World;
  readonly apps: readonly RegisteredApp[];
}

const hostRoute = (ip: string): string => `${ip}/${ip.includes(':') ? 128 : 32}`;

/** Builds the virtual network of a scenario: nodes in the order written, links, routes, apps, events. */
export function buildScenario(s: Scenario, seed = s.seed): Built {
  const net = new Network(seed, { scenario: s.name, title: s.title });
  const specs = new Map(s.nodes.map((n) => [n.name, n]));
  const nodes = new Map<string, NetNode>();
  for (const spec of s.nodes) nodes.set(spec.name, net.add(buildingApp(join('nodes', spec.name), `${spec.kind} ${spec.name}`, () => makeNode(net, spec))));

  // a host's further interfaces hang from their own uplinks: below that node they count as a host of their own
  const extra = s.nodes.flatMap((n) => (n.kind === 'host' ? (n.interfaces ?? []).map((i) => ({ host: n.name, spec: { kind: 'host' as const, name: n.name, uplink: i.uplink, addresses: i.addresses } as HostSpec, network: i.network, down: i.state === 'down' })) : []));
  const children = (name: string): NodeSpec[] => [...s.nodes.filter((n) => n.uplink?.node === name), ...extra.filter((e) => e.spec.uplink?.node === name).map((e) => e.spec)];
  // Addresses reachable through a node from above: a NAT hides everything behind its external addresses.
  const reachable = (spec: NodeSpec): string[] => {
    switch (spec.kind) {
      case 'host':
        return spec.addresses.map((a) => a.ip);
      case 'nat':
        return [...spec.external];
      case 'router':
        return [...(spec.addresses ?? []).map((a) => a.ip), ...children(spec.name).flatMap(reachable)];
      default:
        return children(spec.name).flatMap(reachable);
    }
  };
  const upSideAddresses = (spec: NodeSpec): InterfaceAddress[] => {
    if (spec.kind === 'host') return [...spec.addresses];
    if (spec.kind === 'nat') return spec.external.map((ip) => ({ ip, prefix: ip.includes(':') ? 128 : 32 }));
    if (spec.kind === 'router') return [...(spec.addresses ?? [])];
    return [];
  };
  for (const spec of [...s.nodes, ...extra.map((e) => e.spec)]) {
    if (!spec.uplink) continue;
    const parentSpec = specs.get(spec.uplink.node)!;
    const child = nodes.get(spec.name)!;
    const parent = nodes.get(parentSpec.name)!;
    const link = net.connect(
      spec.uplink.name,
      { node: child, addresses: upSideAddresses(spec) },
      { node: parent, addresses: parentSpec.kind === 'nat' ? [parentSpec.internal] : [] },
      spec.uplink.up,
      spec.uplink.down,
    );
    const childIface = link.a;
    const parentIface = link.b;
    if (child instanceof FirewallBox) child.setUplink(childIface);
    const further = extra.find((e) => e.spec === spec);
    if (further) childIface.network = further.network;
    else if (spec.kind === 'host') childIface.network = spec.network ?? 'ethernet';
    // an interface that starts down (a modem not yet attached) comes up by an event
    if (further?.down && child instanceof Host) child.setInterfaceUp(childIface, false);
    // a further interface is used for what is sent from its own addresses (sim/net/host.ts), not by the default route
    if (!further) {
      child.routes.add('0.0.0.0/0', childIface);
      child.routes.add('::/0', childIface);
    }
    for (const ip of reachable(spec)) parent.routes.add(hostRoute(ip), parentIface);
  }
  for (const node of nodes.values()) if (node instanceof NatBox || node instanceof FirewallBox) node.start();

  const world = new World(net);
  const apps: RegisteredApp[] = [];
  s.apps.forEach((spec, i) => {
    const host = nodes.get(spec.host);
    if (!(host instanceof Host)) throw new ScenarioError([{ path: join(join('apps', i), 'host'), message: `no host named ${spec.host}` }]);
    const path = join('apps', i);
    const source = `${spec.host}/${spec.kind}${s.apps.filter((a, j) => j < i && a.host === spec.host && a.kind === spec.kind).length || ''}`;
    const own = (addr: { ip: string }, field: string): void => {
      if (!host.ownsAddress(addr.ip)) {
        throw new ScenarioError([{ path: join(path, field), message: `${addr.ip} is not an address of host ${spec.host} (it has ${host.addresses().join(', ')})` }]);
      }
    };
    const app = appKind(spec.kind);
    if (!app) throw new ScenarioError([{ path: join(path, 'kind'), message: `no app kind ${JSON.stringify(spec.kind)}` }]);
    apps.push({ spec, app, path, ...buildingApp(path, `${spec.kind} on ${spec.host}`, () => app.build(world, host, spec, { source, path, own })) });
  });
  for (const k of allAppKinds()) {
    const mine = apps.filter((a) => a.app === k);
    if (mine.length > 0) k.connect?.(world, mine);
  }
  for (const a of apps) net.scheduler.at(0, 'app start', () => a.driver.pump());

  for (const e of s.events) {
    if ('host' in e) {
      const host = nodes.get(e.host) as Host;
      const iface = host.interfaces.find((i) => i.link?.name === e.interface)!;
      net.scheduler.at(e.at, `event ${e.host} ${e.interface} ${e.state}`, () => {
        net.note('scenario', netNote('link.changed', `${e.host}'s interface on ${e.interface} goes ${e.state}${e.state === 'down' ? ': its link drops everything' : ''}`, { link: e.interface, direction: 'both' }));
        host.setInterfaceUp(iface, e.state === 'up');
      });
      continue;
    }
    const link = net.link(e.link);
    net.scheduler.at(e.at, `event ${e.link}`, () => {
      const dirs = e.direction === 'both' ? [link.a, link.b] : e.direction === 'up' ? [link.a] : [link.b];
      for (const from of dirs) link.setParams(from, linkDirection({ ...link.params(from), ...e.set }));
      net.note('scenario', netNote('link.changed', `link ${e.link} (${e.direction}) changes: ${JSON.stringify(e.set)}`, { link: e.link, direction: e.direction }));
    });
  }
  return { net, world, apps };
}

/**
 * Runs one build step of the scenario's `path`: whatever it throws (a port bound twice, a NAT that cannot be
 * made) is the scenario's fault, so it becomes a ScenarioError naming the place, never a stack trace.
 */
function buildingApp<T>(path: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new ScenarioError([{ path, message: `${what} cannot be built: ${e instanceof Error ? e.message : String(e)}` }]);
  }
}

function makeNode(net: Network, spec: NodeSpec): NetNode {
  switch (spec.kind) {
    case 'host':
      return new Host(net, spec.name);
    case 'router':
      return new Router(net, spec.name);
    case 'switch':
      return new Switch(net, spec.name);
    case 'nat':
      return new NatBox(net, spec.name, spec.behaviour as NatConfig, spec.preset, spec.internal, spec.external);
    case 'firewall':
      return new FirewallBox(net, spec.name, firewallPolicyFromPreset(spec.preset as FirewallPresetName));
  }
}
