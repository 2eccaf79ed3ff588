import type { TransportAddress } from '../core/endpoint.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join } from '../schema/check.ts';
import { StunServer } from '../stun/server.ts';
import type { AppKind } from './app-kind.ts';
import { hostField } from './fields.ts';
import { STUN_SECTION } from './sections.ts';

export interface StunServerAppSpec {
  readonly kind: 'stun-server';
  readonly host: string;
  readonly listen: TransportAddress;
  /** RFC 5780 alternate address and port. */
  readonly alternate?: TransportAddress;
  readonly software?: string;
}

/** The scenario app "stun-server": a STUN server (sim/stun) on its primary and, optionally, alternate address. */
export const stunServerApp: AppKind<StunServerAppSpec, StunServer> = {
  kind: 'stun-server',
  about: 'a STUN server (RFC 8489), with an optional RFC 5780 alternate address',
  parse(c, path, o, ctx) {
    const host = hostField(c, path, 'host', o.host, ctx);
    if (host === undefined) return undefined;
    c.onlyKeys(path, o, ['kind', 'host', 'listen', 'alternate', 'software']);
    const listen = c.transport(join(path, 'listen'), o.listen);
    const alternate = o.alternate === undefined ? undefined : c.transport(join(path, 'alternate'), o.alternate);
    if (listen && alternate && (alternate.ip === listen.ip || alternate.port === listen.port)) {
      c.fail(join(path, 'alternate'), 'RFC 5780 §4.1: the alternate must differ from listen in both address and port');
    }
    const software = o.software === undefined ? undefined : c.string(join(path, 'software'), o.software);
    if (!listen) return undefined;
    return { kind: 'stun-server', host, listen, ...(alternate ? { alternate } : {}), ...(software !== undefined ? { software } : {}) };
  },
  build(world, host, spec, ctx) {
    ctx.own(spec.listen, 'listen');
    if (spec.alternate) ctx.own(spec.alternate, 'alternate');
    const endpoint = new StunServer({ primary: spec.listen, ...(spec.alternate ? { alternate: spec.alternate } : {}), ...(spec.software !== undefined ? { software: spec.software } : {}) });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    for (const a of endpoint.addresses()) if (!driver.bound(a)) driver.bind(a.ip, a.port);
    return { endpoint, driver };
  },
  sections: [STUN_SECTION],
  summary: ({ spec, endpoint: e }) => [{ section: STUN_SECTION, value: { kind: spec.kind, host: spec.host, ...e.stats, seen: e.seen.map((s) => ({ ...s })) } }],
  entryLines: (_section, a) => [`  STUN server on ${String(a.host)}: ${String(a.requests)} requests, ${String(a.responses)} responses, ${String(a.errors)} errors`],
  notes: ['stun.*'],
};
