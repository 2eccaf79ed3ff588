import { netNote } from '../net/notes.ts';
import { UdpEcho } from '../apps/udp-echo.ts';
import { UdpProbe } from '../apps/udp-probe.ts';
import type { Endpoint } from '../core/endpoint.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
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
import { ScenarioError, join } from './check.ts';
import { buildDtlsPeerApp } from '../peer/scenario-app.ts';
import { buildCallApp, isCallApp } from '../peer/call-kinds.ts';
import type { AppSpec, NodeSpec, Scenario } from './types.ts';
import { buildIceApp, connectIceSignaling } from '../ice/scenario-app.ts';
import { buildStunTurnApp } from './apps-stun-turn.ts';

export interface BuiltApp {
  readonly spec: AppSpec;
  readonly endpoint: Endpoint;
  readonly driver: EndpointDriver;
}

export interface Built {
  readonly net: Network;
  readonly apps: readonly BuiltApp[];
}

const hostRoute = (ip: string): string => `${ip}/${ip.includes(':') ? 128 : 32}`;

/** Builds the virtual network of a scenario: nodes in the order written, links, routes, apps, events. */
export function buildScenario(s: Scenario, seed = s.seed): Built {
  const net = new Network(seed, { scenario: s.name, title: s.title });
  const specs = new Map(s.nodes.map((n) => [n.name, n]));
  const nodes = new Map<string, NetNode>();
  for (const spec of s.nodes) nodes.set(spec.name, net.add(makeNode(net, spec)));

  const children = (name: string): NodeSpec[] => s.nodes.filter((n) => n.uplink?.node === name);
  // Addresses reachable through a node from above: a NAT hides everything behind its external addresses.
  const reachable = (spec: NodeSpec): string[] => {
    switch (spec.kind) {
      case 'host':
        return spec.addresses.map((a) => a.ip);
      case 'nat':
        return [...spec.external];
      default:
        return children(spec.name).flatMap(reachable);
    }
  };
  const upSideAddresses = (spec: NodeSpec): InterfaceAddress[] => {
    if (spec.kind === 'host') return [...spec.addresses];
    if (spec.kind === 'nat') return spec.external.map((ip) => ({ ip, prefix: ip.includes(':') ? 128 : 32 }));
    return [];
  };
  for (const spec of s.nodes) {
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
    child.routes.add('0.0.0.0/0', childIface);
    child.routes.add('::/0', childIface);
    for (const ip of reachable(spec)) parent.routes.add(hostRoute(ip), parentIface);
  }
  for (const node of nodes.values()) if (node instanceof NatBox || node instanceof FirewallBox) node.start();

  const apps: BuiltApp[] = [];
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
    if (spec.kind === 'dtls-peer') {
      apps.push({ spec, ...buildDtlsPeerApp(net, host, spec, source, own) });
      return;
    }
    if (isCallApp(spec)) {
      apps.push({ spec, ...buildCallApp(net, host, spec, source, own) });
      return;
    }
    let endpoint: Endpoint;
    let driver: EndpointDriver;
    if (spec.kind === 'ice-agent') {
      ({ endpoint, driver } = buildIceApp(net, host, spec, source));
    } else if (spec.kind !== 'udp-probe' && spec.kind !== 'udp-echo') {
      ({ endpoint, driver } = buildStunTurnApp(net, host, spec, source, own));
    } else if (spec.kind === 'udp-probe') {
      own(spec.bind, 'bind');
      endpoint = new UdpProbe(spec.host, spec.bind, spec.send);
      driver = new EndpointDriver(net, host, endpoint, source);
      driver.bind(spec.bind.ip, spec.bind.port);
    } else {
      spec.listen.forEach((a) => own(a, 'listen'));
      spec.alsoReplyFrom.forEach((a) => own(a, 'alsoReplyFrom'));
      endpoint = new UdpEcho(spec.host, spec.listen, spec.alsoReplyFrom, spec.replyDelay);
      driver = new EndpointDriver(net, host, endpoint, source);
      for (const a of [...spec.listen, ...spec.alsoReplyFrom]) {
        if (!driver.bound(a)) driver.bind(a.ip, a.port);
      }
    }
    apps.push({ spec, endpoint, driver });
  });
  connectIceSignaling(net, apps);
  for (const a of apps) net.scheduler.at(0, 'app start', () => a.driver.pump());

  for (const e of s.events) {
    const link = net.link(e.link);
    net.scheduler.at(e.at, `event ${e.link}`, () => {
      const dirs = e.direction === 'both' ? [link.a, link.b] : e.direction === 'up' ? [link.a] : [link.b];
      for (const from of dirs) link.setParams(from, linkDirection({ ...link.params(from), ...e.set }));
      net.note('scenario', netNote('link.changed', `link ${e.link} (${e.direction}) changes: ${JSON.stringify(e.set)}`, { link: e.link, direction: e.direction }));
    });
  }
  return { net, apps };
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
