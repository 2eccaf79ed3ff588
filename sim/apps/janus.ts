import { JANUS_NOTE_KINDS } from '../janus/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { ICE_NOTE_KINDS } from '../ice/notes.ts';
import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { DTLS_NOTE_KINDS } from '../dtls/notes.ts';
import { SRTP_NOTE_KINDS } from '../srtp/notes.ts';
import { SIP_NOTE_KINDS } from '../sip/notes.ts';
import { MEDIA_NOTE_KINDS } from '../media/notes.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { NoteBody } from '../core/note.ts';
import { SECOND, type Micros } from '../core/time.ts';
import { HttpServer } from '../http/server.ts';
import { JanusGateway } from '../janus/gateway.ts';
import { JanusHttpTransport } from '../janus/http-transport.ts';
import { JANUS_PLUGIN_FACTORIES } from '../janus/plugins.ts';
import type { JanusSession } from '../janus/session.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { listenStreams } from '../net/tcp-stream.ts';
import { custom, duration, integer, ip, list, oneOf, optional, text, withDefault } from '../schema/fields.ts';
import type { Obj } from './app-kind.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';

/**
 * The scenario app "janus": a Janus WebRTC gateway (sim/janus) with the Janus HTTP API (janus.transport.http) on a
 * TCP port, its plugins, and a PeerConnection per negotiating handle on a port of `rtpPortRange`.
 *
 *   { "kind": "janus", "host": "janus", "port": 8088, "plugins": ["janus.plugin.echotest"], "sessionTimeout": "60s" }
 */
export interface JanusAppSpec {
  readonly kind: 'janus';
  readonly host: string;
  readonly address?: string;
  readonly port: number;
  readonly basePath: string;
  readonly plugins: readonly string[];
  readonly sessionTimeout: Micros;
  readonly pollTimeout: Micros;
  readonly rtpPortRange: { readonly min: number; readonly max: number };
  readonly noMediaTimer: Micros;
  readonly slowlinkThreshold: number;
  readonly serverName: string;
}

const portRange = custom<JanusAppSpec['rtpPortRange']>('text `"min-max"`', (c, path, v) => {
  const m = typeof v === 'string' ? /^(\d+)-(\d+)$/.exec(v) : null;
  if (!m || Number(m[1]) < 1 || Number(m[2]) > 65535 || Number(m[1]) > Number(m[2])) return c.fail(path, 'a port range "min-max", e.g. "20000-20099"');
  return { min: Number(m[1]), max: Number(m[2]) };
});

const PATH = custom<string>('text (a path)', (c, path, v) => (typeof v === 'string' && /^\/[A-Za-z0-9._~-]+$/.test(v) ? v : c.fail(path, 'a base path such as "/janus" (one segment)')));

const PLUGIN_NAMES = JANUS_PLUGIN_FACTORIES.map((f) => f.package);

/** The gateway's `summary.apps` entry: each session with its handles and the events it emitted. */
function sessionEntry(gw: JanusGateway, s: JanusSession): Obj {
  return {
    id: s.id, createdAt: s.createdAt, end: s.destroyed ?? null, events: [...s.emitted],
    handles: s.attached.map((h) => ({
      id: h.id, plugin: h.plugin.package, opaqueId: h.opaqueId ?? null, detached: h.detached, messages: h.stats.messages, trickles: h.stats.trickles,
      webrtcup: h.stats.webrtcup, mediaEvents: h.stats.mediaEvents, slowlinks: h.stats.slowlinks, hangup: h.stats.hangupReason,
      ...(h.pc ? { local: formatTransportAddress(h.pc.options.local), ice: h.pc.agent.state, dtls: h.pc.transport.dtls?.state ?? null, ...h.pc.counters } : {}),
      plugin_state: h.plugin.querySession?.(h.id) ?? {},
    })),
  };
}

