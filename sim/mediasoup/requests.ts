import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Producer } from '../sfu/router.ts';
import { producerCodec, ROUTER_RTP_CAPABILITIES, VP8_RTX_PT } from '../sfu/server.ts';
import { VP8_PT } from '../media/video.ts';
import type { Obj, ProtooAnswer } from './protoo.ts';
import { handlePlainRequest } from './plain-requests.ts';
import { consumeExistingData, enableSctp, handleDataRequest } from './data-requests.ts';
import type { MediasoupServer, Peer, ServerTransport } from './server.ts';

type Answer = (now: Micros, a: ProtooAnswer) => void;

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ok = (data: Obj = {}): ProtooAnswer => ({ ok: true, data });
const error = (errorCode: number, errorReason: string): ProtooAnswer => ({ ok: false, errorCode, errorReason });

/** RFC 8122 §5: a SHA-256 fingerprint is 32 upper- or lower-case hex octets joined by colons. */
const SHA256_VALUE = /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;

/** The codec of a kind as the router has it (payload type, clock rate, RTCP feedback it understands). */
export function routerCodec(kind: string): Obj | undefined {
  const c = (ROUTER_RTP_CAPABILITIES.codecs as Obj[]).find((x) => x.kind === kind);
  if (!c) return undefined;
  return {
    mimeType: c.mimeType!, payloadType: c.preferredPayloadType!, clockRate: c.clockRate!, ...(c.channels !== undefined ? { channels: c.channels } : {}), parameters: {},
    rtcpFeedback: kind === 'video' ? [{ type: 'nack', parameter: '' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb', parameter: '' }] : [],
  };
}

/** Whether the peer's capabilities (from `join`) can receive the kind (mediasoup's router.canConsume). */
export function canConsume(peer: Peer, kind: string): boolean {
  const codecs = peer.rtpCapabilities?.codecs;
  const mine = routerCodec(kind);
  return Array.isArray(codecs) && mine !== undefined && codecs.some((c) => isObj(c) && typeof c.mimeType === 'string' && c.mimeType.toLowerCase() === String(mine.mimeType).toLowerCase());
}

/**
 * The protoo requests of mediasoup-demo's room, one case each (the names and data are the demo's):
 * getRouterRtpCapabilities, join, createWebRtcTransport, connectWebRtcTransport, produce, closeProducer,
 * pauseProducer, resumeProducer, pauseConsumer, resumeConsumer. Each answers exactly once; bad data gets a protoo
 * error (400 malformed, 403 before join, 404 unknown id, 409 repeated, 500 unknown method as the demo's throw).
 */
export function handleRequest(server: MediasoupServer, now: Micros, peer: Peer, method: string, data: Obj, answer: Answer): void {
  const room = peer.room;
  const router = room.router;
  const transport = (): ServerTransport | undefined => {
    const id = data.transportId;
    return typeof id === 'string' ? peer.transports.get(id) : undefined;
  };
  const producer = (): Producer | undefined => router.producers.find((p) => p.id === data.producerId && p.peerId === peer.id && !p.closed);
  switch (method) {
    case 'getRouterRtpCapabilities':
      return answer(now, ok(ROUTER_RTP_CAPABILITIES));
    case 'join': {
      if (peer.joined) return answer(now, error(409, 'Peer already joined'));
      if (data.rtpCapabilities !== undefined && !isObj(data.rtpCapabilities)) return answer(now, error(400, 'rtpCapabilities is not an object'));
      peer.joined = true;
      peer.displayName = typeof data.displayName === 'string' ? data.displayName : peer.id;
      peer.device = isObj(data.device) ? data.device : {};
      peer.rtpCapabilities = isObj(data.rtpCapabilities) ? data.rtpCapabilities : undefined;
      const others = [...room.peers.values()].filter((o) => o !== peer && o.joined && !o.closed);
      server.note('mediasoup.peer.joined', `${peer.id} joined room "${room.id}" (${others.length} other peer(s))`, { room: room.id, peer: peer.id, peers: others.length + 1 });
      // a broadcaster that gives its RTP capabilities hears of the producers it can consume (the demo's createBroadcaster)
      const listProducers = peer.device.flag === 'broadcaster' && peer.rtpCapabilities !== undefined;
      const producersOf = (o: Peer): Obj[] => router.producers.filter((p) => p.peerId === o.id && !p.closed && canConsume(peer, p.kind)).map((p) => ({ id: p.id, kind: p.kind }));
      answer(now, ok({ peers: others.map((o) => ({ id: o.id, displayName: o.displayName, device: o.device, ...(listProducers ? { producers: producersOf(o) } : {}) })) }));
      // the newcomer consumes everything already produced; the others hear of it
      for (const o of others) for (const p of router.producers) if (p.peerId === o.id && !p.closed) createConsumer(server, now, peer, p);
      consumeExistingData(server, now, peer);
      for (const o of others) o.conn.notify(now, 'newPeer', { id: peer.id, displayName: peer.displayName, device: peer.device });
      return;
    }
    case 'createWebRtcTransport': {
      const o = server.options;
      // mediasoup-demo: forceTcp turns UDP off (enableUdp false, enableTcp true)
      const protocols = data.forceTcp === true ? (o.enableTcp ? ['tcp' as const] : []) : [...(o.enableUdp ? ['udp' as const] : []), ...(o.enableTcp ? ['tcp' as const] : [])];
      if (protocols.length === 0) return answer(now, error(400, data.forceTcp === true ? 'forceTcp: this server does not enable TCP' : 'neither UDP nor TCP is enabled'));
      const producing = data.producing === true;
      const consuming = data.consuming === true;
      const st = server.createTransport(now, peer, producing && !consuming ? 'send' : consuming && !producing ? 'recv' : 'sendrecv', protocols);
      if (!st) return answer(now, error(500, 'no port left in rtcMinPort-rtcMaxPort'));
      const a = st.t.agent;
      const ip = server.options.announcedIp ?? st.t.local.ip;
      const sctp = enableSctp(server, room, st, data.sctpCapabilities);
      return answer(now, ok({
        id: st.t.id,
        iceParameters: { usernameFragment: a.ufrag, password: a.pwd, iceLite: true },
        iceCandidates: a.local.map((c) => ({ foundation: c.foundation, priority: c.priority, ip, address: ip, protocol: c.transport, port: c.address.port, type: c.type, ...(c.tcpType ? { tcpType: c.tcpType } : {}) })),
        dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: server.identity.fingerprint }] },
        ...sctp,
      }));
    }
    case 'connectWebRtcTransport': {
      const st = transport();
      if (!st || st.closed) return answer(now, error(404, `transport with id "${String(data.transportId ?? '')}" not found`));
      if (st.connected) return answer(now, error(409, 'connect() already called'));
      const dtls = data.dtlsParameters;
      if (!isObj(dtls) || !Array.isArray(dtls.fingerprints)) return answer(now, error(400, 'missing dtlsParameters.fingerprints'));
      const role = dtls.role ?? 'auto';
      if (role !== 'auto' && role !== 'client' && role !== 'server') return answer(now, error(400, `invalid dtlsParameters.role "${String(role)}"`));
      const fp = dtls.fingerprints.find((f) => isObj(f) && f.algorithm === 'sha-256');
      if (!isObj(fp)) return answer(now, error(400, 'no sha-256 fingerprint in dtlsParameters.fingerprints'));
      if (typeof fp.value !== 'string' || !SHA256_VALUE.test(fp.value)) return answer(now, error(400, `invalid sha-256 fingerprint value ${JSON.stringify(fp.value ?? null)}`));
      // mediasoup's WebRtcTransport::Connect: a remote "client" makes it the server; "server" or "auto" the client
      // (it is ICE-controlled, so with "auto" it takes the active role, RFC 5763 §5)
      const mine = role === 'client' ? 'server' : 'client';
      st.connected = true;
      st.remoteRole = role;
      st.t.connect(`sha-256 ${fp.value.toUpperCase()}`, mine);
      server.note('mediasoup.transport.connected', `transport ${st.t.id}: ${peer.id}'s DTLS role "${role}" and sha-256 fingerprint; this side is the DTLS ${mine}`, { transport: st.t.id, peer: peer.id, remoteRole: role, role: mine });
      return answer(now, ok());
    }
    case 'produce': {
      if (!peer.joined) return answer(now, error(403, 'Peer not yet joined'));
      const st = transport();
      // a WebRtcTransport or a PlainTransport (an ffmpeg-like broadcaster produces on the latter)
      const t = st && !st.closed ? st.t : typeof data.transportId === 'string' ? peer.plain.get(data.transportId) : undefined;
      if (!t) return answer(now, error(404, `transport with id "${String(data.transportId ?? '')}" not found`));
      const kind = data.kind;
      if (kind !== 'audio' && kind !== 'video') return answer(now, error(400, `invalid kind ${JSON.stringify(kind ?? null)}`));
      const rp = data.rtpParameters;
      const enc = isObj(rp) && Array.isArray(rp.encodings) ? rp.encodings[0] : undefined;
      const ssrc = isObj(enc) ? enc.ssrc : undefined;
      if (typeof ssrc !== 'number' || !Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff) return answer(now, error(400, 'rtpParameters.encodings[0].ssrc missing or not a 32-bit integer'));
      if (router.producers.some((p) => p.transport === t && p.ssrc === ssrc && !p.closed)) return answer(now, error(409, `ssrc ${ssrc} already produced on this transport`));
      const p = router.addProducer({ id: server.uuid(), peerId: peer.id, transport: t, kind, ssrc, mid: isObj(rp) && typeof rp.mid === 'string' ? rp.mid : '' });
      // the producer's payload type, RTX (encodings[0].rtx) and CNAME for the router's RTCP
      room.media.describeProducer(p, { ...producerCodec(isObj(rp) ? rp : undefined), cname: isObj(rp) && isObj(rp.rtcp) && typeof rp.rtcp.cname === 'string' ? rp.rtcp.cname : peer.id });
      server.note('mediasoup.producer.created', `producer ${p.id}: ${peer.id}'s ${kind} (SSRC ${ssrc})`, { producer: p.id, peer: peer.id, kind, ssrc, transport: t.id });
      answer(now, ok({ id: p.id }));
      for (const o of room.peers.values()) if (o !== peer && o.joined && !o.closed) createConsumer(server, now, o, p);
      server.producerAdded(now, room, p);
      return;
    }
    case 'closeProducer': {
      const p = producer();
      if (!p) return answer(now, error(404, `producer with id "${String(data.producerId ?? '')}" not found`));
      server.closeProducer(now, room, p, 'closeProducer');
      return answer(now, ok());
    }
    case 'pauseProducer':
    case 'resumeProducer': {
      const p = producer();
      if (!p) return answer(now, error(404, `producer with id "${String(data.producerId ?? '')}" not found`));
      p.paused = method === 'pauseProducer';
      server.note('mediasoup.producer.paused', `producer ${p.id} of ${peer.id} ${p.paused ? 'paused' : 'resumed'}`, { producer: p.id, peer: peer.id, paused: p.paused });
      answer(now, ok());
      for (const c of router.consumers) if (c.producer === p && !c.closed) room.peers.get(c.peerId)?.conn.notify(now, p.paused ? 'consumerPaused' : 'consumerResumed', { consumerId: c.id });
      return;
    }
    case 'pauseConsumer':
    case 'resumeConsumer': {
      const c = router.consumers.find((x) => x.id === data.consumerId && x.peerId === peer.id && !x.closed);
      if (!c) return answer(now, error(404, `consumer with id "${String(data.consumerId ?? '')}" not found`));
      c.paused = method === 'pauseConsumer';
      if (!c.paused) server.note('mediasoup.consumer.resumed', `consumer ${c.id} of ${peer.id} resumed: its RTP flows`, { consumer: c.id, peer: peer.id });
      return answer(now, ok());
    }
    case 'produceData':
    case 'consumeData':
    case 'closeDataProducer':
      return handleDataRequest(server, now, peer, method, data, answer);
    case 'createPlainTransport':
    case 'connectPlainTransport':
    case 'createPipeTransport':
    case 'connectPipeTransport':
    case 'consume':
      return handlePlainRequest(server, now, peer, method, data, answer);
    default:
      return answer(now, error(500, `unknown request.method "${method}"`));
  }
}

