import { Check, join } from '../schema/check.ts';
import type { LinkDirection } from '../net/link-params.ts';
import type { AppSpec, EventSpec, HostInterfaceSpec, NodeSpec, Scenario, UplinkSpec } from './types.ts';
import type { InterfaceAddress } from '../net/interface.ts';
import { resolveNatBehaviour, NAT_PRESET_NAMES } from './nat-config.ts';
import { appKind, appKindNames } from '../apps/registry.ts';
import { FIREWALL_PRESET_NAMES } from '../net/firewall/presets.ts';

const TOP_KEYS = ['$schema', 'name', 'title', 'description', 'seed', 'duration', 'nodes', 'apps', 'events'] as const;
const LINK_KEYS = ['delay', 'jitter', 'loss', 'burst', 'rate', 'queue', 'mtu', 'reorder', 'down', 'upstream', 'downstream'] as const;

/** Validates a scenario (parsed JSON) and returns it typed, or throws ScenarioError listing every wrong field. */
export function parseScenario(raw: unknown): Scenario {
  const c = new Check();
  const top = c.object('', raw);
  if (!top) return c.throwIfAny() as never;
  c.onlyKeys('', top, TOP_KEYS);
  const name = c.string('name', top.name) ?? 'scenario';
  const title = top.title === undefined ? name : (c.string('title', top.title) ?? name);
  const description = top.description === undefined ? '' : (c.string('description', top.description) ?? '');
  const seed = top.seed === undefined ? 1 : (c.integer('seed', top.seed, 0, Number.MAX_SAFE_INTEGER) ?? 1);
  const duration = top.duration === undefined ? 30_000_000 : (c.duration('duration', top.duration) ?? 0);

  const nodes: NodeSpec[] = [];
  const nodesRaw = c.object('nodes', top.nodes);
  const kinds = new Map<string, string>();
  if (nodesRaw) {
    for (const [n, v] of Object.entries(nodesRaw)) {
      const o = c.object(join('nodes', n), v);
      if (o && typeof o.kind === 'string') kinds.set(n, o.kind);
    }
    for (const [n, v] of Object.entries(nodesRaw)) {
      const spec = parseNode(c, n, v, kinds);
      if (spec) nodes.push(spec);
    }
    checkTree(c, nodes);
  }

  const apps: AppSpec[] = [];
  if (top.apps !== undefined) {
    const list = c.array('apps', top.apps) ?? [];
    list.forEach((a, i) => {
      const spec = parseApp(c, join('apps', i), a, kinds);
      if (spec) apps.push(spec);
    });
  }

  const events: EventSpec[] = [];
  if (top.events !== undefined) {
    const list = c.array('events', top.events) ?? [];
    list.forEach((e, i) => {
      const spec = parseEvent(c, join('events', i), e, nodes);
      if (spec) events.push(spec);
    });
  }
  c.throwIfAny();
  return { name, title, description, seed, duration, nodes, apps, events };
}

