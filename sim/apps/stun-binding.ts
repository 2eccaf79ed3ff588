import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join } from '../schema/check.ts';
import { custom, required, transport, withDefault } from '../schema/fields.ts';
import { StunBindingClient } from '../stun/binding-client.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { formatMs, STUN_SECTION } from './sections.ts';

export interface StunBindingAppSpec {
  readonly kind: 'stun-binding';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly at: readonly Micros[];
}

/** One duration or a list of them; a single value is checked as the list's first entry (`at[0]`). */
const durations = custom<Micros[]>('duration or array of durations', (c, path, v) => {
  const raw = Array.isArray(v) ? v : [v];
  return raw.map((x, i) => c.duration(join(path, i), x)).filter((x) => x !== undefined);
});

/** The scenario app "stun-binding": Binding requests (sim/stun) at the times in `at`. */
export const stunBindingApp = defineApp({
  kind: 'stun-binding',
  about: 'sends STUN Binding requests and reports the mapped address',
  fields: [
    kindField('stun-binding'),
    HOST_FIELD,
    required('bind', transport, 'The local address and port.', '203.0.113.50:5000'),
    required('server', transport, 'The STUN server (a `stun-server` or a `turn-server`).', '198.51.100.10:3478'),
    withDefault('at', durations, [0], '`["0s"]`', 'When to send a request.', ['0s', '1s']),
  ],
  spec: (v): StunBindingAppSpec => ({ kind: 'stun-binding', host: v.host, bind: v.bind, server: v.server, at: v.at }),
  build(world, host, spec: StunBindingAppSpec, ctx) {
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
  notes: [STUN_NOTE_KINDS],
});