export const janusApp = defineApp({
  kind: 'janus',
  about: 'a Janus WebRTC gateway: the Janus HTTP API with long polls, plugins (echotest, sip), full ICE, DTLS-SRTP per handle',
  fields: [
    kindField('janus'),
    HOST_FIELD,
    optional('address', ip, 'The address it listens on and its PeerConnections use (an address of its host).', '198.51.100.40', "the host's first address"),
    withDefault('port', integer(1, 65535), 8088, '`8088`', 'The TCP port of the HTTP transport (janus.transport.http.jcfg `port`).', 8088),
    withDefault('basePath', PATH, '/janus', '`"/janus"`', 'The API root (`base_path`): POST `<basePath>`, `<basePath>/<session>`, `<basePath>/<session>/<handle>`; long-poll GET `<basePath>/<session>?maxev=N`.', '/janus'),
    withDefault('plugins', list(oneOf(PLUGIN_NAMES), { nonEmpty: 'give at least one' }), ['janus.plugin.echotest'], '`["janus.plugin.echotest"]`', 'The plugins it loads; clients `attach` to them by these names.', ['janus.plugin.echotest']),
    withDefault('sessionTimeout', duration, 60 * SECOND, '`"60s"`', 'janus.jcfg `session_timeout`: a session with no request and no poll for this long is reaped (checked every 2 s), with a `timeout` event; `0` never.', '10s'),
    withDefault('pollTimeout', duration, 30 * SECOND, '`"30s"`', 'A long poll with no event is answered `{"janus":"keepalive"}` after this long.', '30s'),
    withDefault('rtpPortRange', portRange, { min: 20000, max: 20099 }, '`"20000-20099"`', 'janus.jcfg `rtp_port_range`: each handle\'s PeerConnection takes the next port.', '20000-20099'),
    withDefault('noMediaTimer', duration, SECOND, '`"1s"`', '`no_media_timer`: a medium silent this long after media is reported `"receiving": false`.', '1s'),
    withDefault('slowlinkThreshold', integer(0, 100000), 0, '`0`', '`slowlink_threshold`: lost packets per second from the browser that raise a `slowlink` event (0: never, as Janus\'s default).', 4),
    withDefault('serverName', text, 'MyJanusInstance', '`"MyJanusInstance"`', '`server_name`, shown by `info`.', 'rtclab-janus'),
  ],
  spec: (v): JanusAppSpec => ({
    kind: 'janus', host: v.host, ...(v.address !== undefined ? { address: v.address } : {}), port: v.port, basePath: v.basePath, plugins: v.plugins,
    sessionTimeout: v.sessionTimeout, pollTimeout: v.pollTimeout, rtpPortRange: v.rtpPortRange, noMediaTimer: v.noMediaTimer, slowlinkThreshold: v.slowlinkThreshold, serverName: v.serverName,
  }),
  build(world, host, spec: JanusAppSpec, ctx) {
    if (spec.address !== undefined) ctx.own({ ip: spec.address }, 'address');
    const address = spec.address ?? host.addresses()[0]!;
    const net = world.net;
    const gw = new JanusGateway({
      name: `janus ${spec.host}`, ip: address, rng: world.rng(ctx.source), identity: world.identity(spec.host), sessionTimeout: spec.sessionTimeout,
      watchdogPeriod: 2 * SECOND, rtpPortRange: spec.rtpPortRange, noMediaTimer: spec.noMediaTimer, slowlinkThreshold: spec.slowlinkThreshold,
      plugins: Object.fromEntries(spec.plugins.map((p) => [p, {}])), serverName: spec.serverName,
    });
    const driver = new EndpointDriver(net, host, gw, ctx.source);
    gw.bindPort = (port) => driver.bind(address, port);
    const transport = new JanusHttpTransport(gw, { basePath: spec.basePath, pollTimeout: spec.pollTimeout });
    const http = new HttpServer((now, req, ex) => {
      transport.handle(now, req, ex);
      driver.pump();
    }, { serverName: 'Janus', note: (_t, n) => net.note(ctx.source, n as NoteBody) });
    listenStreams(world.tcp(host), spec.port, (stream) => {
      stream.connection.noDelay = true;
      http.accept(stream);
    }, { ip: address });
    return { endpoint: Object.assign(gw, { url: `http://${formatTransportAddress({ ip: address, port: spec.port })}${spec.basePath}`, transport }), driver };
  },
  sections: [],
  appEntry: ({ endpoint: gw }) => ({
    listen: gw.url,
    plugins: [...gw.plugins.keys()],
    requests: gw.counters.requests,
    errors: gw.counters.errors,
    timeouts: gw.counters.timeouts,
    polls: gw.transport.counters.polls,
    keepalives: gw.transport.counters.keepalives,
    sessions: gw.history.map((s) => sessionEntry(gw, s)),
  }),
  appLines: (e) => {
    const lines = [`    ${String(e.listen)}: ${String(e.requests)} request(s), ${String(e.errors)} error(s), ${String(e.polls)} long poll(s), ${String(e.timeouts)} session timeout(s)`];
    for (const s of (e.sessions as Obj[] | undefined) ?? []) {
      lines.push(`    session ${String(s.id)}${s.end ? ` (${String(s.end)})` : ''}: events ${((s.events as string[]) ?? []).join(', ') || 'none'}`);
      for (const h of (s.handles as Obj[] | undefined) ?? []) {
        const ps = h.plugin_state as Obj;
        const echoed = ps.echoed_audio !== undefined ? `, echoed ${String(ps.echoed_audio)} audio + ${String(ps.echoed_video)} video packet(s)` : '';
        // janus.plugin.sip's own state (its `query_session`): registration, call, RTP relayed each way
        const sip = ps.registration_status !== undefined ? `, ${String(ps.username ?? 'no user')} ${String(ps.registration_status)}, call ${String(ps.call_status)}, relayed ${String(ps.relayed_to_peer)} RTP to the SIP peer + ${String(ps.relayed_to_browser)} to the browser` : '';
        lines.push(`      handle ${String(h.id)} ${String(h.plugin)}: webrtcup ${h.webrtcup ? 'yes' : 'no'}, ${String(h.mediaEvents)} media event(s)${h.hangup ? `, hangup (${String(h.hangup)})` : ''}${echoed}${sip}`);
      }
    }
    return lines;
  },
  notes: [JANUS_NOTE_KINDS, HTTP_NOTE_KINDS, ICE_NOTE_KINDS, STUN_NOTE_KINDS, DTLS_NOTE_KINDS, SRTP_NOTE_KINDS, SIP_NOTE_KINDS, MEDIA_NOTE_KINDS],
});
