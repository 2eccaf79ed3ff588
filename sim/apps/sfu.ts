import { DTLS_NOTE_KINDS } from '../dtls/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { ICE_NOTE_KINDS } from '../ice/notes.ts';
import { SFU_NOTE_KINDS } from '../sfu/notes.ts';
import { SIGNALING_NOTE_KINDS } from '../signaling/notes.ts';
import { SRTP_NOTE_KINDS } from '../srtp/notes.ts';
import { TLS_NOTE_KINDS } from '../tls/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { bool, custom, duration, ip, required, withDefault } from '../schema/fields.ts';
import { StreamLinks } from './stream-links.ts';
import { SfuServer } from '../sfu/server.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
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
  /** mediasoup's enableTcp: each transport also listens on TCP (its UDP port number) for ICE-TCP, tcptype passive. */
  readonly enableTcp: boolean;
}

/** "40000-40099": the ports transports are given. */
export const portRange = custom<SfuAppSpec['ports']>('text `"min-max"`', (c, path, v) => {
  const m = typeof v === 'string' ? /^(\d+)-(\d+)$/.exec(v) : null;
  if (!m || Number(m[1]) < 1 || Number(m[2]) > 65535 || Number(m[1]) > Number(m[2])) return c.fail(path, 'a port range "min-max", e.g. "40000-40099"');
  return { min: Number(m[1]), max: Number(m[2]) };
});

export const sfuApp = defineApp({
  kind: 'sfu',
  about: 'a mediasoup-style SFU: ICE-lite, DTLS server, forwards media between clients',
  fields: [
    kindField('sfu'),
    HOST_FIELD,
    required('ip', ip, 'The address its transports listen on (an address of its host).', '198.51.100.30'),
    withDefault('ports', portRange, { min: 40000, max: 40099 }, '`"40000-40099"`', 'The ports transports are given.', '40000-40099'),
    withDefault('enableTcp', bool, false, '`false`', "mediasoup's `enableTcp`: each WebRtcTransport also listens on TCP at its UDP port number and signals a passive ICE-TCP candidate (RFC 6544), so a browser whose UDP is blocked reaches it with an active one; STUN, DTLS and SRTP then travel framed per RFC 4571.", true),
    withDefault('signalingDelay', duration, 20 * MS, '`"20ms"`', 'One-way delay of the messages the SFU sends through the ideal signaling server; with a `signaling-server` app the network decides instead.', '20ms'),
  ],
  spec: ({ host, ip: address, ports, signalingDelay, enableTcp }): SfuAppSpec => ({ kind: 'sfu', host, ip: address, ports, signalingDelay, enableTcp }),
  build(world, host, spec: SfuAppSpec, ctx) {
    ctx.own({ ip: spec.ip }, 'ip');
    const endpoint = new SfuServer(spec.host, world.rng(ctx.source), world.identity(spec.host), spec.ip, spec.ports);
    // with enableTcp the server runs inside StreamLinks, which accepts the ICE-TCP connections and frames them (RFC 4571)
    const links = spec.enableTcp ? new StreamLinks(endpoint, { world, host, framing: 'rfc4571', closed: (now, local, remote, error) => endpoint.handleStreamClosed(now, local, remote, error) }, ctx.source) : undefined;
    const driver = new EndpointDriver(world.net, host, links ?? endpoint, ctx.source);
    links?.attach(driver);
    endpoint.bindPort = (port) => driver.bind(spec.ip, port);
    if (links) {
      endpoint.listenTcp = (port) => {
        links.listen(port, 'tcp', { ip: spec.ip });
        return { ip: spec.ip, port };
      };
    }
    driver.joinSignaling(world.signaling, spec.host, { delay: spec.signalingDelay, protocol: 'protoo' });
    return { endpoint, driver };
  },
  sections: [SFU_SECTION],
  summary: ({ endpoint, driver }) => [{ section: SFU_SECTION, key: driver.source, value: endpoint.summary() }],
  notes: [SFU_NOTE_KINDS, ICE_NOTE_KINDS, DTLS_NOTE_KINDS, SRTP_NOTE_KINDS, SIGNALING_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS, TLS_NOTE_KINDS],
});
