import { MEDIASOUP_NOTE_KINDS, mediasoupNote } from '../mediasoup/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { openProtoo } from '../mediasoup/connect.ts';
import { MediasoupPlainReceiver } from '../mediasoup/plain-receiver.ts';
import { PLAIN_SRTP_SUITES, type PlainSrtpSuite } from '../mediasoup/plain-transport.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { connectStream } from '../net/tcp-stream.ts';
import { bool, duration, integer, oneOf, optional, required, text, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { ROOM_FIELDS } from './mediasoup-client.ts';

/**
 * The scenario app "mediasoup-receiver": an ffmpeg-like receiver of plain consumers (sim/mediasoup/plain-receiver.ts):
 * a consuming PlainTransport of a `mediasoup-server` sends it one peer's producers as RTP (or SRTP).
 *
 *   { "kind": "mediasoup-receiver", "host": "recorder", "server": "198.51.100.30:4443", "from": "alice" }
 */
export interface MediasoupReceiverSpec {
  readonly kind: 'mediasoup-receiver';
  readonly host: string;
  readonly server: TransportAddress;
  readonly roomId: string;
  readonly peerId?: string;
  readonly from: string;
  readonly rtcpMux: boolean;
  readonly srtpCryptoSuite?: PlainSrtpSuite;
  readonly port: number;
  readonly startAt: Micros;
}

export const mediasoupReceiverApp = defineApp({
  kind: 'mediasoup-receiver',
  about: "an ffmpeg-like receiver: a consuming mediasoup PlainTransport sends it a peer's producers as plain RTP (or SRTP with given keys)",
  fields: [
    kindField('mediasoup-receiver'),
    HOST_FIELD,
    required('server', transport, "The `mediasoup-server`'s protoo WebSocket: an address that reaches its `listenIp`, and its `port`.", '198.51.100.30:4443'),
    ...ROOM_FIELDS,
    required('from', text, "The peer whose producers it consumes (the `join` answer lists each peer's producers to a broadcaster that gives its RTP capabilities; it `consume`s each of this peer's).", 'alice'),
    withDefault('rtcpMux', bool, false, '`false`', "createPlainTransport's `rtcpMux`: RTCP on the RTP port (RFC 5761); `false`, as ffmpeg reading an SDP: RTCP on RTP port + 1.", true),
    optional('srtpCryptoSuite', oneOf(PLAIN_SRTP_SUITES), "`enableSrtp` with this suite: the transport's key comes in the createPlainTransport answer, its own goes in connectPlainTransport (ffmpeg's srtp:// input with -srtp_in_suite).", 'AES_CM_128_HMAC_SHA1_80', 'plain RTP'),
    withDefault('port', integer(1, 65534), 5004, '`5004`', 'Its RTP port, given in connectPlainTransport (RTCP on the next one without rtcpMux).', 5004),
    withDefault('startAt', duration, 0, '`0`', 'When it opens its WebSocket (after the producers it wants exist).', '1s'),
  ],
  spec: ({ kind: _k, ...v }): MediasoupReceiverSpec => ({ kind: 'mediasoup-receiver', ...v }),
  build(world, host, spec: MediasoupReceiverSpec, ctx) {
    const net = world.net;
    const ip = host.addresses()[0]!;
    const local = { ip, port: spec.port };
    const rtcpLocal = spec.rtcpMux ? undefined : { ip, port: spec.port + 1 };
    const endpoint = new MediasoupPlainReceiver({ name: spec.host, rng: world.rng(ctx.source), from: spec.from, local, rtcpLocal, rtcpMux: spec.rtcpMux, srtp: spec.srtpCryptoSuite });
    const driver = new EndpointDriver(net, host, endpoint, ctx.source);
    driver.bind(local.ip, local.port);
    if (rtcpLocal) driver.bind(rtcpLocal.ip, rtcpLocal.port);
    const rng = world.rng(`${ctx.source}/protoo`);
    net.scheduler.at(spec.startAt, 'mediasoup-receiver connect', () => {
      const stream = connectStream(world.tcp(host), spec.server);
      openProtoo(net.now, stream, { server: formatTransportAddress(spec.server), roomId: spec.roomId, peerId: spec.peerId ?? spec.host, rng, note: (_t, n) => net.note(ctx.source, n) }, endpoint.handlers, () => driver.pump(),
        (t, conn) => endpoint.opened(t, conn),
        (_t, error) => net.note(ctx.source, mediasoupNote('mediasoup-receiver.error', `${spec.host}: the protoo WebSocket did not open: ${error}`, { method: 'connect', errorCode: 0, errorReason: error })));
    });
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }): Obj => ({
    server: formatTransportAddress(spec.server), room: spec.roomId, peerId: spec.peerId ?? spec.host, consumes: spec.from, rtcpMux: spec.rtcpMux, ...e.summary(),
  } as { [key: string]: JsonValue }),
  appLines: (e) => {
    const streams = (e.streams as Obj[]).map((s) => `${String(s.kind)} ssrc ${String(s.ssrc)} ${String(s.packets)} packets (${String(s.lost)} lost)`);
    const rx = e.received as Obj;
    return [`  mediasoup-receiver on ${String(e.host)}: ${String(e.peerId)} consuming ${String(e.consumes)} in "${String(e.room)}" from PlainTransport ${String(e.transport ?? 'none').slice(0, 8)} at ${String(e.from)}${e.rtcpMux ? ' (rtcpMux)' : ''}, ${String(e.srtp ?? 'plain RTP')}; ${streams.join(', ') || 'no streams'}; ${String(rx.senderReports)} SR received, ${String(e.rtcpSent)} RR sent${(e.errors as Obj[]).length ? `; ${(e.errors as Obj[]).length} error(s)` : ''}`];
  },
  notes: [MEDIASOUP_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS],
});