function parseNode(c: Check, name: string, v: unknown, kinds: Map<string, string>): NodeSpec | undefined {
  const path = join('nodes', name);
  const o = c.object(path, v);
  if (!o) return undefined;
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(name)) c.fail(path, 'a node name starts with a letter and has only letters, digits, "-" and "_" (at most 32)');
  const kind = c.oneOf(join(path, 'kind'), o.kind, ['host', 'router', 'switch', 'nat', 'firewall'] as const);
  if (!kind) return undefined;
  const common = ['kind', 'uplink', 'link', 'linkName'];
  const uplink = parseUplink(c, path, o, name, kinds);
  switch (kind) {
    case 'host': {
      c.onlyKeys(path, o, [...common, 'addresses', 'network', 'interfaces']);
      const addresses = parseAddresses(c, path, o);
      const network = o.network === undefined ? undefined : c.oneOf(join(path, 'network'), o.network, NETWORK_TYPES);
      const interfaces: HostInterfaceSpec[] = [];
      if (o.interfaces !== undefined) {
        (c.array(join(path, 'interfaces'), o.interfaces) ?? []).forEach((x, i) => {
          const ipath = join(join(path, 'interfaces'), i);
          const io = c.object(ipath, x);
          if (!io) return;
          c.onlyKeys(ipath, io, ['uplink', 'link', 'linkName', 'addresses', 'network', 'state']);
          const up = parseUplink(c, ipath, { ...io, linkName: io.linkName ?? `${name}-if${i + 1}` }, name, kinds);
          if (!up) return void c.fail(join(ipath, 'uplink'), 'missing: an interface needs an uplink');
          const net = io.network === undefined ? 'ethernet' : c.oneOf(join(ipath, 'network'), io.network, NETWORK_TYPES);
          const state = io.state === undefined ? undefined : c.oneOf(join(ipath, 'state'), io.state, ['up', 'down'] as const);
          interfaces.push({ uplink: up, addresses: parseAddresses(c, ipath, io), network: net ?? 'ethernet', ...(state === 'down' ? { state } : {}) });
        });
      }
      return { kind, name, ...(uplink ? { uplink } : {}), addresses, ...(network ? { network } : {}), ...(interfaces.length ? { interfaces } : {}) };
    }
    case 'router':
    case 'switch': {
      c.onlyKeys(path, o, kind === 'router' ? [...common, 'addresses'] : common);
      const addresses = kind === 'router' && o.addresses !== undefined ? parseAddresses(c, path, o) : [];
      return { kind, name, ...(uplink ? { uplink } : {}), ...(addresses.length ? { addresses } : {}) };
    }
    case 'nat': {
      c.onlyKeys(path, o, [...common, 'preset', 'nat', 'internal', 'external']);
      const preset = o.preset === undefined ? 'port-restricted-cone' : c.oneOf(join(path, 'preset'), o.preset, NAT_PRESET_NAMES);
      const internal =
        o.internal === undefined
          ? c.fail(join(path, 'internal'), 'missing: the NAT\'s inside address and subnet, e.g. "192.168.1.1/24"')
          : c.cidr(join(path, 'internal'), o.internal);
      const extList =
        o.external === undefined
          ? (c.fail(join(path, 'external'), 'missing: the NAT\'s public addresses, e.g. ["203.0.113.1"]') ?? [])
          : (c.array(join(path, 'external'), o.external) ?? []);
      const external = extList.map((a, i) => c.ip(join(join(path, 'external'), i), a)).filter((a) => a !== undefined);
      if (o.external !== undefined && Array.isArray(o.external) && o.external.length === 0) c.fail(join(path, 'external'), 'empty: a NAT needs at least one public address');
      if (!uplink) c.fail(join(path, 'uplink'), 'missing: a NAT needs an uplink (the network its outside faces)');
      if (preset === undefined || !internal) return undefined;
      const overrides = o.nat === undefined ? {} : c.object(join(path, 'nat'), o.nat);
      if (!overrides) return undefined;
      const behaviour = resolveNatBehaviour(c, join(path, 'nat'), preset, overrides, external);
      if (behaviour === undefined) return undefined;
      return { kind, name, ...(uplink ? { uplink } : {}), preset, behaviour, internal, external };
    }
    case 'firewall': {
      c.onlyKeys(path, o, [...common, 'preset']);
      const preset = c.oneOf(join(path, 'preset'), o.preset, FIREWALL_PRESET_NAMES);
      if (!uplink) c.fail(join(path, 'uplink'), 'missing: a firewall needs an uplink (its outside)');
      if (!preset) return undefined;
      return { kind, name, ...(uplink ? { uplink } : {}), preset };
    }
  }
}

type Dir = Partial<{ -readonly [K in keyof LinkDirection]: LinkDirection[K] }>;

function parseDirection(c: Check, path: string, o: Record<string, unknown>, into: Dir): void {
  if (o.delay !== undefined) into.delay = c.duration(join(path, 'delay'), o.delay);
  if (o.jitter !== undefined) into.jitter = c.duration(join(path, 'jitter'), o.jitter);
  if (o.loss !== undefined) into.loss = c.number(join(path, 'loss'), o.loss, 0, 1);
  if (o.mtu !== undefined) into.mtu = c.integer(join(path, 'mtu'), o.mtu, 68, 65535);
  if (o.rate !== undefined) into.rate = parseRate(c, join(path, 'rate'), o.rate);
  if (o.queue !== undefined) into.queue = c.integer(join(path, 'queue'), o.queue, 0);
  if (o.reorder !== undefined) into.reorder = c.boolean(join(path, 'reorder'), o.reorder);
  if (o.down !== undefined) into.down = c.boolean(join(path, 'down'), o.down);
  if (o.burst !== undefined) {
    const b = c.object(join(path, 'burst'), o.burst);
    if (b) {
      c.onlyKeys(join(path, 'burst'), b, ['pGoodToBad', 'pBadToGood', 'lossGood', 'lossBad']);
      const p = (k: string, d?: number): number | undefined =>
        b[k] === undefined && d !== undefined ? d : c.number(join(join(path, 'burst'), k), b[k], 0, 1);
      const pGoodToBad = p('pGoodToBad');
      const pBadToGood = p('pBadToGood');
      const lossGood = p('lossGood', 0);
      const lossBad = p('lossBad', 1);
      if (pGoodToBad !== undefined && pBadToGood !== undefined && lossGood !== undefined && lossBad !== undefined) {
        into.burst = { pGoodToBad, pBadToGood, lossGood, lossBad };
      }
    }
  }
  for (const k of Object.keys(into) as (keyof Dir)[]) if (into[k] === undefined) delete into[k];
}

