import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { TURN_NOTE_KINDS } from '../turn/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { bool, duration, integer, list, mapped, oneOf, optional, required, text, transport, variants, withDefault } from '../schema/fields.ts';
import { TurnClient, type TurnAction } from '../turn/client.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import { TURN_SECTION } from './sections.ts';
import { secureFor, StreamLinks, type Secure } from './stream-links.ts';
import type { World } from './world.ts';
import type { Host } from '../net/host.ts';
import type { Micros } from '../core/time.ts';
import { utf8Encode } from '../core/encoding.ts';
import { connectStream } from '../net/tcp-stream.ts';
import { turnNote } from '../turn/notes.ts';
import { TurnDataConnection } from '../turn/tcp-data.ts';

export interface TurnClientAppSpec {
  readonly kind: 'turn-client';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  readonly autoRefresh: boolean;
  readonly keepPermissions: boolean;
  readonly script: readonly TurnAction[];
  readonly transport: 'udp' | 'tcp' | 'tls';
}

/** One step of the script, by its `do` (RFC 8656 requests; `at` is when it is due). */
const action = mapped(
  variants('do', [withDefault('at', duration, 0, '`0`', 'When the action is due.', '1s')], {
    allocate: [
      optional('lifetime', integer(0, 0xffffffff), 'Requested lifetime in seconds.', 600),
      optional('relay', oneOf(['udp', 'tcp'] as const), 'The relayed transport: `"tcp"` asks for an RFC 6062 TCP allocation (a `transport` of `"tcp"` or `"tls"` and a server with `tcpAllocations`).', 'tcp', '`"udp"`'),
    ],
    connect: [
      required('peer', transport, 'The peer the server connects to from the relayed address.', '203.0.113.50:7000'),
      optional('data', text, 'Text sent on the data connection once it is bound.', 'hello'),
    ],
    permission: [required('peers', list(transport), "The peers whose addresses get a permission.", ['198.51.100.20:6000'])],
    channel: [required('peer', transport, 'The peer to bind a channel to.', '198.51.100.20:6000'), optional('channel', integer(0, 0xffff), 'The channel number.', 0x4000, 'next free from 0x4000')],
    send: [
      required('peer', transport, 'Where the data goes.', '198.51.100.20:6000'),
      required('data', text, 'The text sent.', 'hello'),
      optional('via', oneOf(['indication', 'channel'] as const), 'How: a Send indication, or ChannelData when a channel is bound.', 'indication', 'ChannelData when a channel is bound, else a Send indication'),
    ],
    refresh: [optional('lifetime', integer(0, 0xffffffff), 'Requested lifetime in seconds; `0` deletes the allocation.', 600)],
    deallocate: [],
    restart: [],
  }, {
    allocate: 'Allocate request (RFC 8656 §7); the 401 challenge is answered with the credentials.',
    connect: 'Connect (RFC 6062 §4.3) on a TCP allocation: the server opens a TCP connection to the peer; the client binds it on a new data connection (ConnectionBind) and sends `data` on it. A ConnectionAttempt from a peer is bound the same way.',
    permission: 'CreatePermission for these peers\' addresses (RFC 8656 §9).',
    channel: 'ChannelBind (RFC 8656 §12).',
    send: 'Sends `data` to the peer: as ChannelData when a channel is bound to it, else as a Send indication; `via: "indication"` forces the indication.',
    refresh: 'Refresh request (RFC 8656 §8).',
    deallocate: 'Refresh with lifetime 0.',
    restart: 'The client app restarts on the same socket, as after a crash: it forgets its allocation, credentials, permissions and channels (the server keeps the allocation until it expires); a later `allocate` starts afresh.',
  }),
  // the variant's fields are exactly a TurnAction's (sim/turn/client.ts)
  (a) => a as unknown as TurnAction,
);

