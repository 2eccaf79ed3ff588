import { JANUS_NOTE_KINDS } from '../janus/notes.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { NoteBody } from '../core/note.ts';
import { SECOND, type Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { HttpClientConnection } from '../http/client.ts';
import { JanusClient } from '../janus/client.ts';
import { JANUS_PLUGIN_FACTORIES } from '../janus/plugins.ts';
import type { JsonObject } from '../janus/plugin.ts';
import { connectStream } from '../net/tcp-stream.ts';
import { bool, custom, duration, integer, list, object, oneOf, optional, required, text, transport, withDefault } from '../schema/fields.ts';
import type { Obj } from './app-kind.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';
import { CURVES_FIELD, makePeer, mediaType, MTU_FIELD, PEER_NOTES, PEER_SECTIONS, peerSummaryParts, PORT_FIELD, SRTP_PROFILES_FIELD, STUN_FIELD, TURN_FIELD, type PeerCommon } from './peer-common.ts';
import { peerDriver } from './stream-links.ts';

/**
 * The scenario app "janus-client": a browser page using janus.js over HTTP against a `janus` app (sim/janus/client.ts):
 * create, attach, message with its WebRtcPeer's offer, long polls for the plugin's answer, trickle; media both ways.
 *
 *   { "kind": "janus-client", "host": "alice", "gateway": "198.51.100.40:8088", "plugin": "janus.plugin.echotest",
 *     "body": { "audio": true, "video": true }, "media": { "audio": true, "video": true } }
 */
export interface JanusClientAppSpec extends PeerCommon {
  readonly kind: 'janus-client';
  readonly host: string;
  readonly gateway: TransportAddress;
  readonly basePath: string;
  readonly plugin: string;
  readonly body: JsonObject;
  readonly opaqueId?: string;
  readonly maxev: number;
  readonly keepalive: Micros;
  readonly stopAt?: Micros;
  readonly leaveAt?: Micros;
  readonly prelude?: { readonly body: JsonObject; readonly until: string };
  readonly hangupAt?: Micros;
  readonly answer?: { readonly body: JsonObject; readonly after: Micros };
  readonly messages?: readonly { readonly at: Micros; readonly body: JsonObject }[];
  readonly browser: 'chromium' | 'firefox';
}

const jsonObject = custom<JsonObject>('object (any JSON)', (c, path, v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : c.fail(path, 'a JSON object, e.g. {"audio": true}')));
const PATH = custom<string>('text (a path)', (c, path, v) => (typeof v === 'string' && /^\/[A-Za-z0-9._~-]+$/.test(v) ? v : c.fail(path, 'a base path such as "/janus"')));

type Client = JanusClient & { readonly url: string };

/**
 * A plugin event in the plugin's own words: echotest's `result` ("ok", "done"), the SIP plugin's `result.event` with
 * its code and reason ("registration_failed 401 Unauthorized", "hangup 200 to BYE"), an error with its number; a JSEP
 * it carried is named.
 */
function pluginEventText(m: JsonObject): string {
  const pd = m.plugindata as JsonObject | undefined;
  const data = (pd?.data ?? {}) as JsonObject;
  const r = data.result;
  let text: string;
  if (data.error_code !== undefined) text = `error ${String(data.error_code)}${data.error !== undefined ? ` ${String(data.error)}` : ''}`;
  else if (typeof r === 'object' && r !== null && !Array.isArray(r)) {
    const o = r as JsonObject;
    text = [o.event, o.code, o.reason].filter((x) => x !== undefined && x !== null).map(String).join(' ') || 'event';
  } else text = r !== undefined ? String(r) : 'event';
  const jsep = m.jsep as JsonObject | undefined;
  return jsep?.type !== undefined ? `${text} (+${String(jsep.type)})` : text;
}

/** What the client saw, in Janus's terms, for `summary.apps`. */
function clientEntry(c: Client): Obj {
  const counts: { [k: string]: JsonValue } = {};
  for (const s of c.seen) if (s.via === 'event') counts[String(s.message.janus)] = ((counts[String(s.message.janus)] as number | undefined) ?? 0) + 1;
  const events = c.seen.filter((s) => s.via === 'event').map((s) => s.message);
  const up = c.seen.find((s) => s.message.janus === 'webrtcup');
  const hang = events.find((m) => m.janus === 'hangup');
  const p = c.peer.summary();
  return {
    gateway: c.url, plugin: c.options.plugin, session: c.sessionId ?? null, handle: c.handleId ?? null,
    sequence: c.sequence(), events: counts,
    pluginEvents: events.filter((m) => m.janus === 'event').map(pluginEventText),
    webrtcup: up ? up.at : null,
    media: events.filter((m) => m.janus === 'media').map((m): Obj => ({ mid: m.mid ?? null, type: m.type ?? null, receiving: m.receiving ?? null })),
    hangup: hang?.reason ?? null,
    timeout: events.some((m) => m.janus === 'timeout'),
    errors: [...c.errors],
    rtpSent: p.srtp.rtpSent ?? 0, rtpReceived: p.srtp.rtpReceived ?? 0,
  };
}

export const janusClientApp = defineApp({
  kind: 'janus-client',
  about: 'a browser page using janus.js over HTTP: create, attach, message + offer, long polls, trickle; media through a `janus` plugin',
  fields: [
    kindField('janus-client'),
    HOST_FIELD,
    required('gateway', transport, 'The `janus` app\'s HTTP address and port.', '198.51.100.40:8088'),
    withDefault('basePath', PATH, '/janus', '`"/janus"`', 'The gateway\'s API root.', '/janus'),
    withDefault('plugin', oneOf(JANUS_PLUGIN_FACTORIES.map((f) => f.package)), 'janus.plugin.echotest', '`"janus.plugin.echotest"`', 'The plugin it attaches to.', 'janus.plugin.echotest'),
    withDefault('body', jsonObject, { audio: true, video: true }, '`{ "audio": true, "video": true }`', 'The `message` body sent with the offer (echotest: `audio`, `video`, `bitrate`, `audiocodec`, `videocodec`).', { audio: true, video: true, bitrate: 256000 }),
    optional('opaqueId', custom<string>('text', (c, path, v) => (typeof v === 'string' ? v : c.fail(path, 'text'))), 'The `opaque_id` sent in `attach`.', 'echotest-1', 'none'),
    withDefault('maxev', integer(1, 100), 10, '`10`', 'Events asked for per long poll (`maxev`; janus.js asks for 10).', 10),
    withDefault('keepalive', duration, 25 * SECOND, '`"25s"`', 'Time between keepalives (janus.js: 25 s).', '25s'),
    optional('stopAt', duration, 'When the page stops talking to the gateway (no more polls or keepalives): the gateway reaps the session after its `sessionTimeout`.', '5s'),
    optional('leaveAt', duration, 'When it leaves as janus.js `destroy()` does: `detach`, then `destroy`.', '20s'),
    optional('prelude', object([required('body', jsonObject, 'The message body (the SIP plugin: `{"request":"register", "username":…, "secret":…, "proxy":…, "outbound_proxy":…}`; the call\'s INVITE goes to `outbound_proxy`, or without it to the URI\'s host).', { request: 'register', username: 'sip:1001@rtclab.test', secret: 's3cret', proxy: 'sip:198.51.100.5:5060' }), required('until', text, 'The plugin result (`result.event`) the offer waits for.', 'registered')]), 'A message sent after `attach` and before the offer; the offer (with `body`) waits for the plugin event whose `result.event` is `until`.', { body: { request: 'register', username: 'sip:1001@rtclab.test', secret: 's3cret' }, until: 'registered' }),
    optional('hangupAt', duration, 'When it sends `{"request":"hangup"}` to the plugin (the SIP plugin sends BYE).', '6s'),
    optional('answer', object([withDefault('body', jsonObject, { request: 'accept' }, '`{ "request": "accept" }`', 'The `message` body sent with its JSEP answer.', { request: 'accept' }), withDefault('after', duration, SECOND, '`1s`', 'How long after the offer came the user picks up.', '2s')]), 'The page answers instead of offering: it waits for a plugin event with a JSEP offer (janus.plugin.sip\'s `incomingcall`), and `after` it came sends its answer in a `message` with `body`. `body` (the offer\'s message) is not used.', { body: { request: 'accept' }, after: '1s' }, 'it offers'),
    optional('messages', list(object([required('at', duration, 'When.', '4s'), required('body', jsonObject, 'The `message` body (no JSEP).', { request: 'hold' })])), 'More plugin messages at given times, without JSEP: janus.plugin.sip\'s `hold` (`direction` sendonly, recvonly or inactive) and `unhold`.', [{ at: '4s', body: { request: 'hold' } }, { at: '6s', body: { request: 'unhold' } }]),
    withDefault('browser', oneOf(['chromium', 'firefox'] as const), 'chromium', '`"chromium"`', 'Whose offer it sends (codecs, header extensions, SDP layout).', 'firefox'),
    STUN_FIELD,
    TURN_FIELD,
    withDefault('trickle', bool, true, '`true`', 'Trickle ICE: candidates go in `trickle` requests after the offer; `false` puts them all in the offer.', false),
    withDefault('media', mediaType, { audio: true, video: { fps: 30 } }, '`{ "audio": true, "video": { "fps": 30 } }`', 'What it sends.', { audio: true, video: true }),
    SRTP_PROFILES_FIELD,
    CURVES_FIELD,
    MTU_FIELD,
    PORT_FIELD,
    withDefault('startAt', duration, 0, '`0`', 'When the page starts (`create`).', '0s'),
  ],
  spec: (v): JanusClientAppSpec => ({
    kind: 'janus-client', host: v.host, gateway: v.gateway, basePath: v.basePath, plugin: v.plugin, body: v.body, ...(v.opaqueId !== undefined ? { opaqueId: v.opaqueId } : {}),
    maxev: v.maxev, keepalive: v.keepalive, ...(v.stopAt !== undefined ? { stopAt: v.stopAt } : {}), ...(v.leaveAt !== undefined ? { leaveAt: v.leaveAt } : {}), ...(v.prelude !== undefined ? { prelude: v.prelude } : {}), ...(v.hangupAt !== undefined ? { hangupAt: v.hangupAt } : {}), ...(v.answer !== undefined ? { answer: v.answer } : {}), ...(v.messages !== undefined ? { messages: v.messages } : {}), browser: v.browser,
    stun: v.stun, turn: v.turn, trickle: v.trickle, media: v.media, signalingDelay: 0,
    ...(v.srtpProfiles ? { srtpProfiles: v.srtpProfiles } : {}), ...(v.curves ? { curves: v.curves } : {}), ...(v.mtu !== undefined ? { mtu: v.mtu } : {}), port: v.port, startAt: v.startAt,
    iceTcp: [], tcpPort: 0, // a Janus page gathers UDP only here (no ICE-TCP candidates)
  }),
  build(world, host, spec: JanusClientAppSpec, ctx) {
    const net = world.net;
    // a page that answers (an incoming call) is the JSEP answerer: its ICE agent is controlled (RFC 8445 §6.1.1)
    const peer = makePeer(world, ctx.source, spec.host, spec, spec.answer === undefined, false, 'janus', { browser: spec.browser });
    const tcp = world.tcp(host);
    const hostHeader = formatTransportAddress(spec.gateway);
    const note = (_t: Micros, n: NoteBody): void => net.note(ctx.source, n);
    const connection = (): HttpClientConnection => {
      const s = connectStream(tcp, spec.gateway);
      s.connection.noDelay = true; // browsers set TCP_NODELAY
      return new HttpClientConnection(s, { host: hostHeader, note });
    };
    const client = new JanusClient(peer, {
      name: spec.host, basePath: spec.basePath, plugin: spec.plugin, body: spec.body, ...(spec.opaqueId !== undefined ? { opaqueId: spec.opaqueId } : {}),
      maxev: spec.maxev, keepaliveInterval: spec.keepalive, startAt: spec.startAt, ...(spec.stopAt !== undefined ? { stopAt: spec.stopAt } : {}), ...(spec.leaveAt !== undefined ? { leaveAt: spec.leaveAt } : {}),
      ...(spec.prelude !== undefined ? { prelude: spec.prelude } : {}), ...(spec.hangupAt !== undefined ? { hangupAt: spec.hangupAt } : {}),
      ...(spec.answer !== undefined ? { answer: spec.answer } : {}), ...(spec.messages !== undefined ? { messages: spec.messages } : {}),
    }, world.rng(`${ctx.source}/transactions`), { post: connection(), poll: connection() });
    const endpoint: Client = Object.assign(client, { url: `http://${hostHeader}${spec.basePath}` });
    const driver = peerDriver(world, host, endpoint, ctx.source, spec.turn);
    client.wake = () => driver.pump();
    for (const ip of host.addresses()) peer.addLocalAddress(driver.bind(ip, spec.port));
    return { endpoint, driver };
  },
  sections: PEER_SECTIONS,
  summary: ({ endpoint, driver }) => peerSummaryParts(endpoint.peer, driver.host.name, driver.source),
  appEntry: ({ endpoint }) => clientEntry(endpoint),
  appLines: (e) => {
    const counts = Object.entries((e.events as Obj | undefined) ?? {}).map(([k, v]) => `${k} ×${String(v)}`).join(', ');
    const media = ((e.media as Obj[] | undefined) ?? []).map((m) => `${String(m.type)} ${m.receiving ? 'receiving' : 'not receiving'}`).join(', ');
    return [
      `    ${String(e.gateway)} ${String(e.plugin)}: session ${String(e.session)}, handle ${String(e.handle)}`,
      `    events: ${counts || 'none'}; webrtcup ${e.webrtcup !== null ? `at ${(Number(e.webrtcup) / 1000).toFixed(0)} ms` : 'never'}${media ? `; media: ${media}` : ''}${e.hangup ? `; hangup (${String(e.hangup)})` : ''}${e.timeout ? '; the session timed out' : ''}`,
      ...(((e.pluginEvents as string[] | undefined) ?? []).length ? [`    ${String(e.plugin)} events: ${(e.pluginEvents as string[]).join(', ')}`] : []),
      `    RTP sent ${String(e.rtpSent)}, received ${String(e.rtpReceived)}${e.plugin === 'janus.plugin.echotest' ? ' (echoed)' : ''}${(e.errors as string[]).length ? `; errors: ${(e.errors as string[]).join('; ')}` : ''}`,
    ];
  },
  notes: [...PEER_NOTES, JANUS_NOTE_KINDS],
});