/** A link's behaviour: common fields, with optional per-direction overrides under upstream / downstream. */
const NETWORK_TYPES = ['ethernet', 'wifi', 'cellular', 'vpn', 'unknown'] as const;

/** `uplink`, `link` and `linkName` of a node or of a host's further interface. */
function parseUplink(c: Check, path: string, o: Record<string, unknown>, name: string, kinds: Map<string, string>): UplinkSpec | undefined {
  if (o.uplink === undefined) {
    if (o.link !== undefined) c.fail(join(path, 'link'), 'a link needs an uplink: set "uplink" to the node this one connects to');
    return undefined;
  }
  const up = c.string(join(path, 'uplink'), o.uplink);
  if (up === undefined) return undefined;
  const upKind = kinds.get(up);
  if (!upKind) c.fail(join(path, 'uplink'), `no node named ${JSON.stringify(up)}`);
  else if (upKind === 'host') c.fail(join(path, 'uplink'), `"${up}" is a host; an uplink must be a router, switch, NAT or firewall`);
  const linkName = o.linkName === undefined ? `${name}-${upKind === 'nat' || upKind === 'firewall' || upKind === 'switch' ? 'lan' : 'wan'}` : (c.string(join(path, 'linkName'), o.linkName) ?? name);
  const dirs = parseLink(c, join(path, 'link'), o.link);
  return { node: up, name: linkName, ...dirs };
}

function parseAddresses(c: Check, path: string, o: Record<string, unknown>): InterfaceAddress[] {
  const list =
    o.addresses === undefined
      ? (c.fail(join(path, 'addresses'), 'missing: a host needs addresses, e.g. ["192.168.1.10/24"]') ?? [])
      : (c.array(join(path, 'addresses'), o.addresses) ?? []);
  if (list.length === 0 && o.addresses !== undefined) c.fail(join(path, 'addresses'), 'a host needs at least one address');
  return list.map((a, i) => c.cidr(join(join(path, 'addresses'), i), a)).filter((a) => a !== undefined);
}

function parseLink(c: Check, path: string, v: unknown): { up: Dir; down: Dir } {
  if (v === undefined) return { up: {}, down: {} };
  const o = c.object(path, v);
  if (!o) return { up: {}, down: {} };
  c.onlyKeys(path, o, LINK_KEYS);
  const both: Dir = {};
  parseDirection(c, path, o, both);
  const up: Dir = { ...both };
  const down: Dir = { ...both };
  for (const [key, into] of [['upstream', up], ['downstream', down]] as const) {
    if (o[key] === undefined) continue;
    const d = c.object(join(path, key), o[key]);
    if (!d) continue;
    c.onlyKeys(join(path, key), d, LINK_KEYS.filter((k) => k !== 'upstream' && k !== 'downstream'));
    parseDirection(c, join(path, key), d, into);
  }
  return { up, down };
}

