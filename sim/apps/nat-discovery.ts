import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { duration, required, transport, withDefault } from '../schema/fields.ts';
import { NatDiscoveryClient, resultJson } from '../stun/discovery.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { STUN_SECTION } from './sections.ts';

export interface NatDiscoveryAppSpec {
  readonly kind: 'nat-discovery';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly at: Micros;
}

/** The scenario app "nat-discovery": the RFC 5780 behaviour tests (sim/stun) against a stun-server with an alternate. */
export const natDiscoveryApp = defineApp({
  kind: 'nat-discovery',
  about: 'runs the RFC 5780 NAT behaviour tests against a `stun-server`',
  fields: [
    kindField('nat-discovery'),
    HOST_FIELD,
    required('bind', transport, 'The local address and port.', '192.168.1.10:5000'),
    required('server', transport, "The `stun-server`'s primary address.", '198.51.100.10:3478'),
    withDefault('at', duration, 0, '`0`', 'When the tests start.', '0s'),
  ],
  spec: (v): NatDiscoveryAppSpec => ({ kind: 'nat-discovery', host: v.host, bind: v.bind, server: v.server, at: v.at }),
  build(world, host, spec: NatDiscoveryAppSpec, ctx) {
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
  notes: [STUN_NOTE_KINDS],
});
