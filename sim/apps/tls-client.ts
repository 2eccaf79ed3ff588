import { TLS_NOTE_KINDS } from '../tls/notes.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { duration, list, optional, required, text, transport, withDefault } from '../schema/fields.ts';
import { checkTlsConfig, type TlsConfig } from '../tls/config.ts';
import { TlsClientEndpoint } from '../tls/tcp-endpoints.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { ALL_GROUPS, ALL_SUITES, ALL_VERSIONS, TLS_GROUP, TLS_SUITE, TLS_VERSION, X25519_ONLY, sessionJson, sessionLine } from './tls-server.ts';

/**
 * The scenario app "tls-client": connects over TCP to a TLS server at `at`, completes a TLS 1.3 (or 1.2)
 * handshake with SNI and ALPN, sends `message`, and closes (close_notify, then FIN) after the first answer.
 *
 *   { "kind": "tls-client", "host": "alice", "server": "198.51.100.10:443", "sni": "server.example", "alpn": ["http/1.1"] }
 */
export interface TlsClientAppSpec {
  readonly kind: 'tls-client';
  readonly host: string;
  readonly server: TransportAddress;
  readonly at: Micros;
  readonly message: string;
  readonly handshakeTimeout: Micros;
  readonly config: TlsConfig;
}

export const tlsClientApp = defineApp({
  kind: 'tls-client',
  about: 'connects to a TLS server over TCP, sends a message and closes after the answer',
  fields: [
    kindField('tls-client'),
    HOST_FIELD,
    required('server', transport, 'The TLS server to connect to.', '198.51.100.10:443'),
    optional('sni', text, 'The server name it sends (RFC 6066 server_name).', 'server.example'),
    withDefault('alpn', list(text), [], '`[]`', 'ALPN protocols it offers (RFC 7301), in order.', ['h2', 'http/1.1']),
    withDefault('versions', list(TLS_VERSION, { nonEmpty: 'at least one version' }), ALL_VERSIONS, '`["1.3", "1.2"]`', 'The TLS versions it offers (supported_versions); `["1.2"]` makes a TLS 1.2-only client.', ['1.2']),
    withDefault('cipherSuites', list(TLS_SUITE, { nonEmpty: 'at least one suite' }), ALL_SUITES, 'all three', 'TLS 1.3 cipher suites it offers, in order.', ['TLS_AES_256_GCM_SHA384']),
    withDefault('groups', list(TLS_GROUP, { nonEmpty: 'at least one group' }), ALL_GROUPS, '`["x25519", "p256"]`', 'Key exchange groups it supports (supported_groups).', ['p256']),
    withDefault('keyShares', list(TLS_GROUP, { nonEmpty: 'at least one share' }), X25519_ONLY, '`["x25519"]`', 'Groups it sends a key share for in its first ClientHello; a server wanting another answers with a HelloRetryRequest.', ['x25519', 'p256']),
    withDefault('message', text, 'hello over TLS', '`"hello over TLS"`', 'What it sends once the handshake completes.', 'GET / HTTP/1.1\r\nHost: server.example\r\n\r\n'),
    withDefault('at', duration, 0, '`0`', 'When it connects.', '1s'),
    withDefault('handshakeTimeout', duration, 10_000_000, '`"10s"`', 'Gives up (user_canceled alert, then RST) when the handshake has not completed this long after connecting.', '30s'),
  ],
  check(c, path, v) {
    const problem = checkTlsConfig({ ...(v.versions ? { versions: v.versions } : {}), ...(v.groups ? { groups: v.groups } : {}), ...(v.keyShares ? { keyShares: v.keyShares } : {}), ...(v.alpn ? { alpn: v.alpn } : {}) });
    if (problem) c.fail(path, problem);
  },
  spec: (v): TlsClientAppSpec => ({
    kind: 'tls-client',
    host: v.host,
    server: v.server,
    at: v.at,
    message: v.message,
    handshakeTimeout: v.handshakeTimeout,
    config: { versions: v.versions, cipherSuites: v.cipherSuites, groups: v.groups, keyShares: v.keyShares, alpn: v.alpn, ...(v.sni !== undefined ? { serverName: v.sni } : {}) },
  }),
  build(world, host, spec: TlsClientAppSpec, ctx) {
    const endpoint = new TlsClientEndpoint({ tcp: world.tcp(host), server: spec.server, config: spec.config, rng: world.rng(ctx.source), at: spec.at, message: spec.message, handshakeTimeout: spec.handshakeTimeout });
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    endpoint.onOutput = () => driver.pump();
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }) => ({ server: formatTransportAddress(spec.server), response: e.response, connections: e.sessions.map(sessionJson) }),
  appLines(a) {
    const conns = a.connections as Obj[];
    return [
      `  TLS client on ${String(a.host)}: ${conns.map(sessionLine).join('; ') || `not connected to ${String(a.server)}`}`,
      ...(a.response ? [`    answer: ${JSON.stringify(a.response)}`] : []),
    ];
  },
  notes: [TLS_NOTE_KINDS],
});