/**
 * mediasoup-demo's `_createConsumer`: on the peer's consuming transport, paused (it is resumed by the client's
 * resumeConsumer once its side is ready, as mediasoup recommends), then the server's `newConsumer` request with the
 * consumer's RTP parameters; a refused newConsumer closes the consumer.
 */
export function createConsumer(server: MediasoupServer, now: Micros, peer: Peer, p: Producer): void {
  const router = peer.room.router;
  const st = [...peer.transports.values()].find((x) => !x.closed && x.direction !== 'send');
  if (!st || !canConsume(peer, p.kind)) return;
  const codec = routerCodec(p.kind)!;
  const c = router.addConsumer(server.uuid(), peer.id, st.t, p, true);
  // a video consumer has its own RTX stream (RFC 4588) for the router's retransmissions, as mediasoup gives it
  const rtxSsrc = p.kind === 'video' ? server.rtxSsrc() : undefined;
  peer.room.media.describeConsumer(c, rtxSsrc !== undefined ? { ssrc: rtxSsrc, payloadType: VP8_RTX_PT } : undefined);
  const rtxCodec: Obj[] = rtxSsrc !== undefined ? [{ mimeType: 'video/rtx', payloadType: VP8_RTX_PT, clockRate: 90000, parameters: { apt: VP8_PT }, rtcpFeedback: [] }] : [];
  const mid = String(st.nextMid++);
  server.note('mediasoup.consumer.created', `consumer ${c.id}: ${p.peerId}'s ${p.kind} to ${peer.id} as SSRC ${c.ssrc}${rtxSsrc !== undefined ? ` (RTX ${rtxSsrc})` : ''} (mid ${mid}, paused)`, { consumer: c.id, producer: p.id, peer: peer.id, kind: p.kind, ssrc: c.ssrc, transport: st.t.id });
  const exts = (ROUTER_RTP_CAPABILITIES.headerExtensions as Obj[]).filter((e) => e.kind === p.kind).map((e) => ({ uri: e.uri!, id: e.preferredId!, encrypt: false, parameters: {} }));
  peer.conn.request(now, 'newConsumer', {
    peerId: p.peerId, producerId: p.id, id: c.id, kind: p.kind, type: 'simple', producerPaused: p.paused, appData: {},
    rtpParameters: { mid, codecs: [codec, ...rtxCodec], headerExtensions: exts, encodings: [{ ssrc: c.ssrc, ...(rtxSsrc !== undefined ? { rtx: { ssrc: rtxSsrc } } : {}) }], rtcp: { cname: p.peerId, reducedSize: true, mux: true } },
  }, (t, a) => {
    if (a.ok) return;
    c.closed = true;
    server.note('mediasoup.consumer.closed', `consumer ${c.id}: ${peer.id} refused newConsumer (${a.errorCode} ${a.errorReason})`, { consumer: c.id, peer: peer.id, reason: a.errorReason });
    server.ctx?.wake();
    void t;
  });
}
