import { TLS_NOTE_KINDS } from '../tls/notes.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { integer, list, oneOf, optional, text, withDefault } from '../schema/fields.ts';
import { checkTlsConfig, type TlsConfig, type TlsGroupName, type TlsSuiteName, type TlsVersionName } from '../tls/config.ts';
import { TlsServerEndpoint, type TlsSessionSummary } from '../tls/tcp-endpoints.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';

/**
 * The scenario app "tls-server": TLS 1.3 and 1.2 (sim/tls) on a TCP port of its host, echoing what it reads or
 * answering with a fixed text; its certificate is a self-signed ECDSA P-256 one drawn from the app's RNG stream.
 *
 *   { "kind": "tls-server", "host": "server", "port": 443, "alpn": ["h2", "http/1.1"] }
 */

export const TLS_VERSION = oneOf(['1.2', '1.3'] as const);
export const TLS_GROUP = oneOf(['x25519', 'p256'] as const);
export const TLS_SUITE = oneOf(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const);

export const ALL_VERSIONS: TlsVersionName[] = ['1.3', '1.2'];
export const ALL_SUITES: TlsSuiteName[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
export const ALL_GROUPS: TlsGroupName[] = ['x25519', 'p256'];
export const X25519_ONLY: TlsGroupName[] = ['x25519'];

export interface TlsServerAppSpec {
  readonly kind: 'tls-server';
  readonly host: string;
  readonly port: number;
  readonly config: TlsConfig;
  readonly response?: string;
}

export const tlsServerApp = defineApp({
  kind: 'tls-server',
  about: 'a TLS 1.3/1.2 server on TCP that echoes (or answers with a fixed text), with a self-signed ECDSA certificate',
  fields: [
    kindField('tls-server'),
    HOST_FIELD,
    withDefault('port', integer(1, 65535), 443, '`443`', 'The TCP port it listens on (every address of the host).', 5349),
    withDefault('versions', list(TLS_VERSION, { nonEmpty: 'at least one version' }), ALL_VERSIONS, '`["1.3", "1.2"]`', 'The TLS versions it accepts; 1.2 is TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 with the extended master secret.', ['1.3']),
    withDefault('cipherSuites', list(TLS_SUITE, { nonEmpty: 'at least one suite' }), ALL_SUITES, 'all three', 'TLS 1.3 cipher suites in its order of preference.', ['TLS_CHACHA20_POLY1305_SHA256']),
    withDefault('groups', list(TLS_GROUP, { nonEmpty: 'at least one group' }), ALL_GROUPS, '`["x25519", "p256"]`', 'Key exchange groups in its order of preference; a client with no share of one gets a HelloRetryRequest.', ['p256']),
    withDefault('alpn', list(text), [], '`[]`', 'ALPN protocols (RFC 7301) in its order of preference; a client offering none of them is refused (no_application_protocol).', ['h2', 'http/1.1']),
    optional('commonName', text, "The CN of its generated certificate.", 'turn.example.org', '`"rtclab"`'),
    optional('response', text, 'Answers every piece of data with this text instead of echoing it.', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'echo'),
    withDefault('tickets', integer(0, 8), 1, '`1`', 'TLS 1.3 NewSessionTicket messages sent after the handshake (resumption is not implemented).', 2),
  ],
  check(c, path, v) {
    const problem = checkTlsConfig({ ...(v.versions ? { versions: v.versions } : {}), ...(v.groups ? { groups: v.groups } : {}), ...(v.alpn ? { alpn: v.alpn } : {}) });
    if (problem) c.fail(path, problem);
  },
  spec: (v): TlsServerAppSpec => ({
    kind: 'tls-server',
    host: v.host,
    port: v.port,
    config: { versions: v.versions, cipherSuites: v.cipherSuites, groups: v.groups, alpn: v.alpn, tickets: v.tickets, ...(v.commonName !== undefined ? { serverName: v.commonName } : {}) },
    ...(v.response !== undefined ? { response: v.response } : {}),
  }),
  build(world, host, spec: TlsServerAppSpec, ctx) {
    const endpoint = new TlsServerEndpoint({ tcp: world.tcp(host), port: spec.port, config: spec.config, rng: world.rng(ctx.source), ...(spec.response !== undefined ? { response: spec.response } : {}) });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    endpoint.onOutput = () => driver.pump();
    endpoint.listen();
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }) => ({ port: spec.port, connections: e.sessions.map(sessionJson) }),
  appLines(a) {
    const conns = a.connections as Obj[];
    return [`  TLS server on ${String(a.host)}:${String(a.port)}: ${conns.length} connection(s)`, ...conns.map((c) => `    ${sessionLine(c)}`)];
  },
  notes: [TLS_NOTE_KINDS],
});

export function sessionJson(s: TlsSessionSummary): Obj {
  return { remote: s.remote, state: s.state, version: s.version, cipherSuite: s.cipherSuite, alpn: s.alpn, sni: s.sni, bytesIn: s.bytesIn, bytesOut: s.bytesOut, error: s.error };
}

export function sessionLine(c: Obj): string {
  const what = c.version === null ? 'no handshake' : `${String(c.version)} ${String(c.cipherSuite)}${c.alpn !== null ? `, ALPN ${String(c.alpn)}` : ''}${c.sni !== null ? `, SNI ${String(c.sni)}` : ''}`;
  return `${String(c.remote)}: ${what}, ${String(c.bytesOut)} bytes out, ${String(c.bytesIn)} in, ${String(c.state)}${c.error !== null ? ` (${String(c.error)})` : ''}`;
}

