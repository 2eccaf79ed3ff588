import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join } from '../schema/check.ts';
import { SfuServer } from '../sfu/server.ts';
import type { AppKind } from './app-kind.ts';
import { hostField } from './fields.ts';
import { SFU_SECTION } from './sections.ts';

/**
 * The scenario app "sfu": a mediasoup-style SFU (sim/sfu/server.ts) on one address and a port range, on the
 * scenario's signaling server.
 *
 *   { "kind": "sfu", "host": "sfu", "ip": "198.51.100.30", "ports": "40000-40099", "signalingDelay": "20ms" }
 */
export interface SfuAppSpec {
  readonly kind: 'sfu';
  readonly host: string;
  readonly ip: string;
  readonly ports: { readonly min: number; readonly max: number };
  readonly signalingDelay: Micros;
}

export const sfuApp: AppKind<SfuAppSpec, SfuServer> = {
  kind: 'sfu',
  about: 'a mediasoup-style SFU: ICE-lite, DTLS server, forwards media between clients',
  parse(c, path, o, ctx) {
    c.onlyKeys(path, o, ['kind', 'host', 'ip', 'ports', 'signalingDelay']);
    const host = hostField(c, path, 'host', o.host, ctx);
    const ip = c.ip(join(path, 'ip'), o.ip);
    let ports = { min: 40000, max: 40099 };
    if (o.ports !== undefined) {
      const m = typeof o.ports === 'string' ? /^(\d+)-(\d+)$/.exec(o.ports) : null;
      if (!m || Number(m[1]) < 1 || Number(m[2]) > 65535 || Number(m[1]) > Number(m[2])) c.fail(join(path, 'ports'), 'a port range "min-max", e.g. "40000-40099"');
      else ports = { min: Number(m[1]), max: Number(m[2]) };
    }
    const signalingDelay = o.signalingDelay === undefined ? 20 * MS : (c.duration(join(path, 'signalingDelay'), o.signalingDelay) ?? 20 * MS);
    if (host === undefined || ip === undefined) return undefined;
    return { kind: 'sfu', host, ip, ports, signalingDelay };
  },
  build(world, host, spec, ctx) {
    ctx.own({ ip: spec.ip }, 'ip');
    const endpoint = new SfuServer(spec.host, world.rng(ctx.source), world.identity(spec.host), spec.ip, spec.ports);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    endpoint.bindPort = (port) => driver.bind(spec.ip, port);
    const hub = world.signaling;
    hub.add(spec.host, { deliver: (now, from, msg) => ('type' in msg ? undefined : endpoint.handleSignal(now, from, msg)), pump: () => driver.pump() }, spec.signalingDelay);
    endpoint.onSignal = (now, to, m) => hub.send(now, spec.host, to, m);
    return { endpoint, driver };
  },
  sections: [SFU_SECTION],
  summary: ({ endpoint, driver }) => [{ section: SFU_SECTION, key: driver.source, value: endpoint.summary() }],
  notes: ['sfu.*', 'ice.*', 'dtls.*', 'srtp.*', 'rtcp.*', 'signaling.*'],
};
