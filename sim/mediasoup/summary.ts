import type { JsonValue } from '../core/trace.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { MediasoupServer } from './server.ts';

type Obj = { [key: string]: JsonValue };

/**
 * The server in mediasoup's own terms, for `summary.apps`: workers and their routers, rooms and peers, and each
 * WebRtcTransport as `transport.dump()` would show it (iceRole, iceState, iceSelectedTuple, dtlsState, dtls role,
 * SRTP profile), with the producers and consumers of each router and their packet counts.
 */
export function mediasoupSummary(s: MediasoupServer): Obj {
  return {
    workers: s.workers.map((w) => ({ id: w.id, pid: w.pid, routers: w.routers.map((r) => r.id) })),
    rooms: [...s.rooms.values()].map((r) => ({
      id: r.id, router: r.router.id, worker: r.worker.id,
      peers: [...r.peers.values()].map((p) => ({ id: p.id, displayName: p.displayName, joined: p.joined })),
      producers: r.router.producers.map((p) => ({ id: p.id, peer: p.peerId, kind: p.kind, ssrc: p.ssrc, transport: p.transport.id, paused: p.paused, closed: p.closed, packets: p.packets, ...r.media.producerStats(p.id) })),
      consumers: r.router.consumers.map((c) => ({ id: c.id, peer: c.peerId, producer: c.producer.id, producerPeer: c.producer.peerId, kind: c.producer.kind, ssrc: c.ssrc, transport: c.transport.id, paused: c.paused, closed: c.closed, packets: c.packets, ...r.media.consumerStats(c.id) })),
      // the data side only when there is one (rooms without data channels read as before)
      ...(r.data.dataProducers.length || r.data.dataConsumers.length ? {
        dataProducers: r.data.dataProducers.map((p) => ({ id: p.id, peer: p.peerId, label: p.label, protocol: p.protocol, ...streamOf(p.stream), closed: p.closed, messages: p.messages })),
        dataConsumers: r.data.dataConsumers.map((c) => ({ id: c.id, peer: c.peerId, dataProducer: c.producer.id, producerPeer: c.producer.peerId, label: c.producer.label, ...streamOf(c.stream), closed: c.closed, messages: c.messages })),
      } : {}),
    })),
    transports: s.transports.map(({ t, room, peer, st }) => {
      const sel = t.agent.selected;
      const d = t.dtls;
      return {
        id: t.id, room: room.id, peer: peer.id, direction: st.direction, protocol: st.protocols.join('+'), listen: `${t.local.ip}:${t.local.port}`,
        announced: `${s.options.announcedIp ?? t.local.ip}:${t.local.port}`, iceRole: 'controlled', iceState: st.closed ? 'closed' : t.agent.state,
        iceSelectedTuple: sel ? { localIp: sel.local.base.ip, localPort: sel.local.base.port, remoteIp: sel.remote.address.ip, remotePort: sel.remote.address.port, protocol: sel.local.transport } : null,
        dtlsState: d?.state ?? 'new', dtlsRole: d?.roleName ?? 'auto', remoteDtlsRole: st.remoteRole ?? null, fingerprintVerified: d?.fingerprintVerified ?? false,
        srtpProfile: t.profileName, ...t.counters, ...room.media.legStats(t), ...(st.sctp ? { sctp: st.sctp.summary() } : {}),
      };
    }),
    plainTransports: s.plainTransports.map(({ t, room, peer }) => ({
      id: t.id, room: room.id, peer: peer.id, listen: formatTransportAddress(t.local), ...(t.rtcpLocal ? { rtcpListen: formatTransportAddress(t.rtcpLocal) } : {}),
      comedia: t.comedia, rtcpMux: t.rtcpMux, tuple: t.tuple ? formatTransportAddress(t.tuple) : null, rtcpTuple: t.rtcpMux ? null : t.rtcpTuple ? formatTransportAddress(t.rtcpTuple) : null,
      srtpCryptoSuite: t.srtpParameters?.cryptoSuite ?? null, connected: t.connected, ...(t.pipe ? { pipe: true } : {}), ...t.counters, ...room.media.legStats(t),
    })),
    protoo: { connections: s.stats.connections, refused: s.stats.refused, requests: s.stats.requests, errors: s.stats.errors },
  };
}

