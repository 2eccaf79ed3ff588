import { SCTP_NOTE_KINDS } from '../sctp/notes.ts';
import { MEDIASOUP_NOTE_KINDS } from '../mediasoup/notes.ts';
import { TURN_NOTE_KINDS } from '../turn/notes.ts';
import { NET_NOTE_KINDS } from '../net/notes.ts';
import { PEER_NOTE_KINDS } from '../peer/notes.ts';
import { ICE_NOTE_KINDS } from '../ice/notes.ts';
import { STUN_NOTE_KINDS } from '../stun/notes.ts';
import { DTLS_NOTE_KINDS } from '../dtls/notes.ts';
import { SRTP_NOTE_KINDS } from '../srtp/notes.ts';
import { HTTP_NOTE_KINDS } from '../http/notes.ts';
import { WEBSOCKET_NOTE_KINDS } from '../websocket/notes.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import { MediasoupBrowserClient } from '../mediasoup/browser-client.ts';
import { openProtoo } from '../mediasoup/connect.ts';
import { mediasoupNote } from '../mediasoup/notes.ts';
import { connectStream } from '../net/tcp-stream.ts';
import { WebRtcPeer } from '../peer/webrtc-peer.ts';
import { bool, duration, integer, list, object, optional, required, text, transport, withDefault } from '../schema/fields.ts';
import { DEFAULT_EVERY, type DataProducerSpec } from '../mediasoup/browser-data.ts';
import { defineApp, someKinds, HOST_FIELD, kindField, type Obj } from './app-kind.ts';
import { CURVES_FIELD, ICE_TCP_FIELD, mediaType, MTU_FIELD, PORT_FIELD, SRTP_PROFILES_FIELD } from './peer-common.ts';
import { gatherIceTcp, peerDriver } from './stream-links.ts';
import type { MediaSpec } from './peer-common.ts';
import type { DtlsCurveName, DtlsSrtpProfileName } from '../dtls/config.ts';
import type { Micros } from '../core/time.ts';

/**
 * The scenario app "mediasoup-client": a browser running mediasoup-client in mediasoup-demo's room
 * (sim/mediasoup/browser-client.ts): a protoo WebSocket to the `mediasoup-server`, a send and a receive
 * RTCPeerConnection with SDP built from the server's transport parameters.
 *
 *   { "kind": "mediasoup-client", "host": "alice", "server": "198.51.100.30:4443", "roomId": "demo",
 *     "media": { "audio": true, "video": true } }
 */
export interface MediasoupClientSpec {
  readonly kind: 'mediasoup-client';
  readonly host: string;
  readonly server: TransportAddress;
  readonly roomId: string;
  readonly peerId?: string;
  readonly displayName?: string;
  readonly produce: boolean;
  readonly consume: boolean;
  readonly media: MediaSpec;
  readonly port: number;
  readonly iceTcp: readonly ('active' | 'passive')[];
  readonly forceTcp: boolean;
  readonly startAt: Micros;
  readonly srtpProfiles?: readonly DtlsSrtpProfileName[];
  readonly curves?: readonly DtlsCurveName[];
  readonly mtu?: number;
  readonly useDataChannel?: boolean;
  readonly dataProducers?: readonly DataProducerSpec[];
}

/** One DataProducer of the client (mediasoup-client's transport.produceData) and the messages it sends. */
const dataProducerField = object([
  required('label', text, "The DataProducer's label (mediasoup-demo's chat: `\"chat\"`); unique per client.", 'chat'),
  optional('protocol', text, 'Its subprotocol.', 'json', '`""`'),
  optional('ordered', bool, 'In order (mediasoup: true unless a limit is given).', false, '`true`'),
  optional('maxRetransmits', integer(0, 65535), 'Partial reliability: give a message up after this many retransmissions (RFC 3758).', 1, 'reliable'),
  optional('maxPacketLifeTime', integer(0, 65535), 'Partial reliability: give a message up after this many ms.', 500, 'reliable'),
  withDefault('at', duration, 0, '`0`', 'When its first message goes (messages wait for the produceData answer).', '2s'),
  optional('text', text, 'A text message (PPID 51; `""`: PPID 56); `{n}` is the message number.', 'hello {n}', 'none'),
  optional('bytes', integer(0, 262144), 'A binary message of this size (PPID 53; 0: PPID 57), instead of `text`.', 1000, 'none'),
  withDefault('count', integer(0, 100_000), 1, '`1`', 'How many messages.', 10),
  withDefault('every', duration, DEFAULT_EVERY, '`"500ms"`', 'Time between two messages.', '200ms'),
  optional('closeAt', duration, 'When it closes (dataProducer.close() and `closeDataProducer`): its consumers close with it.', '5s'),
]);

