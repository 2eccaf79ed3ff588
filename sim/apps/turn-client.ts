import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join, type Check } from '../schema/check.ts';
import { TurnClient, type TurnAction } from '../turn/client.ts';
import type { AppKind } from './app-kind.ts';
import { hostField } from './fields.ts';
import { TURN_SECTION } from './sections.ts';

export interface TurnClientAppSpec {
  readonly kind: 'turn-client';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  readonly autoRefresh: boolean;
  readonly keepPermissions: boolean;
  readonly script: readonly TurnAction[];
}

const ACTIONS = ['allocate', 'permission', 'channel', 'send', 'refresh', 'deallocate'] as const;

/** The scenario app "turn-client": a TURN client (sim/turn) following a script of actions. */
export const turnClientApp: AppKind<TurnClientAppSpec, TurnClient> = {
  kind: 'turn-client',
  about: 'a TURN client that follows a script: allocate, permission, channel, send, refresh, deallocate',
  parse(c, path, o, ctx) {
    const host = hostField(c, path, 'host', o.host, ctx);
    if (host === undefined) return undefined;
    c.onlyKeys(path, o, ['kind', 'host', 'bind', 'server', 'username', 'password', 'autoRefresh', 'keepPermissions', 'script']);
    const bind = c.transport(join(path, 'bind'), o.bind);
    const server = c.transport(join(path, 'server'), o.server);
    const username = c.string(join(path, 'username'), o.username);
    const password = c.string(join(path, 'password'), o.password);
    const autoRefresh = o.autoRefresh === undefined ? true : (c.boolean(join(path, 'autoRefresh'), o.autoRefresh) ?? true);
    const keepPermissions = o.keepPermissions === undefined ? true : (c.boolean(join(path, 'keepPermissions'), o.keepPermissions) ?? true);
    const script = (c.array(join(path, 'script'), o.script) ?? []).map((v, i) => parseAction(c, join(join(path, 'script'), i), v)).filter((v) => v !== undefined);
    if (!bind || !server || username === undefined || password === undefined) return undefined;
    return { kind: 'turn-client', host, bind, server, username, password, autoRefresh, keepPermissions, script };
  },
  build(world, host, spec, ctx) {
    ctx.own(spec.bind, 'bind');
    const endpoint = new TurnClient(spec.host, { local: spec.bind, server: spec.server, username: spec.username, password: spec.password, autoRefresh: spec.autoRefresh, keepPermissions: spec.keepPermissions, script: spec.script }, world.rng(`app/${ctx.source}`));
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    driver.bind(spec.bind.ip, spec.bind.port);
    return { endpoint, driver };
  },
  sections: [TURN_SECTION],
  summary: ({ spec, endpoint: e }) => [
    {
      section: TURN_SECTION,
      value: {
        kind: spec.kind, host: spec.host,
        relayed: e.relayed ? formatTransportAddress(e.relayed) : null, mapped: e.mapped ? formatTransportAddress(e.mapped) : null,
        ...e.stats, received: e.received.map((r) => ({ ...r })), errors: [...e.errors],
      },
    },
  ],
  entryLines: (_section, a) => [`  TURN client on ${String(a.host)}: relayed address ${String(a.relayed ?? 'none')}${a.errors && (a.errors as unknown[]).length ? `, errors ${JSON.stringify(a.errors)}` : ''}`],
  notes: ['turn.*', 'stun.*'],
};

function parseAction(c: Check, path: string, v: unknown): TurnAction | undefined {
  const o = c.object(path, v);
  if (!o) return undefined;
  const what = c.oneOf(join(path, 'do'), o.do, ACTIONS);
  const at = o.at === undefined ? 0 : c.duration(join(path, 'at'), o.at);
  if (!what || at === undefined) return undefined;
  const peer = (): TransportAddress | undefined => c.transport(join(path, 'peer'), o.peer);
  switch (what) {
    case 'allocate':
    case 'refresh': {
      c.onlyKeys(path, o, ['at', 'do', 'lifetime']);
      const lifetime = o.lifetime === undefined ? undefined : c.integer(join(path, 'lifetime'), o.lifetime, 0, 0xffffffff);
      return { at, do: what, ...(lifetime !== undefined ? { lifetime } : {}) };
    }
    case 'deallocate':
      c.onlyKeys(path, o, ['at', 'do']);
      return { at, do: what };
    case 'permission': {
      c.onlyKeys(path, o, ['at', 'do', 'peers']);
      const peers = (c.array(join(path, 'peers'), o.peers) ?? []).map((p, i) => c.transport(join(join(path, 'peers'), i), p)).filter((p) => p !== undefined);
      return { at, do: what, peers };
    }
    case 'channel': {
      c.onlyKeys(path, o, ['at', 'do', 'peer', 'channel']);
      const p = peer();
      const channel = o.channel === undefined ? undefined : c.integer(join(path, 'channel'), o.channel, 0, 0xffff);
      if (!p) return undefined;
      return { at, do: what, peer: p, ...(channel !== undefined ? { channel } : {}) };
    }
    case 'send': {
      c.onlyKeys(path, o, ['at', 'do', 'peer', 'data', 'via']);
      const p = peer();
      const data = c.string(join(path, 'data'), o.data);
      const via = o.via === undefined ? undefined : c.oneOf(join(path, 'via'), o.via, ['indication', 'channel'] as const);
      if (!p || data === undefined) return undefined;
      return { at, do: what, peer: p, data, ...(via ? { via } : {}) };
    }
  }
}
