// The protoo requests of mediasoup's data side: SCTP on a WebRtcTransport, produceData, consumeData.
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { ServerSctp, type DataConsumer, type DataProducer } from './data-producer.ts';
import type { Obj, ProtooAnswer } from './protoo.ts';
import type { MediasoupServer, Peer, Room, ServerTransport } from './server.ts';

type Answer = (now: Micros, a: ProtooAnswer) => void;

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const error = (errorCode: number, errorReason: string): ProtooAnswer => ({ ok: false, errorCode, errorReason });

/** mediasoup-demo's numSctpStreams { OS: 1024, MIS: 1024 } and maxSctpMessageSize 262144. */
const NUM_SCTP_STREAMS = 1024;
const MAX_SCTP_MESSAGE_SIZE = 262144;

/**
 * createWebRtcTransport with SCTP: mediasoup-demo turns enableSctp on when the client sends its sctpCapabilities;
 * a `{}` (no numStreams, as a client without data channels sends here) leaves it off. The transport's association
 * rides its DTLS (RFC 8261) and the answer gains `sctpParameters`.
 */
export function enableSctp(server: MediasoupServer, room: Room, st: ServerTransport, sctpCapabilities: JsonValue | undefined): Obj {
  if (!isObj(sctpCapabilities) || !isObj(sctpCapabilities.numStreams)) return {};
  const router = room.data;
  const sctp = new ServerSctp(`sctp ${st.t.id}`, server.forkRng(`sctp-${st.t.id}`), { streams: NUM_SCTP_STREAMS, maxMessageSize: MAX_SCTP_MESSAGE_SIZE }, (now, s, streamId, ppid, bytes) => void router.message(now, s, streamId, ppid, bytes));
  st.sctp = sctp;
  st.t.transport.dataChannels = sctp;
  return { sctpParameters: { ...sctp.parameters } };
}

/**
 * produceData (transportId, sctpStreamParameters, label, protocol) → { id }, then a DataConsumer of it for every
 * other joined peer with a consuming SCTP transport; consumeData-less as in mediasoup-demo, the server asks each
 * with `newDataConsumer`. Errors: 403 before join, 404 unknown transport, 400 bad parameters or no SCTP.
 */
export function handleDataRequest(server: MediasoupServer, now: Micros, peer: Peer, method: string, data: Obj, answer: Answer): void {
  if (!peer.joined) return answer(now, error(403, 'Peer not yet joined'));
  const room = peer.room;
  const router = room.data;
  switch (method) {
    case 'produceData': {
      const st = typeof data.transportId === 'string' ? peer.transports.get(data.transportId) : undefined;
      if (!st || st.closed) return answer(now, error(404, `transport with id "${String(data.transportId ?? '')}" not found`));
      const sctp = st.sctp;
      if (!sctp) return answer(now, error(400, 'SCTP not enabled by remote Transport'));
      const p = router.produce(server.uuid(), peer.id, sctp, data);
      if (typeof p === 'string') return answer(now, error(400, p));
      server.note('mediasoup.dataproducer.created', `dataProducer ${p.id}: ${peer.id}'s "${p.label}" on SCTP stream ${p.stream.streamId}`, { dataProducer: p.id, peer: peer.id, label: p.label, streamId: p.stream.streamId, transport: st.t.id });
      answer(now, { ok: true, data: { id: p.id } });
      for (const o of room.peers.values()) if (o !== peer && o.joined && !o.closed) createDataConsumer(server, now, o, p);
      return;
    }
    case 'consumeData': {
      // mediasoup's transport.consumeData({ dataProducerId }) asked by the client itself, answered with the same
      // fields newDataConsumer carries
      const st = typeof data.transportId === 'string' ? peer.transports.get(data.transportId) : undefined;
      if (!st || st.closed) return answer(now, error(404, `transport with id "${String(data.transportId ?? '')}" not found`));
      const sctp = st.sctp;
      if (!sctp) return answer(now, error(400, 'SCTP not enabled by remote Transport'));
      const p = router.dataProducers.find((x) => x.id === data.dataProducerId && !x.closed);
      if (!p) return answer(now, error(404, `dataProducer with id "${String(data.dataProducerId ?? '')}" not found`));
      const c = router.consume(server.uuid(), peer.id, sctp, p);
      if (typeof c === 'string') return answer(now, error(400, c));
      server.note('mediasoup.dataconsumer.created', `dataConsumer ${c.id}: ${p.peerId}'s "${p.label}" to ${peer.id} on SCTP stream ${c.stream.streamId}`, { dataConsumer: c.id, dataProducer: p.id, peer: peer.id, streamId: c.stream.streamId, transport: st.t.id });
      return answer(now, { ok: true, data: { id: c.id, dataProducerId: p.id, sctpStreamParameters: streamJson(c), label: p.label, protocol: p.protocol } });
    }
    case 'closeDataProducer': {
      // mediasoup-client's dataProducer.close() on the demo's server (as closeProducer): its consumers close too
      const p = router.dataProducers.find((x) => x.id === data.dataProducerId && x.peerId === peer.id && !x.closed);
      if (!p) return answer(now, error(404, `dataProducer with id "${String(data.dataProducerId ?? '')}" not found`));
      closeDataProducer(server, now, peer, p, 'closeDataProducer');
      return answer(now, { ok: true, data: {} });
    }
    default:
      return answer(now, error(500, `unknown request.method "${method}"`));
  }
}