/** `rtclab run`'s lines: one per transport, then producers and consumers. */
export function mediasoupSummaryLines(e: Obj): string[] {
  const lines: string[] = [];
  const workers = (e.workers as Obj[]) ?? [];
  const protoo = e.protoo as Obj;
  lines.push(`  mediasoup server on ${String(e.host)}: ${String(e.listen)}${e.announcedIp ? ` (announced ${String(e.announcedIp)})` : ''}: ${workers.length} worker(s), ${(e.rooms as Obj[]).length} room(s); protoo: ${String(protoo.requests)} request(s), ${String(protoo.errors)} error response(s)`);
  for (const r of e.rooms as Obj[]) {
    const peers = (r.peers as Obj[]).map((p) => String(p.id)).join(', ');
    lines.push(`    room "${String(r.id)}": router ${String(r.router).slice(0, 8)} on ${String(r.worker)}, peers ${peers || 'none'}`);
    for (const t of (e.transports as Obj[]).filter((x) => x.room === r.id)) {
      const tup = t.iceSelectedTuple as Obj | null;
      lines.push(`      transport ${String(t.id).slice(0, 8)} ${String(t.peer)} ${String(t.direction)} ${String(t.protocol)} ${String(t.announced)}: ice ${String(t.iceState)}${tup ? `, selected tuple ${String(tup.protocol)} ${String(tup.localIp)}:${String(tup.localPort)} ↔ ${String(tup.remoteIp)}:${String(tup.remotePort)}` : ''}, dtls ${String(t.dtlsState)} as ${String(t.dtlsRole)}, ${String(t.srtpProfile ?? 'no SRTP')}, ${String(t.rtpIn)} RTP in`);
    }
    for (const t of ((e.plainTransports as Obj[] | undefined) ?? []).filter((x) => x.room === r.id)) {
      lines.push(`      ${t.pipe ? 'pipe' : 'plain'} transport ${String(t.id).slice(0, 8)} ${String(t.peer)} ${String(t.listen)}${t.rtcpListen ? ` (RTCP ${String(t.rtcpListen)})` : ' rtcpMux'}${t.comedia ? ' comedia' : ''}${t.srtpCryptoSuite ? ` ${String(t.srtpCryptoSuite)}` : ''}: tuple ${String(t.tuple ?? 'none')}${t.rtcpListen ? `, rtcpTuple ${String(t.rtcpTuple ?? 'none')}` : ''}, ${String(t.rtpIn)} RTP in, ${String(t.rtcpIn)} RTCP in, ${String(t.rtpOut)} RTP out, ${String(t.rtcpOut)} RTCP out, ${String(t.dropped)} dropped`);
    }
    for (const p of r.producers as Obj[]) lines.push(`      producer ${String(p.id).slice(0, 8)} ${String(p.peer)} ${String(p.kind)} ssrc ${String(p.ssrc)}: ${String(p.packets)} packets${p.paused ? ' (paused)' : ''}${p.closed ? ' (closed)' : ''}${rtcpLine(p, 'producer')}`);
    for (const p of (r.dataProducers as Obj[] | undefined) ?? []) lines.push(`      dataProducer ${String(p.id).slice(0, 8)} ${String(p.peer)} "${String(p.label)}" stream ${String(p.streamId)}${reliability(p)}: ${String(p.messages)} message(s) in${p.closed ? ' (closed)' : ''}`);
    for (const c of (r.dataConsumers as Obj[] | undefined) ?? []) lines.push(`      dataConsumer ${String(c.id).slice(0, 8)} ${String(c.producerPeer)} → ${String(c.peer)} "${String(c.label)}" stream ${String(c.streamId)}: ${String(c.messages)} message(s) out${c.closed ? ' (closed)' : ''}`);
    for (const c of r.consumers as Obj[]) lines.push(`      consumer ${String(c.id).slice(0, 8)} ${String(c.producerPeer)} → ${String(c.peer)} ${String(c.kind)} ssrc ${String(c.ssrc)}: ${String(c.packets)} packets${c.paused ? ' (paused)' : ''}${c.closed ? ' (closed)' : ''}${rtcpLine(c, 'consumer')}`);
  }
  return lines;
}

/** sctpStreamParameters as mediasoup's dump() shows them. */
function streamOf(s: { readonly streamId: number; readonly ordered: boolean; readonly maxRetransmits?: number; readonly maxPacketLifeTime?: number }): Obj {
  return { streamId: s.streamId, ordered: s.ordered, maxRetransmits: s.maxRetransmits ?? null, maxPacketLifeTime: s.maxPacketLifeTime ?? null };
}

function reliability(x: Obj): string {
  const limit = x.maxRetransmits !== null ? `, maxRetransmits ${String(x.maxRetransmits)}` : x.maxPacketLifeTime !== null ? `, maxPacketLifeTime ${String(x.maxPacketLifeTime)} ms` : '';
  return ` (${x.ordered ? 'ordered' : 'unordered'}${limit})`;
}

/** A producer's or consumer's RTCP figures as mediasoup's getStats() names them: score, NACKs, retransmissions, PLIs. */
function rtcpLine(x: Obj, role: 'producer' | 'consumer'): string {
  if (x.score === undefined) return '';
  const parts = [`score ${String(x.score)}`];
  if (role === 'producer') {
    if (Number(x.packetsLost) > 0) parts.push(`${String(x.packetsLost)} lost`);
    if (Number(x.nackPacketCount) > 0) parts.push(`NACKed ${String(x.nackPacketCount)}, ${String(x.rtxPacketsReceived)} restored`);
    if (Number(x.pliCount) > 0) parts.push(`${String(x.pliCount)} PLI (${String(x.keyFrameRequestsCoalesced)} coalesced), ${String(x.keyFrames)} keyframes`);
  } else {
    if (Number(x.nackPacketCount) > 0) parts.push(`NACKed ${String(x.nackPacketCount)}, ${String(x.packetsRetransmitted)} retransmitted`);
    if (Number(x.pliCount) + Number(x.firCount) > 0) parts.push(`${String(x.pliCount)} PLI, ${String(x.firCount)} FIR`);
    if (x.rttMs !== undefined) parts.push(`rtt ${Number(x.rttMs).toFixed(1)} ms`);
  }
  return `; ${parts.join(', ')}`;
}
