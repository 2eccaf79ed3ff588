import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { SIGNALING_NOTE_KINDS } from '../signaling/notes.ts';
import { TLS_NOTE_KINDS } from '../tls/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import type { Endpoint, EndpointOutput } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { SECOND, type Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { Host } from '../net/host.ts';
import { connectStream, listenStreams } from '../net/tcp-stream.ts';
import type { TcpStream } from '../net/tcp-stream.ts';
import { bool, duration, hostName, integer, ip, list, object, oneOf, optional, text, withDefault } from '../schema/fields.ts';
import { MANGLED_MESSAGES, type MangleRule } from '../signaling-wire/mangle.ts';
import { SignalingRelay } from '../signaling-wire/relay.ts';
import { WireSignalingTransport } from '../signaling-wire/transport.ts';
import type { NoteBody } from '../core/note.ts';
import type { ByteStream } from '../net/stream.ts';
import { generateTlsIdentity } from '../tls/config.ts';
import { TlsStream, type TlsSink } from '../tls/stream.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';

/**
 * The scenario app "signaling-server": the scenario's signaling service as a server on a host. With one in the
 * scenario, every party of the signaling server (webrtc-peer, sfu, sfu-client) connects to it from its own host
 * over TCP — a WebSocket (`scheme` "ws", or "wss" over TLS) or HTTP POSTs and long polls ("http", "https") — and offers, answers, candidates
 * and protoo requests travel as JSON bytes through NATs and firewalls (sim/signaling-wire).
 * Without one, signaling stays ideal (a delay per party, no bytes). ice-agent pairs keep their private relay.
 *
 *   { "kind": "signaling-server", "host": "sig", "port": 80, "path": "/signaling", "scheme": "ws",
 *     "processingDelay": "20ms" }
 */
export interface SignalingServerSpec {
  readonly kind: 'signaling-server';
  readonly host: string;
  readonly address?: string;
  readonly port: number;
  readonly path: string;
  readonly scheme: Scheme;
  readonly serverName: string;
  readonly processingDelay: Micros;
  readonly pollTimeout: Micros;
  readonly startAt: Micros;
  readonly stopAt?: Micros;
  readonly connectAt: Micros;
  readonly retries: number;
  readonly retryDelay: Micros;
  readonly mangle: readonly MangleRule[];
}

/**
 * The app's endpoint: the relay works on TCP streams (sim/net/tcp-stream.ts), not through the datagram contract, so
 * this endpoint takes no datagrams and has no deadline; it is what the builder and summary hold the relay by.
 */
export class SignalingServerEndpoint implements Endpoint {
  constructor(
    readonly relay: SignalingRelay,
    readonly transport: WireSignalingTransport,
    /** "ws://198.51.100.20:80/signaling" */
    readonly url: string,
  ) {}
  handleDatagram(): void {}
  handleTimeout(): void {}
  poll(): EndpointOutput {
    return { type: 'idle' };
  }
}

type Scheme = 'ws' | 'wss' | 'http' | 'https';
const SCHEMES: readonly Scheme[] = ['ws', 'wss', 'http', 'https'];
const secure = (s: Scheme): boolean => s === 'wss' || s === 'https';

const PATH = { ...text, text: 'text (a path)', parse: (c: Parameters<typeof text.parse>[0], path: string, v: unknown, ctx: Parameters<typeof text.parse>[3]) => {
  const s = text.parse(c, path, v, ctx);
  if (s === undefined) return undefined;
  return /^\/[A-Za-z0-9._~/-]*$/.test(s) ? s : c.fail(path, 'a path such as "/signaling" (starts with "/", no query)');
} };