export const ROOM_FIELDS = [
  withDefault('roomId', text, 'demo', '`"demo"`', 'The room it joins (`roomId` in the WebSocket URL).', 'demo'),
  optional('peerId', text, 'Its peer id (`peerId` in the WebSocket URL).', 'alice', 'the host name'),
] as const;

export const mediasoupClientApp = defineApp({
  kind: 'mediasoup-client',
  about: 'a browser running mediasoup-client: protoo over a WebSocket, a send and a receive transport as SDP',
  fields: [
    kindField('mediasoup-client'),
    HOST_FIELD,
    required('server', transport, "The `mediasoup-server`'s protoo WebSocket: an address that reaches its `listenIp`, and its `port`.", '198.51.100.30:4443'),
    ...ROOM_FIELDS,
    optional('displayName', text, 'The name it gives in `join`.', 'Alice', 'the peer id'),
    withDefault('produce', bool, true, '`true`', 'Produces its tracks (a send transport and `produce` per track).', true),
    withDefault('consume', bool, true, '`true`', "Consumes the others' producers (a receive transport; `newConsumer` accepted).", true),
    withDefault('media', mediaType, { audio: true, video: { fps: 30 } }, '`{ "audio": true, "video": { "fps": 30 } }`', 'What it sends: `audio` and `video`; when `media` is given, both default to `false`.', { audio: true, video: true }),
    PORT_FIELD,
    ICE_TCP_FIELD,
    withDefault('forceTcp', bool, false, '`false`', "Asks createWebRtcTransport for TCP candidates only (mediasoup-demo's `forceTcp`).", true),
    withDefault('startAt', duration, 0, '`0`', 'When it opens its WebSocket (the page loads).', '0s'),
    SRTP_PROFILES_FIELD,
    CURVES_FIELD,
    MTU_FIELD,
    optional('useDataChannel', bool, "mediasoup-demo's useDataChannel: sends the device's sctpCapabilities (numStreams OS/MIS 1024) in createWebRtcTransport and join, so both transports get SCTP and it consumes the others' DataProducers (`newDataConsumer`).", true, '`true` when `dataProducers` are given, else `false`'),
    optional('dataProducers', list(dataProducerField), 'DataProducers on its send transport (mediasoup-client `produceData`: a negotiated data channel on the next stream id, no DCEP) and the messages each sends through the SFU; needs `useDataChannel`.', [{ label: 'chat', text: 'hello {n}', count: 5, at: '2s' }], 'none'),
  ],
  spec: ({ kind: _k, ...v }): MediasoupClientSpec => ({ kind: 'mediasoup-client', ...v }),
  build(world, host, spec: MediasoupClientSpec, ctx) {
    const net = world.net;
    const peerId = spec.peerId ?? spec.host;
    const pc = (which: 'send' | 'recv', media: boolean): WebRtcPeer =>
      new WebRtcPeer({
        name: `${spec.host} ${which}`, rng: world.rng(`${ctx.source}/${which}`), identity: world.identity(spec.host), offerer: which === 'send', autoStart: false, startAt: spec.startAt,
        // mediasoup-client produces one track per negotiation: the send PC starts with the first, the others held back
        stunServers: [], turnServers: [], trickle: true, media: media ? { audio: spec.media.audio, video: spec.media.video === false ? false : spec.media.video, later: kinds.slice(1) } : {},
        ...(spec.srtpProfiles ? { srtpProfiles: spec.srtpProfiles } : {}), ...(spec.curves ? { curves: spec.curves } : {}), ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
        // mediasoup-client's sendSctpAssociation: the send PC's offer has an m=application once it produces data
        // (its first produceData renegotiates once, after the tracks; with no track, the data section is the first offer)
        ...(which === 'send' && dataProducers.length > 0 ? { dataChannels: { deferSection: kinds.length > 0 } } : {}),
      });
    const kinds = spec.produce ? (['audio', 'video'] as const).filter((k) => (k === 'audio' ? spec.media.audio : spec.media.video !== undefined && spec.media.video !== false)) : [];
    const useDataChannel = spec.useDataChannel ?? (spec.dataProducers !== undefined && spec.dataProducers.length > 0);
    const dataProducers = useDataChannel && spec.produce ? spec.dataProducers ?? [] : [];
    const endpoint = new MediasoupBrowserClient(spec.host, pc('send', spec.produce), pc('recv', false), { displayName: spec.displayName ?? peerId, produce: spec.produce, consume: spec.consume, forceTcp: spec.forceTcp, useDataChannel, dataProducers, laterTracks: kinds.slice(1) });
    const driver = peerDriver(world, host, endpoint, ctx.source, [], spec.iceTcp.length > 0);
    const udp = { send: [] as TransportAddress[], recv: [] as TransportAddress[] };
    for (const ip of host.addresses()) {
      udp.send.push(driver.bind(ip, spec.port));
      udp.recv.push(driver.bind(ip, spec.port === 0 ? 0 : spec.port + 2));
    }
    for (const a of udp.send) endpoint.send.addLocalAddress(a);
    for (const a of udp.recv) endpoint.recv.addLocalAddress(a);
    // ICE-TCP candidates (RFC 6544) for each PC: active ones dial the transport's passive candidate
    gatherIceTcp(driver, endpoint.send.agent, udp.send, spec.iceTcp, 0);
    gatherIceTcp(driver, endpoint.recv.agent, udp.recv, spec.iceTcp, 0);
    const rng = world.rng(`${ctx.source}/protoo`);
    net.scheduler.at(spec.startAt, 'mediasoup-client connect', () => {
      const stream = connectStream(world.tcp(host), spec.server);
      stream.connection.noDelay = true; // browsers set TCP_NODELAY
      openProtoo(net.now, stream, { server: formatTransportAddress(spec.server), roomId: spec.roomId, peerId, rng, note: (_t, n) => net.note(ctx.source, n) }, endpoint.handlers, () => driver.pump(),
        (t, conn) => endpoint.opened(t, conn),
        (_t, error) => net.note(ctx.source, mediasoupNote('mediasoup-client.error', `${spec.host}: the protoo WebSocket did not open: ${error}`, { method: 'connect', errorCode: 0, errorReason: error })));
    });
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }): Obj => {
    const pcSummary = (p: WebRtcPeer): Obj => {
      const s = p.summary();
      return { ice: p.agent.state, selectedPair: p.agent.selectedPair(), dtls: s.dtls?.state ?? 'new', dtlsRole: s.dtls?.role ?? null, media: s.media };
    };
    return {
      server: formatTransportAddress(spec.server), room: spec.roomId, peerId: spec.peerId ?? spec.host, joined: e.joinedRoom, peers: [...e.peers.keys()],
      producers: e.producers.map((p) => ({ id: p.id, kind: p.kind, ssrc: p.ssrc })),
      consumers: e.consumers.map((c) => ({ id: c.id, peer: c.peerId, kind: c.kind, ssrc: c.ssrc, mid: c.mid, resumed: c.resumed, closed: c.closed })),
      sendTransport: pcSummary(e.send), recvTransport: pcSummary(e.recv), errors: e.errors.map((x) => ({ ...x })),
      ...(e.options.useDataChannel ? { ...e.data.summary(), sctp: { send: e.send.transport.dataChannels?.summary() ?? null, recv: e.recv.transport.dataChannels?.summary() ?? null } } : {}),
    } as { [key: string]: JsonValue };
  },
  appLines: (e) => {
    const recv = e.recvTransport as Obj;
    const got = ((recv.media as Obj[]) ?? []).filter((m) => m.direction === 'receive').map((m) => `${String(m.kind)} ${String(m.packets)}`);
    const dataLine = (): string[] => {
      if (!e.dataProducers) return [];
      const sent = (e.dataProducers as Obj[]).map((p) => `"${String(p.label)}" ${String(p.messagesSent)}`);
      const got = ((e.dataConsumers as Obj[] | undefined) ?? []).map((c) => `${String(c.peer)}'s "${String(c.label)}" ${String(c.messagesReceived)}${c.closed ? ' (closed)' : ''}`);
      const rtx = ['send', 'recv'].map((w) => Number(((e.sctp as Obj | undefined)?.[w] as Obj | null)?.retransmissions ?? 0)).reduce((a, b) => a + b, 0);
      return [`    data: ${(e.dataProducers as Obj[]).length} data producer(s), ${((e.dataConsumers as Obj[] | undefined) ?? []).length} data consumer(s); messages sent ${sent.join(', ') || 'none'}; received ${got.join(', ') || 'none'}; ${rtx} SCTP retransmission(s)`];
    };
    return [...[`  mediasoup-client on ${String(e.host)}: ${String(e.peerId)} in "${String(e.room)}": ${(e.producers as Obj[]).length} producer(s), ${(e.consumers as Obj[]).length} consumer(s); send transport ice ${String((e.sendTransport as Obj).ice)} dtls ${String((e.sendTransport as Obj).dtls)} as ${String((e.sendTransport as Obj).dtlsRole)}; receive transport ice ${String(recv.ice)} dtls ${String(recv.dtls)}; received ${got.join(', ') || 'nothing'}${(e.errors as Obj[]).length ? `; ${(e.errors as Obj[]).length} error(s)` : ''}`], ...dataLine()];
  },
  notes: [MEDIASOUP_NOTE_KINDS, TURN_NOTE_KINDS, someKinds(NET_NOTE_KINDS, 'endpoint.error'), PEER_NOTE_KINDS, ICE_NOTE_KINDS, STUN_NOTE_KINDS, DTLS_NOTE_KINDS, SRTP_NOTE_KINDS, HTTP_NOTE_KINDS, WEBSOCKET_NOTE_KINDS, SCTP_NOTE_KINDS],
});
