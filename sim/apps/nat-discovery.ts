import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join } from '../schema/check.ts';
import { NatDiscoveryClient, resultJson } from '../stun/discovery.ts';
import type { AppKind, Obj } from './app-kind.ts';
import { hostField } from './fields.ts';
import { STUN_SECTION } from './sections.ts';

export interface NatDiscoveryAppSpec {
  readonly kind: 'nat-discovery';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly at: Micros;
}

/** The scenario app "nat-discovery": the RFC 5780 behaviour tests (sim/stun) against a stun-server with an alternate. */
export const natDiscoveryApp: AppKind<NatDiscoveryAppSpec, NatDiscoveryClient> = {
  kind: 'nat-discovery',
  about: 'runs the RFC 5780 NAT behaviour tests against a `stun-server`',
  parse(c, path, o, ctx) {
    const host = hostField(c, path, 'host', o.host, ctx);
    if (host === undefined) return undefined;
    c.onlyKeys(path, o, ['kind', 'host', 'bind', 'server', 'at']);
    const bind = c.transport(join(path, 'bind'), o.bind);
    const server = c.transport(join(path, 'server'), o.server);
    const at = (o.at === undefined ? undefined : c.duration(join(path, 'at'), o.at)) ?? 0;
    if (!bind || !server) return undefined;
    return { kind: 'nat-discovery', host, bind, server, at };
  },
  build(world, host, spec, ctx) {
    ctx.own(spec.bind, 'bind');
    const endpoint = new NatDiscoveryClient(spec.host, spec.bind, spec.server, world.rng(`app/${ctx.source}`), spec.at);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    driver.bind(spec.bind.ip, spec.bind.port);
    return { endpoint, driver };
  },
  sections: [STUN_SECTION],
  summary: ({ spec, endpoint: e }) => [{ section: STUN_SECTION, value: { kind: spec.kind, host: spec.host, discovery: e.result ? resultJson(e.result) : null } }],
  entryLines(_section, a) {
    const d = a.discovery as Obj | null;
    // a run stopped (--until) before the tests finished has no result yet
    if (!d) return [`  RFC 5780 discovery from ${String(a.host)}: not finished when the run stopped`];
    return [
      d.error
        ? `  RFC 5780 discovery from ${String(a.host)}: ${String(d.error)}`
        : `  RFC 5780 discovery from ${String(a.host)}: ${d.nat ? 'behind a NAT' : 'no NAT'}, ${String(d.mapping)} mapping, ${String(d.filtering)} filtering (mapped ${String(d.mapped)})`,
    ];
  },
  notes: ['stun.*', 'discovery.*'],
};
