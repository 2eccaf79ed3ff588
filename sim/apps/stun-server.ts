import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join } from '../schema/check.ts';
import { optional, required, text, transport } from '../schema/fields.ts';
import { StunServer } from '../stun/server.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import { STUN_SECTION } from './sections.ts';

export interface StunServerAppSpec {
  readonly kind: 'stun-server';
  readonly host: string;
  readonly listen: TransportAddress;
  /** RFC 5780 alternate address and port. */
  readonly alternate?: TransportAddress;
  readonly software?: string;
  /** A misconfiguration: answers leave from this address, not the one the request came to. */
  readonly replyFrom?: TransportAddress;
}

/** The scenario app "stun-server": a STUN server (sim/stun) on its primary and, optionally, alternate address. */
export const stunServerApp = defineApp({
  kind: 'stun-server',
  about: 'a STUN server (RFC 8489), with an optional RFC 5780 alternate address',
  fields: [
    kindField('stun-server'),
    HOST_FIELD,
    required('listen', transport, 'The primary address and port.', '198.51.100.10:3478'),
    optional('alternate', transport, 'The RFC 5780 alternate address and port; both must differ from `listen` (RFC 5780 §4.1).', '198.51.100.11:3479'),
    optional('software', text, 'The SOFTWARE attribute in every response; `""` sends none.', 'rtclab stun', '`"rtclab stun"`'),
    optional('replyFrom', transport, "A misconfiguration: every Binding answer leaves from this address (one of the host's) instead of the one the request came to, as a UDP server bound to the wildcard address of a multihomed host answers from its primary address; a NAT that filters by address drops the answers. It also listens there. Not with `alternate`.", '198.51.100.30:3478'),
  ],
  check(c, path, v) {
    const { listen, alternate } = v;
    if (listen && alternate && (alternate.ip === listen.ip || alternate.port === listen.port)) {
      c.fail(join(path, 'alternate'), 'RFC 5780 §4.1: the alternate must differ from listen in both address and port');
    }
    if (alternate && v.replyFrom) c.fail(join(path, 'replyFrom'), 'replyFrom and alternate together: RFC 5780 chooses the source of each answer from CHANGE-REQUEST');
  },
  spec: (v): StunServerAppSpec => ({ kind: 'stun-server', host: v.host, listen: v.listen, ...(v.alternate ? { alternate: v.alternate } : {}), ...(v.software !== undefined ? { software: v.software } : {}), ...(v.replyFrom ? { replyFrom: v.replyFrom } : {}) }),
  build(world, host, spec: StunServerAppSpec, ctx) {
    ctx.own(spec.listen, 'listen');
    if (spec.alternate) ctx.own(spec.alternate, 'alternate');
    if (spec.replyFrom) ctx.own(spec.replyFrom, 'replyFrom');
    const endpoint = new StunServer({ primary: spec.listen, ...(spec.alternate ? { alternate: spec.alternate } : {}), ...(spec.software !== undefined ? { software: spec.software } : {}), ...(spec.replyFrom ? { replyFrom: spec.replyFrom } : {}) });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    for (const a of endpoint.addresses()) if (!driver.bound(a)) driver.bind(a.ip, a.port);
    return { endpoint, driver };
  },
  sections: [STUN_SECTION],
  summary: ({ spec, endpoint: e }) => [{ section: STUN_SECTION, value: { kind: spec.kind, host: spec.host, ...e.stats, seen: e.seen.map((s) => ({ ...s })) } }],
  entryLines: (_section, a) => [`  STUN server on ${String(a.host)}: ${String(a.requests)} requests, ${String(a.responses)} responses, ${String(a.errors)} errors`],
  notes: [STUN_NOTE_KINDS],
});
