import { MEDIASOUP_NOTE_KINDS, mediasoupNote } from '../mediasoup/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { MediasoupBroadcaster } from '../mediasoup/broadcaster.ts';
import { openProtoo } from '../mediasoup/connect.ts';
import { PLAIN_SRTP_SUITES, type PlainSrtpSuite } from '../mediasoup/plain-transport.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { connectStream } from '../net/tcp-stream.ts';
import { bool, duration, integer, oneOf, optional, required, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { ROOM_FIELDS } from './mediasoup-client.ts';
import { mediaType, type MediaSpec } from './peer-common.ts';

/**
 * The scenario app "mediasoup-broadcaster": an ffmpeg-like sender feeding a `mediasoup-server` PlainTransport
 * (sim/mediasoup/broadcaster.ts), as mediasoup-demo's broadcaster scripts do: join, createPlainTransport, connect,
 * produce, then plain RTP (or SRTP with the keys exchanged in the requests).
 *
 *   { "kind": "mediasoup-broadcaster", "host": "studio", "server": "198.51.100.30:4443", "comedia": true,
 *     "rtcpMux": false, "media": { "audio": true, "video": { "fps": 25 } } }
 */
export interface MediasoupBroadcasterSpec {
  readonly kind: 'mediasoup-broadcaster';
  readonly host: string;
  readonly server: TransportAddress;
  readonly roomId: string;
  readonly peerId?: string;
  readonly media: MediaSpec;
  readonly comedia: boolean;
  readonly rtcpMux: boolean;
  readonly srtpCryptoSuite?: PlainSrtpSuite;
  readonly port: number;
  readonly startAt: Micros;
}

export const mediasoupBroadcasterApp = defineApp({
  kind: 'mediasoup-broadcaster',
  about: "an ffmpeg-like broadcaster: plain RTP (or SRTP with given keys) into a mediasoup PlainTransport, comedia and rtcpMux as asked",
  fields: [
    kindField('mediasoup-broadcaster'),
    HOST_FIELD,
    required('server', transport, "The `mediasoup-server`'s protoo WebSocket: an address that reaches its `listenIp`, and its `port`.", '198.51.100.30:4443'),
    ...ROOM_FIELDS,
    withDefault('media', mediaType, { audio: true, video: { fps: 25 } }, '`{ "audio": true, "video": { "fps": 25 } }`', 'What it sends, one SSRC per kind (`produce` each); when `media` is given, both default to `false`.', { audio: true, video: true }),
    withDefault('comedia', bool, true, '`true`', "createPlainTransport's `comedia`: the server learns its address from the first RTP (and RTCP) packet, so it works behind a NAT; `false`: it tells its address in connectPlainTransport.", false),
    withDefault('rtcpMux', bool, false, '`false`', "createPlainTransport's `rtcpMux`: RTCP on the RTP port (RFC 5761); `false`, as the demo's ffmpeg script: RTCP on a port of its own, RTP port + 1 on this side.", true),
    optional('srtpCryptoSuite', oneOf(PLAIN_SRTP_SUITES), "`enableSrtp` with this suite: each side's master key and salt go in base64 in `srtpParameters` (the transport's in the createPlainTransport answer, its own in connectPlainTransport).", 'AES_CM_128_HMAC_SHA1_80', 'plain RTP'),
    withDefault('port', integer(1, 65534), 5004, '`5004`', 'Its RTP port (RTCP on the next one without rtcpMux).', 5004),
    withDefault('startAt', duration, 0, '`0`', 'When it opens its WebSocket.', '0s'),
  ],
  spec: ({ kind: _k, ...v }): MediasoupBroadcasterSpec => ({ kind: 'mediasoup-broadcaster', ...v }),
  build(world, host, spec: MediasoupBroadcasterSpec, ctx) {
    const net = world.net;
    const ip = host.addresses()[0]!;
    const local = { ip, port: spec.port };
    const rtcpLocal = spec.rtcpMux ? undefined : { ip, port: spec.port + 1 };
    const endpoint = new MediasoupBroadcaster({ name: spec.host, rng: world.rng(ctx.source), media: spec.media, local, rtcpLocal, comedia: spec.comedia, rtcpMux: spec.rtcpMux, srtp: spec.srtpCryptoSuite });
    const driver = new EndpointDriver(net, host, endpoint, ctx.source);
    driver.bind(local.ip, local.port);
    if (rtcpLocal) driver.bind(rtcpLocal.ip, rtcpLocal.port);
    const rng = world.rng(`${ctx.source}/protoo`);
    net.scheduler.at(spec.startAt, 'mediasoup-broadcaster connect', () => {
      const stream = connectStream(world.tcp(host), spec.server);
      openProtoo(net.now, stream, { server: formatTransportAddress(spec.server), roomId: spec.roomId, peerId: spec.peerId ?? spec.host, rng, note: (_t, n) => net.note(ctx.source, n) }, endpoint.handlers, () => driver.pump(),
        (t, conn) => endpoint.opened(t, conn),
        (_t, error) => net.note(ctx.source, mediasoupNote('mediasoup-broadcaster.error', `${spec.host}: the protoo WebSocket did not open: ${error}`, { method: 'connect', errorCode: 0, errorReason: error })));
    });
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }): Obj => ({
    server: formatTransportAddress(spec.server), room: spec.roomId, peerId: spec.peerId ?? spec.host, transport: e.transportId ?? null,
    comedia: spec.comedia, rtcpMux: spec.rtcpMux, srtp: e.srtp ? e.srtp.profile.name : null,
    to: e.remote ? formatTransportAddress(e.remote) : null, rtcpTo: e.remoteRtcp ? formatTransportAddress(e.remoteRtcp) : null,
    producers: e.producers.map((p) => ({ ...p })), streams: e.streams(), rtpSent: e.rtpSent, rtcpSent: e.rtcpSent, received: { ...e.received }, errors: e.errors.map((x) => ({ ...x })),
  } as { [key: string]: JsonValue }),
  appLines: (e) => {
    const streams = (e.streams as Obj[]).map((s) => `${String(s.kind)} ssrc ${String(s.ssrc)} ${String(s.packets)} packets`);
    const rx = e.received as Obj;
    return [`  mediasoup-broadcaster on ${String(e.host)}: ${String(e.peerId)} in "${String(e.room)}", PlainTransport ${String(e.transport ?? 'none').slice(0, 8)} at ${String(e.to)}${e.rtcpMux ? ' (rtcpMux)' : `, RTCP ${String(e.rtcpTo)}`}${e.comedia ? ', comedia' : ''}, ${String(e.srtp ?? 'plain RTP')}; ${streams.join(', ') || 'no streams'}; ${String(e.rtcpSent)} SR sent, ${String(rx.rtcp)} RTCP received${(e.errors as Obj[]).length ? `; ${(e.errors as Obj[]).length} error(s)` : ''}`];
  },
  notes: [MEDIASOUP_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS],
});