/** Bits per second: a number, or text like "2Mbps", "512kbit", "1.5 Mbit/s". */
function parseRate(c: Check, path: string, v: unknown): number | undefined {
  if (typeof v === 'number') return c.number(path, v, 1);
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:bps|bit\/s|bit)\s*$/i.exec(v) : null;
  if (!m) return c.fail(path, `expected a rate in bits per second, e.g. 2000000 or "2Mbps", got ${JSON.stringify(v)}`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

/** One app: its kind from the registry (sim/apps/registry.ts), then the kind's own checks. */
function parseApp(c: Check, path: string, v: unknown, kinds: Map<string, string>): AppSpec | undefined {
  const o = c.object(path, v);
  if (!o) return undefined;
  const kind = c.oneOf(join(path, 'kind'), o.kind, appKindNames());
  const app = kind === undefined ? undefined : appKind(kind);
  if (!app) {
    const host = c.string(join(path, 'host'), o.host);
    if (host !== undefined && kinds.get(host) !== 'host') c.fail(join(path, 'host'), `no host named ${JSON.stringify(host)}`);
    return undefined;
  }
  // the registry looks every kind up by name: the spec it returns is the one of kind `kind`, a member of AppSpec
  return app.parse(c, path, o, { kinds }) as AppSpec | undefined;
}

/** A host's interfaces by link name: its uplink's, then its further interfaces'. */
function hostInterfaces(n: NodeSpec): string[] {
  return n.kind === 'host' ? [...(n.uplink ? [n.uplink.name] : []), ...(n.interfaces ?? []).map((i) => i.uplink.name)] : [];
}

/** `{ at, host, interface, state }`: one of a host's interfaces, named by its link, goes up or down. */
function parseInterfaceEvent(c: Check, path: string, o: Record<string, unknown>, nodes: readonly NodeSpec[]): EventSpec | undefined {
  c.onlyKeys(path, o, ['at', 'host', 'interface', 'state']);
  const at = c.duration(join(path, 'at'), o.at);
  const host = c.string(join(path, 'host'), o.host);
  const node = nodes.find((n) => n.name === host);
  const hosts = nodes.filter((n) => n.kind === 'host').map((n) => n.name);
  if (host !== undefined && node?.kind !== 'host') c.fail(join(path, 'host'), `no host named ${JSON.stringify(host)}; hosts are ${hosts.join(', ')}`);
  const iface = c.string(join(path, 'interface'), o.interface);
  const ifaces = node ? hostInterfaces(node) : [];
  if (iface !== undefined && node?.kind === 'host' && !ifaces.includes(iface)) c.fail(join(path, 'interface'), `host ${host} has no interface on link ${JSON.stringify(iface)}; its interfaces are on ${ifaces.join(', ') || 'no link'}`);
  const state = c.oneOf(join(path, 'state'), o.state, ['up', 'down'] as const);
  if (at === undefined || host === undefined || iface === undefined || !state || node?.kind !== 'host' || !ifaces.includes(iface)) return undefined;
  return { at, host, interface: iface, state };
}

function parseEvent(c: Check, path: string, v: unknown, nodes: readonly NodeSpec[]): EventSpec | undefined {
  const o = c.object(path, v);
  if (!o) return undefined;
  if (o.link === undefined && (o.host !== undefined || o.interface !== undefined || o.state !== undefined)) return parseInterfaceEvent(c, path, o, nodes);
  c.onlyKeys(path, o, ['at', 'link', 'direction', 'set']);
  const at = c.duration(join(path, 'at'), o.at);
  const link = c.string(join(path, 'link'), o.link);
  const links = nodes.flatMap((n) => [...(n.uplink ? [n.uplink.name] : []), ...(n.kind === 'host' ? (n.interfaces ?? []).map((i) => i.uplink.name) : [])]);
  if (link !== undefined && !links.includes(link)) c.fail(join(path, 'link'), `no link named ${JSON.stringify(link)}; links are ${links.join(', ')}`);
  const direction = o.direction === undefined ? 'both' : c.oneOf(join(path, 'direction'), o.direction, ['up', 'down', 'both'] as const);
  const set = c.object(join(path, 'set'), o.set);
  const dir: Dir = {};
  if (set) {
    c.onlyKeys(join(path, 'set'), set, LINK_KEYS.filter((k) => k !== 'upstream' && k !== 'downstream'));
    parseDirection(c, join(path, 'set'), set, dir);
  }
  if (at === undefined || link === undefined || !direction) return undefined;
  return { at, link, direction, set: dir };
}

/** Every node but one root hangs from an uplink; no cycles; names unique (guaranteed by JSON object keys). */
function checkTree(c: Check, nodes: readonly NodeSpec[]): void {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const n of nodes) {
    const seen = new Set<string>([n.name]);
    let cur: NodeSpec | undefined = n;
    while (cur?.uplink) {
      const next = byName.get(cur.uplink.node);
      if (!next) break;
      if (seen.has(next.name)) {
        c.fail(join(join('nodes', n.name), 'uplink'), `uplinks form a loop through ${[...seen].join(' → ')}`);
        break;
      }
      seen.add(next.name);
      cur = next;
    }
  }
  const linkNames = new Map<string, string>();
  for (const n of nodes) {
    if (!n.uplink) continue;
    const other = linkNames.get(n.uplink.name);
    if (other) c.fail(join(join('nodes', n.name), 'linkName'), `link name "${n.uplink.name}" is already used by ${other}`);
    linkNames.set(n.uplink.name, n.name);
  }
}