/** The scenario app "turn-client": a TURN client (sim/turn) following a script of actions. */
export const turnClientApp = defineApp({
  kind: 'turn-client',
  about: 'a TURN client that follows a script: allocate, permission, channel, send, refresh, deallocate',
  fields: [
    kindField('turn-client'),
    HOST_FIELD,
    required('bind', transport, 'The local address and port.', '203.0.113.50:5000'),
    required('server', transport, "The `turn-server`'s `listen` address.", '198.51.100.10:3478'),
    required('username', text, "A user of the server's `users`.", 'alice'),
    required('password', text, 'Its password.', 'alice-secret'),
    withDefault('autoRefresh', bool, true, '`true`', 'Refresh the allocation a minute before it expires (RFC 8656 §8).', true),
    withDefault('keepPermissions', bool, true, '`true`', 'Refresh permissions and channel bindings before they lapse; `false` lets them expire.', false),
    required('script', list(action), 'The actions, each an object with the fields below.', [{ at: '0s', do: 'allocate' }]),
    withDefault('transport', oneOf(['udp', 'tcp', 'tls'] as const), 'udp', '`"udp"`', 'How it reaches the server (RFC 8656 §3.1): UDP, or a TCP or TLS connection from `bind` (port `0`: ephemeral) carrying STUN and ChannelData; the relayed transport is UDP either way.', 'tcp'),
  ],
  spec: ({ kind: _k, ...v }): TurnClientAppSpec => ({ kind: 'turn-client', ...v }),
  build(world, host, spec: TurnClientAppSpec, ctx) {
    ctx.own(spec.bind, 'bind');
    const stream = spec.transport !== 'udp';
    const endpoint = new TurnClient(spec.host, { local: spec.bind, server: spec.server, username: spec.username, password: spec.password, autoRefresh: spec.autoRefresh, keepPermissions: spec.keepPermissions, script: spec.script, stream }, world.rng(`app/${ctx.source}`));
    if (!stream) {
      const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
      driver.bind(spec.bind.ip, spec.bind.port);
      return { endpoint, driver };
    }
    const mode = spec.transport === 'tls' ? 'tls' : 'tcp';
    const tls = secureFor(world, host, ctx.source);
    const links = new StreamLinks(endpoint, { world, host, framing: 'stun', dial: () => mode, ...tls }, ctx.source);
    const driver = new EndpointDriver(world.net, host, links, ctx.source);
    links.attach(driver);
    endpoint.onConnection = (now, id, peer, data) => bindDataConnection(world, host, ctx.source, endpoint, spec, mode, tls.secure, driver, now, id, peer, data);
    return { endpoint, driver };
  },
  sections: [TURN_SECTION],
  summary: ({ spec, endpoint: e }) => [
    {
      section: TURN_SECTION,
      value: {
        kind: spec.kind, host: spec.host,
        relayed: e.relayed ? formatTransportAddress(e.relayed) : null, mapped: e.mapped ? formatTransportAddress(e.mapped) : null,
        ...e.stats, received: e.received.map((r) => ({ ...r })), errors: [...e.errors],
      },
    },
  ],
  entryLines: (_section, a) => [`  TURN client on ${String(a.host)}: relayed address ${String(a.relayed ?? 'none')}${a.errors && (a.errors as unknown[]).length ? `, errors ${JSON.stringify(a.errors)}` : ''}`],
  notes: [TURN_NOTE_KINDS, STUN_NOTE_KINDS],
});

/** RFC 6062 §4.4: a new connection to the server, ConnectionBind for `id`, then `data` to the peer and its answers kept. */
function bindDataConnection(world: World, host: Host, source: string, client: TurnClient, spec: TurnClientAppSpec, mode: 'tcp' | 'tls', secure: Secure, driver: EndpointDriver, now: Micros, id: number, peer: TransportAddress, data: string | undefined): void {
  if (!client.session.connectionBind(id)) return;
  const tcp = connectStream(world.tcp(host), spec.server, { ip: spec.bind.ip });
  const stream = mode === 'tls' ? secure(tcp, 'client', spec.server) : tcp;
  const via = `TCP connection 0x${id.toString(16).padStart(8, '0')}`;
  const dc = new TurnDataConnection(now, stream, id, (nonce) => client.session.connectionBind(id, nonce), {
    bound: (t) => {
      world.net.note(source, turnNote('turn.tcp.bound', `${spec.host} bound ${via} to peer ${formatTransportAddress(peer)} on ${tcp.label}${data !== undefined ? ` and sends "${data}"` : ''}`, { peer: formatTransportAddress(peer), client: formatTransportAddress(tcp.local), connectionId: id }));
      if (data !== undefined) dc.write(t, utf8Encode(data));
    },
    data: (t, bytes) => {
      client.receivedOther(t, peer, via, bytes);
      driver.pump();
    },
    failed: (_t, why) => {
      client.errors.push(why);
      world.net.note(source, turnNote('turn.failed', `${spec.host}: ${via}: ${why}`, { server: formatTransportAddress(spec.server) }));
    },
    closed: () => {},
  });
}
