import type { JsonValue } from '../core/trace.ts';

type Obj = { [key: string]: JsonValue };

const hex = (v: unknown): string => `0x${Number(v).toString(16)}`;

/** Printed lines of `summary.sfu[source]` in mediasoup's terms: each producer's and consumer's score and NACK/RTX/PLI counts. */
export function sfuLines(who: string, s: Obj): string[] {
  const transports = (s.transports as Obj[] | undefined) ?? [];
  const producers = (s.producers as Obj[] | undefined) ?? [];
  const consumers = (s.consumers as Obj[] | undefined) ?? [];
  const out = [`  SFU ${who}: ${transports.length} transport(s), ${producers.length} producer(s), ${consumers.length} consumer(s)`];
  for (const p of producers) {
    const video = p.kind === 'video';
    out.push(
      `    producer ${String(p.id)} (${String(p.peer)} ${String(p.kind)} ssrc ${hex(p.ssrc)}): score ${String(p.score)}, ${String(p.packetsReceived)} packets, ${String(p.packetsLost)} lost` +
        (video ? `, NACK ${String(p.nackCount)} (${String(p.nackPacketCount)} packets), ${String(p.rtxPacketsReceived)} repaired by RTX, PLI ${String(p.pliCount)} (${String(p.keyFrameRequestsCoalesced)} coalesced), ${String(p.keyFrames)} keyframes` : ''),
    );
  }
  for (const c of consumers) {
    const video = c.kind === 'video';
    const rtt = typeof c.rttMs === 'number' ? `, RTT ${c.rttMs.toFixed(1)} ms` : '';
    out.push(
      `    consumer ${String(c.id)} (${String(c.producerPeer)} ${String(c.kind)} to ${String(c.peer)}, ssrc ${hex(c.ssrc)}): score ${String(c.score)}, ${String(c.packetsSent)} sent, ${String(c.packetsLost ?? '?')} lost${rtt}` +
        (video ? `, NACK ${String(c.nackCount)} (${String(c.nackPacketCount)} packets), ${String(c.packetsRetransmitted)} retransmitted, PLI ${String(c.pliCount)}, FIR ${String(c.firCount)}` : ''),
    );
  }
  return out;
}