/** A DataConsumer's sctpStreamParameters as mediasoup sends them. */
function streamJson(c: DataConsumer): Obj {
  const s = c.stream;
  return { streamId: s.streamId, ordered: s.ordered, ...(s.maxRetransmits !== undefined ? { maxRetransmits: s.maxRetransmits } : {}), ...(s.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: s.maxPacketLifeTime } : {}) };
}

/** The newcomer consumes every data producer already there (mediasoup-demo's join). */
export function consumeExistingData(server: MediasoupServer, now: Micros, peer: Peer): void {
  for (const p of peer.room.data.dataProducers) if (p.peerId !== peer.id && !p.closed) createDataConsumer(server, now, peer, p);
}

/**
 * mediasoup-demo's `_createDataConsumer`: on the peer's consuming transport with SCTP, on a stream the server picks,
 * then `newDataConsumer` so the client opens a negotiated channel (RFC 8831 §6.5) on that stream; a refusal closes it.
 */
export function createDataConsumer(server: MediasoupServer, now: Micros, peer: Peer, p: DataProducer): DataConsumer | undefined {
  const st = [...peer.transports.values()].find((x) => !x.closed && x.direction !== 'send' && x.sctp !== undefined);
  if (!st?.sctp) return undefined;
  const router = peer.room.data;
  const c = router.consume(server.uuid(), peer.id, st.sctp, p);
  if (typeof c === 'string') {
    server.note('mediasoup.dataconsumer.failed', `no dataConsumer of ${p.id} for ${peer.id}: ${c}`, { dataProducer: p.id, peer: peer.id, reason: c });
    return undefined;
  }
  server.note('mediasoup.dataconsumer.created', `dataConsumer ${c.id}: ${p.peerId}'s "${p.label}" to ${peer.id} on SCTP stream ${c.stream.streamId}`, { dataConsumer: c.id, dataProducer: p.id, peer: peer.id, streamId: c.stream.streamId, transport: st.t.id });
  peer.conn.request(now, 'newDataConsumer', {
    peerId: p.peerId, dataProducerId: p.id, id: c.id, sctpStreamParameters: streamJson(c),
    label: p.label, protocol: p.protocol, appData: {},
  }, (_t, a) => {
    if (a.ok) return;
    router.close(c);
    server.note('mediasoup.dataconsumer.closed', `dataConsumer ${c.id}: ${peer.id} refused newDataConsumer (${a.errorCode} ${a.errorReason})`, { dataConsumer: c.id, peer: peer.id, reason: a.errorReason });
  });
  return c;
}

/** A DataProducer closes: its consumers close and each consuming peer hears `dataConsumerClosed` (mediasoup-demo). */
export function closeDataProducer(server: MediasoupServer, now: Micros, peer: Peer, p: DataProducer, reason: string): void {
  const room = peer.room;
  const gone = room.data.closeProducer(p);
  server.note('mediasoup.dataproducer.closed', `dataProducer ${p.id} of ${p.peerId} closed (${reason}); ${gone.length} dataConsumer(s) with it`, { dataProducer: p.id, peer: p.peerId, dataConsumers: gone.length });
  for (const c of gone) {
    server.note('mediasoup.dataconsumer.closed', `dataConsumer ${c.id} of ${c.peerId} closed: its dataProducer closed`, { dataConsumer: c.id, peer: c.peerId, reason: 'dataproducerclose' });
    const o = room.peers.get(c.peerId);
    if (o && !o.closed) o.conn.notify(now, 'dataConsumerClosed', { dataConsumerId: c.id });
  }
}

/** A peer leaves: its DataProducers close (with their consumers), and its own DataConsumers close. */
export function closeDataOf(server: MediasoupServer, now: Micros, peer: Peer): void {
  const data = peer.room.data;
  for (const p of data.dataProducers.filter((x) => x.peerId === peer.id && !x.closed)) closeDataProducer(server, now, peer, p, 'producer peer closed');
  for (const c of data.dataConsumers.filter((x) => x.peerId === peer.id && !x.closed)) data.close(c);
}
