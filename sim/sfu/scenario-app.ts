import type { Endpoint } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { makePeer, parsePeerCommon, signalingHubFor } from '../peer/call-app.ts';
import { identityFor } from '../peer/scenario-app.ts';
import { join, type Check } from '../scenario/check.ts';
import { SfuClient } from './client.ts';
import { SfuServer } from './server.ts';

/**
 * Scenario apps for the SFU:
 *
 *   { "kind": "sfu", "host": "sfu", "ip": "198.51.100.30", "ports": "40000-40099", "signalingDelay": "20ms" }
 *   { "kind": "sfu-client", "host": "alice", "sfu": "sfu", "media": { "audio": true, "video": true }, "startAt": "0s" }
 *
 * The client takes the same ICE-server, media and DTLS options as a webrtc-peer.
 */
export const SFU_APP_KIND = 'sfu';
export const SFU_CLIENT_APP_KIND = 'sfu-client';

export interface SfuAppSpec {
  readonly kind: 'sfu';
  readonly host: string;
  readonly ip: string;
  readonly ports: { readonly min: number; readonly max: number };
  readonly signalingDelay: Micros;
}

export type SfuClientAppSpec = { readonly kind: 'sfu-client'; readonly host: string; readonly sfu: string } & ReturnType<typeof parsePeerCommon>;

export function parseSfuApp(c: Check, path: string, o: Record<string, unknown>, kinds: Map<string, string>): SfuAppSpec | undefined {
  c.onlyKeys(path, o, ['kind', 'host', 'ip', 'ports', 'signalingDelay']);
  const host = c.string(join(path, 'host'), o.host);
  if (host !== undefined && kinds.get(host) !== 'host') c.fail(join(path, 'host'), `no host named ${JSON.stringify(host)}`);
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
}

export function parseSfuClientApp(c: Check, path: string, o: Record<string, unknown>, kinds: Map<string, string>): SfuClientAppSpec | undefined {
  c.onlyKeys(path, o, ['kind', 'host', 'sfu', 'stun', 'turn', 'trickle', 'media', 'signalingDelay', 'srtpProfiles', 'curves', 'mtu', 'port', 'startAt']);
  const host = c.string(join(path, 'host'), o.host);
  if (host !== undefined && kinds.get(host) !== 'host') c.fail(join(path, 'host'), `no host named ${JSON.stringify(host)}`);
  const sfu = c.string(join(path, 'sfu'), o.sfu);
  if (sfu !== undefined && kinds.get(sfu) !== 'host') c.fail(join(path, 'sfu'), `no host named ${JSON.stringify(sfu)}`);
  const common = parsePeerCommon(c, path, o);
  if (host === undefined || sfu === undefined) return undefined;
  return { kind: 'sfu-client', host, sfu, ...common };
}

export function buildSfuApp(net: Network, host: Host, spec: SfuAppSpec, source: string, own: (addr: { ip: string }, field: string) => void): { endpoint: SfuServer; driver: EndpointDriver } {
  own({ ip: spec.ip }, 'ip');
  const endpoint = new SfuServer(spec.host, net.rng.fork(source), identityFor(net, spec.host), spec.ip, spec.ports);
  const driver = new EndpointDriver(net, host, endpoint, source);
  endpoint.bindPort = (port) => driver.bind(spec.ip, port);
  driver.joinSignaling(signalingHubFor(net), spec.host, { delay: spec.signalingDelay });
  return { endpoint, driver };
}

export function buildSfuClientApp(net: Network, host: Host, spec: SfuClientAppSpec, source: string): { endpoint: SfuClient; driver: EndpointDriver } {
  const peer = makePeer(net, source, spec.host, spec, true, false);
  const endpoint = new SfuClient(peer, spec.host, spec.startAt, spec.sfu);
  const driver = new EndpointDriver(net, host, endpoint, source);
  for (const ip of host.addresses()) peer.addLocalAddress(driver.bind(ip, spec.port));
  driver.joinSignaling(signalingHubFor(net), spec.host, { delay: spec.signalingDelay });
  return { endpoint, driver };
}

/** `summary.sfu[source]` for every SFU app; undefined without one. */
export function sfuSummary(apps: readonly { readonly endpoint: Endpoint; readonly driver: EndpointDriver }[]): JsonValue | undefined {
  const out: { [key: string]: JsonValue } = {};
  for (const a of apps) if (a.endpoint instanceof SfuServer) out[a.driver.source] = a.endpoint.summary();
  return Object.keys(out).length > 0 ? out : undefined;
}
