// A webrtc-internals dump as Chrome writes one ("Create a WebRTC-Internals dump": PeerConnections → stats →
// "<id>-<member>" with values as a JSON-encoded array, samples spread from startTime to endTime, one a second),
// made from a simulated call's packet times with the trace's time 0 at `epoch`: its offset is known.
import type { PacketTimes } from '../../sim/stats/import/align.ts';

type Series = Record<string, { startTime: string; endTime: string; statsType: string; values: string }>;

function fabricate(epoch: number, times: ReadonlyMap<number, readonly number[]>, ssrcs: readonly number[], type: 'outbound-rtp' | 'inbound-rtp', endUs: number): Series {
  const stats: Series = {};
  // getStats once a second; this page started its own clock 437 ms into the trace
  const samples: number[] = [];
  for (let t = 437_000; t <= endUs; t += 1_000_000) samples.push(t);
  const iso = (us: number): string => new Date(epoch + us / 1000).toISOString();
  for (const ssrc of ssrcs) {
    const id = `${type === 'outbound-rtp' ? 'OT01' : 'IT01'}V${ssrc}`;
    const packets = times.get(ssrc) ?? [];
    const counts = samples.map((t) => packets.filter((p) => p <= t).length);
    const series = (member: string, values: readonly (number | string)[]): void => {
      stats[`${id}-${member}`] = { startTime: iso(samples[0]!), endTime: iso(samples[samples.length - 1]!), statsType: type, values: JSON.stringify(values) };
    };
    series('ssrc', samples.map(() => ssrc));
    series(type === 'outbound-rtp' ? 'packetsSent' : 'packetsReceived', counts);
    series(type === 'outbound-rtp' ? 'bytesSent' : 'bytesReceived', counts.map((c) => c * 1100));
    if (type === 'inbound-rtp') series('jitter', samples.map(() => 0.0004));
  }
  return stats;
}

export function fabricateDump(epoch: number, times: PacketTimes, outbound: readonly number[], inbound: readonly number[], endUs: number): unknown {
  return {
    getUserMedia: [],
    PeerConnections: {
      '4242-1': {
        pcId: 'PC_1',
        url: 'https://call.example/room',
        rtcConfiguration: '{ iceServers: [stun:198.51.100.10:3478], iceTransportPolicy: all }',
        constraints: '',
        updateLog: [{ time: new Date(epoch).toISOString(), type: 'createOffer', value: '' }],
        stats: { ...fabricate(epoch, times.sent, outbound, 'outbound-rtp', endUs), ...fabricate(epoch, times.received, inbound, 'inbound-rtp', endUs) },
      },
    },
    UserAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  };
}
