import { SCTP_NOTE_KINDS } from '../sctp/notes.ts';
import { MEDIASOUP_NOTE_KINDS } from '../mediasoup/notes.ts';
import { SFU_NOTE_KINDS } from '../sfu/notes.ts';
import { TURN_NOTE_KINDS } from '../turn/notes.ts';
import { NET_NOTE_KINDS } from '../net/notes.ts';
import { ICE_NOTE_KINDS } from '../ice/notes.ts';
import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { DTLS_NOTE_KINDS } from '../dtls/notes.ts';
import { SRTP_NOTE_KINDS } from '../srtp/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { openProtoo } from '../mediasoup/connect.ts';
import { PipeToRouter } from '../mediasoup/pipe.ts';
import { connectStream } from '../net/tcp-stream.ts';
import type { JsonValue } from '../core/trace.ts';
import { MediasoupServer } from '../mediasoup/server.ts';
import { mediasoupSummary, mediasoupSummaryLines } from '../mediasoup/summary.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { listenStreams } from '../net/tcp-stream.ts';
import { bool, duration, integer, ip, optional, required, text, transport, withDefault } from '../schema/fields.ts';
import { StreamLinks } from './stream-links.ts';
import { defineApp, someKinds, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { portRange } from './sfu.ts';

/**
 * The scenario app "mediasoup-server": a mediasoup-style SFU with mediasoup-demo's protoo API on a WebSocket
 * (sim/mediasoup). Clients (`mediasoup-client`, `pion-client`) connect to `ws://<listenIp>:<port>/?roomId=…&peerId=…`.
 *
 *   { "kind": "mediasoup-server", "host": "sfu", "listenIp": "10.0.0.10", "announcedIp": "198.51.100.30",
 *     "port": 4443, "rtcPorts": "40000-40099", "workers": 2 }
 */
export interface MediasoupServerSpec {
  readonly kind: 'mediasoup-server';
  readonly host: string;
  readonly listenIp: string;
  readonly announcedIp?: string;
  readonly port: number;
  readonly rtcPorts: { readonly min: number; readonly max: number };
  readonly workers: number;
  readonly enableUdp: boolean;
  readonly enableTcp: boolean;
  readonly pipeTo?: TransportAddress;
  readonly pipeRoom: string;
  readonly pipeAt: Micros;
}

export const mediasoupServerApp = defineApp({
  kind: 'mediasoup-server',
  about: 'a mediasoup-style SFU with a protoo WebSocket API: workers, a router per room, WebRtcTransports (ICE-lite, DTLS either role)',
  fields: [
    kindField('mediasoup-server'),
    HOST_FIELD,
    required('listenIp', ip, 'The address its WebSocket and transports listen on (an address of its host; a private one behind a 1:1 NAT).', '198.51.100.30'),
    optional('announcedIp', ip, "The address its ICE candidates carry instead of `listenIp` (mediasoup's `announcedAddress`: a cloud VM's public address).", '203.0.113.30', '`listenIp`'),
    withDefault('port', integer(1, 65535), 4443, '`4443`', "The TCP port of its protoo WebSocket (mediasoup-demo's).", 4443),
    withDefault('rtcPorts', portRange, { min: 40000, max: 49999 }, '`"40000-49999"`', "rtcMinPort-rtcMaxPort: each WebRtcTransport's UDP port comes from here, in order.", '40000-40099'),
    withDefault('workers', integer(1, 64), 1, '`1`', 'Worker processes; each new room gets a router on the next worker in turn.', 2),
    withDefault('enableUdp', bool, true, '`true`', 'Each WebRtcTransport has a UDP socket and a UDP host candidate.', true),
    optional('pipeTo', transport, "Another `mediasoup-server`'s protoo WebSocket: at `pipeAt` this server joins its room `pipeRoom` as a pipe peer, and each router gets a PipeTransport connected to the other's (plain RTP and RTCP on one port, no ICE or DTLS); every producer of the room here is piped there (router.pipeToRouter(): a pipe consumer here, a producer there with its SSRC).", '198.51.100.31:4443', 'no pipe'),
    withDefault('pipeRoom', text, 'demo', '`"demo"`', 'The room piped to `pipeTo` (the same room id on both servers).', 'demo'),
    withDefault('pipeAt', duration, 100_000, '`"100ms"`', 'When it opens the WebSocket to `pipeTo` (after that server listens).', '100ms'),
    withDefault('enableTcp', bool, true, '`true`', 'Each WebRtcTransport also listens on TCP at the same port number: a host candidate with `tcpType` "passive" (RFC 6544), STUN, DTLS and SRTP framed per RFC 4571 on the connection a client opens. `forceTcp` in createWebRtcTransport leaves UDP out.', false),
  ],
  spec: ({ kind: _k, ...v }): MediasoupServerSpec => ({ kind: 'mediasoup-server', ...v }),
  build(world, host, spec: MediasoupServerSpec, ctx) {
    ctx.own({ ip: spec.listenIp }, 'listenIp');
    const net = world.net;
    const endpoint = new MediasoupServer({ name: spec.host, listenIp: spec.listenIp, ...(spec.announcedIp !== undefined ? { announcedIp: spec.announcedIp } : {}), ports: spec.rtcPorts, workers: spec.workers, enableUdp: spec.enableUdp, enableTcp: spec.enableTcp }, world.rng(ctx.source), world.identity(spec.host));
    // ICE-TCP: each transport's TCP server on its port, RFC 4571 frames in and out (sim/apps/stream-links.ts)
    const links = new StreamLinks(endpoint, { world, host, framing: 'rfc4571', closed: (now, local, remote, error) => endpoint.handleStreamClosed(now, local, remote, error) }, ctx.source);
    const driver = new EndpointDriver(net, host, links, ctx.source);
    links.attach(driver);
    endpoint.ctx = {
      bindPort: (port) => driver.bind(spec.listenIp, port),
      listenTcp: (port) => links.listen(port, 'tcp', { ip: spec.listenIp, framing: 'rfc4571' }),
      wake: () => driver.pump(),
      note: (_t, n) => net.note(ctx.source, n),
    };
    const tcp = world.tcp(host);
    const pipeTo = spec.pipeTo;
    if (pipeTo) {
      net.scheduler.at(spec.pipeAt, 'mediasoup-server pipeToRouter', () => {
        const pipe = new PipeToRouter(endpoint, endpoint.room(spec.pipeRoom), pipeTo);
        endpoint.pipes.push(pipe);
        openProtoo(net.now, connectStream(tcp, pipeTo), { server: formatTransportAddress(pipeTo), roomId: spec.pipeRoom, peerId: `pipe-${spec.host}`, rng: world.rng(`${ctx.source}/pipe`), note: (_t, n) => net.note(ctx.source, n) }, pipe.handlers, () => driver.pump(),
          (t, conn) => pipe.opened(t, conn),
          (t, error) => endpoint.note('mediasoup.pipe', `pipe of room "${spec.pipeRoom}" to ${formatTransportAddress(pipeTo)}: the WebSocket did not open: ${error}`, { room: spec.pipeRoom, to: formatTransportAddress(pipeTo), step: 'connect', ok: false }));
      });
    }
    tcp.reserve(spec.port, ctx.source); // it listens at 0: a second server on the port fails the build, naming this one
    net.scheduler.at(0, 'mediasoup-server listen', () => {
      listenStreams(tcp, spec.port, (stream) => {
        stream.connection.noDelay = true; // Node's ws server sets TCP_NODELAY
        endpoint.accept(stream);
      }, { ip: spec.listenIp });
    });
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint }): Obj => ({ listen: `ws://${formatTransportAddress({ ip: spec.listenIp, port: spec.port })}/`, ...(spec.announcedIp !== undefined ? { announcedIp: spec.announcedIp } : {}), ...mediasoupSummary(endpoint), ...(endpoint.pipes.length ? { pipes: endpoint.pipes.map((p) => p.summary()) } : {}) } as { [key: string]: JsonValue }),
  appLines: (e) => [
    ...mediasoupSummaryLines(e),
    ...((e.pipes as Obj[] | undefined) ?? []).map((p) => `    pipe of room "${String(p.room)}" to ${String(p.to)}: ${p.ready ? `PipeTransport ${String(p.transport).slice(0, 8)} ⇄ ${String(p.remoteTransport)}` : 'not connected'}, ${(p.piped as Obj[]).length} producer(s) piped${(p.errors as Obj[]).length ? `, ${(p.errors as Obj[]).length} error(s)` : ''}`),
  ],
  notes: [MEDIASOUP_NOTE_KINDS, someKinds(SFU_NOTE_KINDS, 'sfu.transport.keyed', 'sfu.keyframe.requested', 'sfu.keyframe.coalesced'), TURN_NOTE_KINDS, someKinds(NET_NOTE_KINDS, 'endpoint.error'), ICE_NOTE_KINDS, STUN_NOTE_KINDS, DTLS_NOTE_KINDS, SRTP_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS, SCTP_NOTE_KINDS],
});