const SDP_EDITS = object([
  optional('removeCandidates', bool, 'Remove every a=candidate and a=end-of-candidates line.'),
  optional('iceUfrag', text, 'Replace every a=ice-ufrag value.'),
  optional('icePwd', text, 'Replace every a=ice-pwd value.'),
  optional('setup', oneOf(['active', 'passive', 'actpass'] as const), 'Replace every a=setup value.'),
  optional('fingerprint', text, 'Replace every a=fingerprint value ("sha-256 AB:…").'),
  optional('removeCodecs', list(text), 'Remove these codecs (rtpmap names) and the RTX types repairing them.'),
  optional('direction', oneOf(['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const), 'Replace every direction attribute.'),
]);
const MANGLE_RULE = object([
  withDefault('message', oneOf(MANGLED_MESSAGES), 'offer', '`"offer"`', 'Which messages the rule changes.', 'answer'),
  optional('from', hostName, 'Only messages from this party.'),
  optional('to', hostName, 'Only messages to this party.'),
  optional('drop', bool, 'Drop the message instead of forwarding it.'),
  optional('sdp', SDP_EDITS, 'Edits of an offer\'s or answer\'s SDP.'),
]);
/** Drops the absent optional fields, so that a rule holds only what the scenario said. */
function mangleRule(v: { message: MangleRule['message']; from?: string | undefined; to?: string | undefined; drop?: boolean | undefined; sdp?: Record<string, unknown> | undefined }): MangleRule {
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
  return defined({ message: v.message, from: v.from, to: v.to, drop: v.drop, sdp: v.sdp ? defined(v.sdp) : undefined }) as MangleRule;
}

export const signalingServerApp = defineApp({
  kind: 'signaling-server',
  about: 'the signaling service on a host: parties connect over TCP (WebSocket or HTTP long poll) and their messages travel as bytes',
  fields: [
    kindField('signaling-server'),
    HOST_FIELD,
    optional('address', ip, 'The address it listens on (an address of its host).', '198.51.100.20', 'the host\'s first address'),
    optional('port', integer(1, 65535), 'The TCP port it listens on.', 443, '`80` (`ws`, `http`) or `443` (`wss`, `https`)'),
    withDefault('path', PATH, '/signaling', '`"/signaling"`', 'The path it serves; a party connects to `<path>?peer=<its host>`.', '/signaling'),
    withDefault('scheme', oneOf(SCHEMES), 'ws', '`"ws"`', '`"ws"`: one WebSocket per party (subprotocol `protoo`, `jsep` or `ice`); `"http"`: a POST per message and a long-poll GET; `"wss"`, `"https"`: the same over TLS (sim/tls, ALPN http/1.1; the key log is in the trace).', 'wss'),
    withDefault('serverName', text, 'signaling.example', '`"signaling.example"`', 'With TLS: the name clients send in SNI and the CN of its self-signed certificate.', 'signaling.example'),
    withDefault('processingDelay', duration, 0, '`0`', 'How long it takes over each message before forwarding it (a slow server).', '200ms'),
    withDefault('pollTimeout', duration, 30 * SECOND, '`"30s"`', 'A long-poll GET with nothing to say is answered 204 after this long.', '30s'),
    withDefault('startAt', duration, 0, '`0`', 'When it starts listening; before that, connections are refused (RST).', '3s'),
    optional('stopAt', duration, 'When it stops: the listener closes and every connection is reset.', '10s'),
    withDefault('connectAt', duration, 0, '`0`', 'When the parties open their connections to it.', '0s'),
    withDefault('retries', integer(0, 20), 4, '`4`', 'Reconnection attempts of a party after a refused or failed connection.', 4),
    withDefault('retryDelay', duration, SECOND, '`"1s"`', 'The wait before the first reconnection; it doubles at each attempt.', '1s'),
    withDefault('mangle', list(MANGLE_RULE), [], '`[]`', 'A faulty signaling layer: rules the server applies to the messages it forwards (sim/signaling-wire/mangle.ts), each `{ "message": "offer"|"answer"|"candidate"|"end-of-candidates", "from"?, "to"?, "drop"?: true, "sdp"?: { "removeCandidates"?, "iceUfrag"?, "icePwd"?, "setup"?, "fingerprint"?, "removeCodecs"?: ["opus"], "direction"? } }`. The server notes each change (`signaling.mangled`); the diagnosis finds what it broke.', [{ message: 'answer', sdp: { setup: 'passive' } }]),
  ],
  spec: (v): SignalingServerSpec => ({
    kind: 'signaling-server', host: v.host, ...(v.address !== undefined ? { address: v.address } : {}), port: v.port ?? (secure(v.scheme) ? 443 : 80), path: v.path, scheme: v.scheme, serverName: v.serverName,
    processingDelay: v.processingDelay, pollTimeout: v.pollTimeout, startAt: v.startAt, ...(v.stopAt !== undefined ? { stopAt: v.stopAt } : {}),
    connectAt: v.connectAt, retries: v.retries, retryDelay: v.retryDelay, mangle: v.mangle.map(mangleRule),
  }),
  build(world, host, spec: SignalingServerSpec, ctx) {
    if (spec.address !== undefined) ctx.own({ ip: spec.address }, 'address');
    const address = spec.address ?? host.addresses()[0]!;
    const net = world.net;
    const note = (_t: Micros, n: NoteBody): void => net.note(ctx.source, n);
    const relay = new SignalingRelay(net.scheduler, note, { path: spec.path, mode: spec.scheme === 'ws' || spec.scheme === 'wss' ? 'websocket' : 'http', processingDelay: spec.processingDelay, pollTimeout: spec.pollTimeout, maxQueued: 256, mangle: spec.mangle });
    const tcp = world.tcp(host);
    const streams: TcpStream[] = [];
    const mode = spec.scheme === 'ws' || spec.scheme === 'wss' ? 'websocket' : 'http';
    // with TLS: one certificate for the server, each connection its own RNG stream (by a stable count) and the key log in the trace
    const identity = secure(spec.scheme) ? generateTlsIdentity(world.rng(`${ctx.source}/tls-identity`), spec.serverName) : undefined;
    const sink = (source: string): TlsSink => ({ note: (_t, n) => net.note(source, n), secret: (t, text) => net.trace.secret({ t, kind: 'nss-keylog', source, text }) });
    let accepted = 0;
    const serverSide = (stream: TcpStream): ByteStream =>
      identity ? new TlsStream(net.now, stream, { role: 'server', config: { identity, alpn: ['http/1.1'] }, rng: world.rng(`${ctx.source}/tls/${accepted++}`), sink: sink(ctx.source) }) : stream;
    tcp.reserve(spec.port, ctx.source); // it listens at startAt: a clash fails the build, naming the app
    net.scheduler.at(spec.startAt, 'signaling-server start', () => {
      const listener = listenStreams(tcp, spec.port, (stream) => {
        // TCP_NODELAY, as Node's http and ws servers set it: a message does not wait behind Nagle's algorithm
        stream.connection.noDelay = true;
        streams.push(stream);
        relay.accept(serverSide(stream));
      }, { ip: address });
      if (spec.stopAt !== undefined) {
        net.scheduler.at(Math.max(spec.stopAt, spec.startAt), 'signaling-server stop', () => {
          tcp.act(() => listener.close(net.now));
          for (const s of streams) s.abort(net.now);
        });
      }
    });
    const transport = new WireSignalingTransport(net, {
      server: { address: { ip: address, port: spec.port }, path: spec.path, mode, retries: spec.retries, retryDelay: spec.retryDelay },
      serverHost: spec.host,
      relay,
      connectAt: spec.connectAt,
      party: (name) => {
        const node = net.nodes.get(name);
        if (!(node instanceof Host)) return undefined;
        let opened = 0;
        const connect = (remote: { ip: string; port: number }): ByteStream => {
          const stream = connectStream(world.tcp(node), remote);
          stream.connection.noDelay = true; // browsers set TCP_NODELAY on their sockets
          if (!identity) return stream;
          return new TlsStream(net.now, stream, { role: 'client', config: { serverName: spec.serverName, alpn: ['http/1.1'] }, rng: world.rng(`${name}/signaling-tls/${opened++}`), sink: sink(`${name}/signaling`) });
        };
        return { connect, rng: world.rng(`${name}/signaling-wire`) };
      },
    });
    world.signaling.useTransport('server', transport);
    const endpoint = new SignalingServerEndpoint(relay, transport, `${spec.scheme}://${formatTransportAddress({ ip: address, port: spec.port })}${spec.path}`);
    const driver = new EndpointDriver(net, host, endpoint, ctx.source);
    return { endpoint, driver };
  },
  connect(_world, apps) {
    if (apps.length > 1) throw new Error(`${apps[1]!.path ?? 'apps'}: a scenario has one signaling server (${apps.length} signaling-server apps)`);
  },
  sections: [],
  appEntry: ({ endpoint }) => ({
    listen: endpoint.url,
    relayed: endpoint.relay.stats.relayed,
    dropped: endpoint.relay.stats.dropped,
    refused: endpoint.relay.stats.refused,
  }),
  appLines: (e) => [`    ${String(e.listen)}: ${String(e.relayed)} message(s) relayed, ${String(e.dropped)} dropped, ${String(e.refused)} request(s) refused`],
  notes: [SIGNALING_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS, TLS_NOTE_KINDS],
});
