import { describe, expect, it } from 'vitest';
import type { Trace } from '../core/trace.ts';
import { dissectPacket } from '../dissect/dissect.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import { traceStats } from './trace.ts';

// Statistics from a simulated run's packets checked against what the simulation itself knows: its link delays
// (round trips), its frame rate, and which datagrams it dropped (loss per stream).

function run(preset: string, duration: string): Trace {
  const raw = findPreset(preset)!.build() as Record<string, unknown>;
  return runScenario(parseScenario({ ...raw, duration })).trace;
}

/** Per SSRC, from the trace's hops: the sequence numbers its sender sent that never reached a host. */
function droppedBySsrc(trace: Trace): Map<number, { delivered: Set<number>; dropped: Set<number> }> {
  const hosts = new Set(trace.nodes.filter((n) => n.kind === 'host').map((n) => n.name));
  const last = new Map<number, number>();
  for (const h of trace.hops) last.set(h.packet, h.index);
  const out = new Map<number, { delivered: Set<number>; dropped: Set<number> }>();
  const firstSeen = new Set<number>();
  for (const h of trace.hops) {
    if (firstSeen.has(h.packet)) continue;
    firstSeen.add(h.packet);
    const l = dissectPacket(h.bytes, { spans: false }).layers.find((x) => x.protocol === 'RTP' || x.protocol === 'SRTP');
    if (!l?.value) continue;
    const rtp = l.value as RtpPacket;
    const end = trace.hops[last.get(h.packet)!]!;
    const s = out.get(rtp.header.ssrc) ?? { delivered: new Set(), dropped: new Set() };
    out.set(rtp.header.ssrc, s);
    (end.drop === undefined && hosts.has(end.to) ? s.delivered : s.dropped).add(rtp.header.sequenceNumber);
  }
  return out;
}

describe('statistics of a simulated call', () => {
  it('call-p2p: round trips equal the links’ delays, video runs at 30 fps, no loss and no jitter', () => {
    const trace = run('call-p2p', '5s');
    const r = traceStats(trace);
    // alice 1 ms natA 10 ms internet 10 ms natB 1 ms bob; the STUN server 10 ms off the internet router
    const server = r.pairs.filter((p) => p.b.endsWith(':3478') && (p.vantage === 'alice' || p.vantage === 'bob'));
    expect(server).toHaveLength(2);
    for (const p of server) expect(p.rtt).toMatchObject({ minMs: 42, maxMs: 42 });
    const media = r.pairs.filter((p) => p.media && p.ice && (p.vantage === 'alice' || p.vantage === 'bob'));
    expect(media).toHaveLength(2);
    for (const p of media) expect(p.rtt?.minMs).toBe(44);
    // the four media streams (audio and video each way), not their RTX retransmissions (NACKed at 20% loss)
    const inbound = r.streams.filter((s) => s.analysis.packets > 100 && s.codec.toLowerCase() !== 'rtx');
    expect(inbound, r.streams.map((s) => `${s.ssrc} ${s.codec} ${s.kind} ${s.analysis.packets}`).join('; ')).toHaveLength(4);
    for (const s of inbound) {
      expect(s.clockRateFrom).toBe('sdp');
      expect(s.analysis.lost).toBe(0);
      expect(s.analysis.maxJitterMs).toBeLessThan(0.01);
      if (s.kind === 'video') {
        expect(s.codec).toBe('VP8');
        // whole seconds after the first: 30 frames each
        expect(s.series.slice(1, -1).every((b) => b.fps === 30)).toBe(true);
      } else {
        expect(s.codec).toBe('opus');
        // RTCP SR → RR round trip on the same 44 ms path (DLSR taken off, to the µs)
        expect(s.rtcp.rtt?.minMs).toBeGreaterThanOrEqual(44);
        expect(s.rtcp.rtt?.maxMs).toBeLessThan(44.1);
      }
      expect(s.extensions.map((e) => e.name)).toContain('mid (id 4)');
    }
  }, 300_000);

  it('call-lossy: each stream’s loss is the datagrams the simulator dropped, by sequence number', () => {
    const trace = run('call-lossy', '12s');
    const r = traceStats(trace);
    const truth = droppedBySsrc(trace);
    // the four media streams (audio and video each way), not the RTX streams NACKs bring at 20% loss
    const inbound = r.streams.filter((s) => s.analysis.packets > 100 && s.codec !== 'rtx');
    expect(inbound, r.streams.map((s) => `${s.ssrc} ${s.codec} ${s.analysis.packets}`).join('; ')).toHaveLength(4);
    for (const s of inbound) {
      const t = truth.get(Number(s.ssrc))!;
      const seqs = [...t.delivered];
      const lo = Math.min(...seqs);
      const hi = Math.max(...seqs);
      const lost = [...t.dropped].filter((q) => q > lo && q < hi).length;
      expect(lost).toBeGreaterThan(20);
      expect(s.analysis.lost, s.id).toBe(lost);
      expect(s.analysis.packets).toBe(t.delivered.size);
      // the buckets add up to the total
      expect(s.series.reduce((n, b) => n + b.lost, 0)).toBe(lost);
      expect(s.analysis.meanJitterMs).toBeGreaterThan(1);
    }
  }, 300_000);
});
