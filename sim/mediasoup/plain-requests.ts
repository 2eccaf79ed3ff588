import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { PLAIN_SRTP_SUITES, type PlainSrtpSuite, type PlainTransport } from './plain-transport.ts';
import type { Obj, ProtooAnswer } from './protoo.ts';
import type { MediasoupServer, Peer } from './server.ts';
import { canConsume, routerCodec } from './requests.ts';

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The PlainTransport requests, on the same protoo connection (mediasoup-demo offers them to broadcasters over its
 * HTTP API: POST …/broadcasters/:id/transports with type "plain", then …/transports/:id/connect; the data and the
 * answers are the same): createPlainTransport { comedia, rtcpMux, enableSrtp, srtpCryptoSuite } → { id, ip, port,
 * rtcpPort?, srtpParameters? }, and connectPlainTransport { transportId, ip?, port?, rtcpPort?, srtpParameters? }.
 * mediasoup's defaults: comedia false, rtcpMux true, SRTP off, AES_CM_128_HMAC_SHA1_80.
 */
export function handlePlainRequest(server: MediasoupServer, now: Micros, peer: Peer, method: string, data: Obj, answer: (now: Micros, a: ProtooAnswer) => void): void {
  const error = (errorCode: number, errorReason: string): void => answer(now, { ok: false, errorCode, errorReason });
  if (!peer.joined) return error(403, 'Peer not yet joined');
  if (method === 'createPipeTransport') {
    // router.createPipeTransport({ listenInfo, enableSrtp }): plain RTP with RTCP on the same port and a tuple only
    // connect() gives (mediasoup's PipeTransport has no comedia and always muxes RTCP)
    if (data.enableSrtp !== undefined && data.enableSrtp !== false) return error(400, 'enableSrtp on a PipeTransport is not modelled');
    const t = server.createPlainTransport(now, peer, { comedia: false, rtcpMux: true, srtpCryptoSuite: undefined, pipe: true });
    if (!t) return error(500, 'no port left in rtcMinPort-rtcMaxPort');
    return answer(now, { ok: true, data: t.parameters() });
  }
  if (method === 'createPlainTransport') {
    for (const k of ['comedia', 'rtcpMux', 'enableSrtp'] as const) if (data[k] !== undefined && typeof data[k] !== 'boolean') return error(400, `${k} is not a boolean`);
    const suite = data.srtpCryptoSuite ?? 'AES_CM_128_HMAC_SHA1_80';
    if (!PLAIN_SRTP_SUITES.includes(suite as PlainSrtpSuite)) return error(400, `invalid srtpCryptoSuite ${JSON.stringify(suite)} (one of ${PLAIN_SRTP_SUITES.join(', ')})`);
    const t = server.createPlainTransport(now, peer, { comedia: data.comedia === true, rtcpMux: data.rtcpMux !== false, srtpCryptoSuite: data.enableSrtp === true ? (suite as PlainSrtpSuite) : undefined });
    if (!t) return error(500, 'no port left in rtcMinPort-rtcMaxPort');
    return answer(now, { ok: true, data: t.parameters() });
  }
  const t = typeof data.transportId === 'string' ? peer.plain.get(data.transportId) : undefined;
  if (!t) return error(404, `transport with id "${String(data.transportId ?? '')}" not found`);
  if (method === 'consume') return consume(server, now, peer, t, data, answer);
  if ((method === 'connectPipeTransport') !== t.pipe) return error(400, `transport ${t.id} is ${t.pipe ? 'a PipeTransport: connectPipeTransport' : 'a PlainTransport: connectPlainTransport'}`);
  const sp = data.srtpParameters;
  const why = t.connect(now, {
    ...(typeof data.ip === 'string' ? { ip: data.ip } : {}), ...(typeof data.port === 'number' ? { port: data.port } : {}), ...(typeof data.rtcpPort === 'number' ? { rtcpPort: data.rtcpPort } : {}),
    ...(isObj(sp) ? { srtpParameters: { cryptoSuite: sp.cryptoSuite, keyBase64: sp.keyBase64 } } : {}),
  });
  if (why) return error(why.startsWith('connect() already') ? 409 : 400, why);
  server.note('mediasoup.transport.connected', `${t.pipe ? 'PipeTransport' : 'PlainTransport'} ${t.id}: connect()${t.comedia ? ' (comedia: the tuple comes from the first packet)' : ` to ${String(data.ip)}:${String(data.port)}${t.rtcpMux ? '' : ` (RTCP ${String(data.rtcpPort)})`}`}${t.srtp ? `, SRTP ${t.srtp.profile.name} with the remote's key` : ''}`, { transport: t.id, peer: peer.id, remoteRole: 'plain', role: 'plain' });
  return answer(now, { ok: true, data: {} });
}

/**
 * transport.consume({ producerId, rtpCapabilities, paused }) on a PlainTransport (the demo's broadcaster API: POST
 * …/transports/:transportId/consume?producerId=…): a consumer of any peer's producer in the room, sent out of the
 * transport to its tuple; no RTX (a plain receiver asks for none). The answer is the demo's: { id, producerId,
 * kind, rtpParameters, type, producerPaused }. 400 without capabilities for the kind, 404 an unknown producer.
 */
function consume(server: MediasoupServer, now: Micros, peer: Peer, t: PlainTransport, data: Obj, answer: (now: Micros, a: ProtooAnswer) => void): void {
  const error = (errorCode: number, errorReason: string): void => answer(now, { ok: false, errorCode, errorReason });
  const room = peer.room;
  const p = room.router.producers.find((x) => x.id === data.producerId && !x.closed);
  if (!p) return error(404, `producer with id "${String(data.producerId ?? '')}" not found`);
  if (data.paused !== undefined && typeof data.paused !== 'boolean') return error(400, 'paused is not a boolean');
  if (!canConsume(peer, p.kind)) return error(400, `cannot consume producer ${p.id}: no ${p.kind} codec in the rtpCapabilities given at join`);
  const c = room.router.addConsumer(server.uuid(), peer.id, t, p, data.paused === true);
  room.media.describeConsumer(c, undefined);
  server.note('mediasoup.consumer.created', `consumer ${c.id}: ${p.peerId}'s ${p.kind} to ${peer.id} as SSRC ${c.ssrc} on PlainTransport ${t.id}${c.paused ? ' (paused)' : ''}`, { consumer: c.id, producer: p.id, peer: peer.id, kind: p.kind, ssrc: c.ssrc, transport: t.id });
  const codec = routerCodec(p.kind)!;
  answer(now, { ok: true, data: {
    id: c.id, producerId: p.id, kind: p.kind, type: 'simple', producerPaused: p.paused,
    rtpParameters: { codecs: [codec], headerExtensions: [], encodings: [{ ssrc: c.ssrc }], rtcp: { cname: p.peerId, reducedSize: true, mux: t.rtcpMux } },
  } });
}
