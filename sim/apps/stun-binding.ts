import type { TransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join } from '../schema/check.ts';
import { StunBindingClient } from '../stun/binding-client.ts';
import type { AppKind, Obj } from './app-kind.ts';
import { hostField } from './fields.ts';
import { formatMs, STUN_SECTION } from './sections.ts';

export interface StunBindingAppSpec {
  readonly kind: 'stun-binding';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly at: readonly Micros[];
}

/** The scenario app "stun-binding": Binding requests (sim/stun) at the times in `at`. */
export const stunBindingApp: AppKind<StunBindingAppSpec, StunBindingClient> = {
  kind: 'stun-binding',
  about: 'sends STUN Binding requests and reports the mapped address',
  parse(c, path, o, ctx) {
    const host = hostField(c, path, 'host', o.host, ctx);
    if (host === undefined) return undefined;
    c.onlyKeys(path, o, ['kind', 'host', 'bind', 'server', 'at']);
    const bind = c.transport(join(path, 'bind'), o.bind);
    const server = c.transport(join(path, 'server'), o.server);
    const raw = o.at === undefined ? ['0s'] : Array.isArray(o.at) ? o.at : [o.at];
    const at = raw.map((v, i) => c.duration(join(join(path, 'at'), i), v)).filter((v) => v !== undefined);
    if (!bind || !server) return undefined;
    return { kind: 'stun-binding', host, bind, server, at };
  },
  build(world, host, spec, ctx) {
    ctx.own(spec.bind, 'bind');
    const endpoint = new StunBindingClient(spec.host, spec.bind, spec.server, world.rng(`app/${ctx.source}`), spec.at);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    driver.bind(spec.bind.ip, spec.bind.port);
    return { endpoint, driver };
  },
  sections: [STUN_SECTION],
  summary: ({ spec, endpoint: e }) => [{ section: STUN_SECTION, value: { kind: spec.kind, host: spec.host, bindings: e.outcomes.map((o) => ({ ...o })) as unknown as JsonValue } }],
  entryLines: (_section, a) =>
    (a.bindings as Obj[]).map((b) => `  STUN Binding from ${String(a.host)} to ${String(b.server)}: ${b.mapped ? `mapped to ${String(b.mapped)} in ${formatMs(b.rtt)}` : `no answer after ${String(b.attempts)} attempts`}`),
  notes: ['stun.*'],
};
