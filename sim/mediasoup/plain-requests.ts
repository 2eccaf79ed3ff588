import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { PLAIN_SRTP_SUITES, type PlainSrtpSuite } from './plain-transport.ts';
import type { Obj, ProtooAnswer } from './protoo.ts';
import type { MediasoupServer, Peer } from './server.ts';

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
  const sp = data.srtpParameters;
  const why = t.connect(now, {
    ...(typeof data.ip === 'string' ? { ip: data.ip } : {}), ...(typeof data.port === 'number' ? { port: data.port } : {}), ...(typeof data.rtcpPort === 'number' ? { rtcpPort: data.rtcpPort } : {}),
    ...(isObj(sp) ? { srtpParameters: { cryptoSuite: sp.cryptoSuite, keyBase64: sp.keyBase64 } } : {}),
  });
  if (why) return error(why.startsWith('connect() already') ? 409 : 400, why);
  server.note('mediasoup.transport.connected', `PlainTransport ${t.id}: connect()${t.comedia ? ' (comedia: the tuple comes from the first packet)' : ` to ${String(data.ip)}:${String(data.port)}${t.rtcpMux ? '' : ` (RTCP ${String(data.rtcpPort)})`}`}${t.srtp ? `, SRTP ${t.srtp.profile.name} with the remote's key` : ''}`, { transport: t.id, peer: peer.id, remoteRole: 'plain', role: 'plain' });
  return answer(now, { ok: true, data: {} });
}
