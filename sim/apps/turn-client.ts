import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { bool, duration, integer, list, mapped, oneOf, optional, required, text, transport, variants, withDefault } from '../schema/fields.ts';
import { TurnClient, type TurnAction } from '../turn/client.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import { TURN_SECTION } from './sections.ts';
import { secureFor, StreamLinks } from './stream-links.ts';

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
    allocate: [optional('lifetime', integer(0, 0xffffffff), 'Requested lifetime in seconds.', 600)],
    permission: [required('peers', list(transport), "The peers whose addresses get a permission.", ['198.51.100.20:6000'])],
    channel: [required('peer', transport, 'The peer to bind a channel to.', '198.51.100.20:6000'), optional('channel', integer(0, 0xffff), 'The channel number.', 0x4000, 'next free from 0x4000')],
    send: [
      required('peer', transport, 'Where the data goes.', '198.51.100.20:6000'),
      required('data', text, 'The text sent.', 'hello'),
      optional('via', oneOf(['indication', 'channel'] as const), 'How: a Send indication, or ChannelData when a channel is bound.', 'indication', 'ChannelData when a channel is bound, else a Send indication'),
    ],
    refresh: [optional('lifetime', integer(0, 0xffffffff), 'Requested lifetime in seconds; `0` deletes the allocation.', 600)],
    deallocate: [],
  }, {
    allocate: 'Allocate request (RFC 8656 §7); the 401 challenge is answered with the credentials.',
    permission: 'CreatePermission for these peers\' addresses (RFC 8656 §9).',
    channel: 'ChannelBind (RFC 8656 §12).',
    send: 'Sends `data` to the peer: as ChannelData when a channel is bound to it, else as a Send indication; `via: "indication"` forces the indication.',
    refresh: 'Refresh request (RFC 8656 §8).',
    deallocate: 'Refresh with lifetime 0.',
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
    const links = new StreamLinks(endpoint, { world, host, framing: 'stun', dial: () => mode, ...secureFor(world, host, ctx.source) }, ctx.source);
    const driver = new EndpointDriver(world.net, host, links, ctx.source);
    links.attach(driver);
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
  notes: ['turn.*', 'stun.*'],
});
