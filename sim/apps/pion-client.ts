import { MEDIASOUP_NOTE_KINDS } from '../mediasoup/notes.ts';
import { ICE_NOTE_KINDS } from '../ice/notes.ts';
import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { DTLS_NOTE_KINDS } from '../dtls/notes.ts';
import { SRTP_NOTE_KINDS } from '../srtp/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import { MEDIA_NOTE_KINDS } from '../media/notes.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { openProtoo } from '../mediasoup/connect.ts';
import { mediasoupNote } from '../mediasoup/notes.ts';
import { PionClient } from '../mediasoup/pion-client.ts';
import { connectStream } from '../net/tcp-stream.ts';
import { bool, duration, oneOf, required, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { ROOM_FIELDS } from './mediasoup-client.ts';
import { ICE_TCP_FIELD, mediaType, PORT_FIELD, type MediaSpec } from './peer-common.ts';
import { gatherIceTcp, peerDriver } from './stream-links.ts';

/**
 * The scenario app "pion-client": the seed's Go client written with pion (sim/mediasoup/pion-client.ts), no SDP:
 * protoo to the `mediasoup-server`, a controlling ICE agent, DTLS as client or server, SRTP from the exporter.
 *
 *   { "kind": "pion-client", "host": "gopher", "server": "198.51.100.30:4443", "dtlsRole": "server" }
 */
export interface PionClientSpec {
  readonly kind: 'pion-client';
  readonly host: string;
  readonly server: TransportAddress;
  readonly roomId: string;
  readonly peerId?: string;
  readonly dtlsRole: 'client' | 'server';
  readonly media: MediaSpec;
  readonly consume: boolean;
  readonly port: number;
  readonly iceTcp: readonly ('active' | 'passive')[];
  readonly startAt: Micros;
}

export const pionClientApp = defineApp({
  kind: 'pion-client',
  about: "the seed's pion (Go) client of a mediasoup server: no SDP, a controlling ICE agent, DTLS client or server, SRTP per SSRC",
  fields: [
    kindField('pion-client'),
    HOST_FIELD,
    required('server', transport, "The `mediasoup-server`'s protoo WebSocket: an address that reaches its `listenIp`, and its `port`.", '198.51.100.30:4443'),
    ...ROOM_FIELDS,
    withDefault('dtlsRole', oneOf(['client', 'server'] as const), 'client', '`"client"`', '`"client"`: `dtls.Client`, it sends the ClientHello (the server is the DTLS server); `"server"`: `dtls.Server`, it tells the server role "server" in connectWebRtcTransport and the mediasoup transport becomes the DTLS client.', 'server'),
    withDefault('media', mediaType, { audio: true, video: false }, '`{ "audio": true }`', 'What it writes, one SSRC per kind (`produce` each); when `media` is given, both default to `false`.', { audio: true, video: true }),
    withDefault('consume', bool, true, '`true`', "Reads the others' producers (`newConsumer` accepted, a read stream per SSRC).", false),
    PORT_FIELD,
    ICE_TCP_FIELD,
    withDefault('startAt', duration, 0, '`0`', 'When it opens its WebSocket.', '0s'),
  ],
  spec: ({ kind: _k, ...v }): PionClientSpec => ({ kind: 'pion-client', ...v }),
  build(world, host, spec: PionClientSpec, ctx) {
    const net = world.net;
    const endpoint = new PionClient({ name: spec.host, rng: world.rng(ctx.source), identity: world.identity(spec.host), dtlsRole: spec.dtlsRole, media: spec.media, consume: spec.consume });
    // ICE-TCP (RFC 6544): a StreamLinks driver dials the active candidates' connections, RFC 4571 framing
    const driver = peerDriver(world, host, endpoint, ctx.source, [], spec.iceTcp.length > 0);
    const udp = host.addresses().map((ip) => driver.bind(ip, spec.port));
    for (const a of udp) endpoint.addLocalAddress(a);
    gatherIceTcp(driver, endpoint.agent, udp, spec.iceTcp, 0);
    const rng = world.rng(`${ctx.source}/protoo`);
    net.scheduler.at(spec.startAt, 'pion-client connect', () => {
      const stream = connectStream(world.tcp(host), spec.server);
      stream.connection.noDelay = true; // gorilla/websocket: Go sets TCP_NODELAY on every TCP connection
      openProtoo(net.now, stream, { server: formatTransportAddress(spec.server), roomId: spec.roomId, peerId: spec.peerId ?? spec.host, rng, note: (_t, n) => net.note(ctx.source, n) }, endpoint.handlers, () => driver.pump(),
        (t, conn) => endpoint.opened(t, conn),
        (_t, error) => net.note(ctx.source, mediasoupNote('pion-client.error', `${spec.host}: the protoo WebSocket did not open: ${error}`, { method: 'connect', errorCode: 0, errorReason: error })));
    });
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }): Obj => {
    const d = e.transport.dtls;
    const sel = e.agent.selected;
    return {
      server: formatTransportAddress(spec.server), room: spec.roomId, peerId: spec.peerId ?? spec.host, transport: e.transportId ?? null,
      ice: { role: 'controlling', state: e.agent.state, selectedPair: sel ? { protocol: sel.local.transport, local: formatTransportAddress(sel.local.base), remote: formatTransportAddress(sel.remote.address) } : null },
      dtls: { role: d?.roleName ?? spec.dtlsRole, state: d?.state ?? 'new', fingerprintVerified: d?.fingerprintVerified ?? false },
      srtpProfile: e.transport.srtp ? e.transport.srtp.profile.name : null,
      producers: e.producers.map((p) => ({ ...p })), consumers: e.consumers.map((c) => ({ ...c })), streams: e.streams(), errors: e.errors.map((x) => ({ ...x })),
    } as { [key: string]: JsonValue };
  },
  appLines: (e) => {
    const ice = e.ice as Obj;
    const dtls = e.dtls as Obj;
    const streams = (e.streams as Obj[]).map((s) => `${s.direction === 'send' ? 'write' : 'read'} ${String(s.kind)} ssrc ${String(s.ssrc)} ${String(s.packets)}`);
    return [`  pion-client on ${String(e.host)}: ${String(e.peerId)} in "${String(e.room)}", ICE controlling ${String(ice.state)}, DTLS ${String(dtls.role)} ${String(dtls.state)}, ${String(e.srtpProfile ?? 'no SRTP')}; ${streams.join(', ') || 'no streams'}${(e.errors as Obj[]).length ? `; ${(e.errors as Obj[]).length} error(s)` : ''}`];
  },
  notes: [MEDIASOUP_NOTE_KINDS, ICE_NOTE_KINDS, STUN_NOTE_KINDS, DTLS_NOTE_KINDS, SRTP_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS, MEDIA_NOTE_KINDS],
});
