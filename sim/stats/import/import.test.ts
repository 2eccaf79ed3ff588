import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/parse.ts';
import { findPreset } from '../../scenario/presets/index.ts';
import { runScenario } from '../../scenario/run.ts';
import { traceCollector } from '../trace.ts';
import { alignDump, dumpSeries } from './align.ts';
import { DumpError, parseStatsDump } from './dump.ts';
import { fabricateDump } from '../../../test/support/stats-dump.ts';

// A webrtc-internals dump made from one of our simulated calls, as Chrome writes one ("Create a WebRTC-Internals
// dump": PeerConnections → stats → "<id>-<member>" with values as a JSON-encoded array, samples spread from
// startTime to endTime, one a second), with the trace's time 0 at a known instant: the alignment must find that
// instant from the packet counters alone, and the dump's rates must match the packets'. A malformed dump is refused
// with what is wrong and where.

const EPOCH = Date.UTC(2026, 11, 7, 1, 0, 0, 0);

describe('a webrtc-internals dump beside a simulated call', () => {
  it('finds the clock offset from packetsSent/packetsReceived steps, states it, and puts the rates on the trace axis', () => {
    const raw = findPreset('call-p2p')!.build() as Record<string, unknown>;
    const trace = runScenario(parseScenario({ ...raw, duration: '5s' })).trace;
    const collector = traceCollector(trace, { keepTimes: true });
    const report = collector.report();
    const times = collector.packetTimes();
    // alice's streams arrive at bob (10.0.2.10); bob's at alice
    const aliceOut = report.streams.filter((s) => s.dst.startsWith('10.0.2.10:') && s.analysis.packets > 100).map((s) => Number(s.ssrc));
    const aliceIn = report.streams.filter((s) => s.dst.startsWith('10.0.1.10:') && s.analysis.packets > 100).map((s) => Number(s.ssrc));
    expect(aliceOut).toHaveLength(2);
    expect(aliceIn).toHaveLength(2);
    const end = trace.hops[trace.hops.length - 1]!.t;
    const dump = fabricateDump(EPOCH, times, aliceOut, aliceIn, end);
    const parsed = parseStatsDump(JSON.stringify(dump), 'alice.json');
    expect(parsed.format).toBe('webrtc-internals');
    expect(parsed.objects).toHaveLength(4);
    const a = alignDump(parsed, times);
    expect(a.consistent).toBe(true);
    expect(a.used).toHaveLength(4);
    expect(Math.abs(a.offsetMs - EPOCH)).toBeLessThanOrEqual(a.uncertaintyMs + 1e-6);
    // four streams' steps, every second: the offset is pinned to a few ms
    expect(a.uncertaintyMs).toBeLessThan(5);
    expect(a.text).toMatch(/^clock offset 2026-12-07T0(0:59:59|1:00:00)\.\d{3}Z at the trace's 0 \(±\d+\.\d ms, \d+ counter samples of 4 stream\(s\) agree\)$/);
    const series = dumpSeries(parsed, a.offsetMs);
    const pkt = series.filter((s) => s.metric === 'packets');
    expect(pkt).toHaveLength(4);
    // placed at the samples' trace times, and the audio rate is Opus's 50 packets a second
    const audio = report.streams.find((s) => s.codec === 'opus' && aliceOut.includes(Number(s.ssrc)))!;
    const audioRate = pkt.find((s) => s.label.includes(audio.ssrc))!;
    expect(audioRate.points[0]!.t).toBeCloseTo(1_437_000, -3);
    for (const p of audioRate.points) expect(p.v).toBeGreaterThanOrEqual(49), expect(p.v).toBeLessThanOrEqual(51);
    expect(series.filter((s) => s.metric === 'jitter')).toHaveLength(2);
  }, 300_000);

  it('a getStats report (map of RTCStats) is read too', () => {
    const parsed = parseStatsDump(JSON.stringify({ OT01A1: { id: 'OT01A1', type: 'outbound-rtp', timestamp: EPOCH + 1000, ssrc: 1, packetsSent: 50 } }));
    expect(parsed.format).toBe('getStats');
    expect(parsed.objects[0]!.members.get('packetsSent')).toEqual([{ t: EPOCH + 1000, v: 50 }]);
  });

  it('a malformed dump is refused with what is wrong and where', () => {
    const bad = (stats: unknown): string => {
      try {
        parseStatsDump(JSON.stringify({ PeerConnections: { '4242-1': { stats } } }), 'alice.json');
      } catch (e) {
        expect(e).toBeInstanceOf(DumpError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    const series = { startTime: new Date(EPOCH).toISOString(), endTime: new Date(EPOCH + 2000).toISOString(), statsType: 'outbound-rtp' };
    expect(bad({ 'OT01V1-packetsSent': { ...series, values: '[10,20,' } })).toMatch(/^alice\.json: PeerConnections\["4242-1"\]\.stats\["OT01V1-packetsSent"\]\.values: is not JSON \(.+\): \[10,20,$/);
    expect(bad({ 'OT01V1-packetsSent': { ...series, values: 7 } })).toMatch(/\.values: expected a JSON-encoded array, got number/);
    expect(bad({ packetsSent: { ...series, values: '[1]' } })).toMatch(/stats\["packetsSent"\]: the key is not "<stat id>-<member>"/);
    expect(bad({ 'OT01V1-packetsSent': { ...series, endTime: 'yesterday', values: '[1]' } })).toMatch(/stats\["OT01V1-packetsSent"\]\.endTime: is not a time \("yesterday"\)/);
    expect(bad({ 'OT01V1-packetsSent': { values: '[1,2]' } })).toMatch(/has no times: no timestamps, no startTime\/endTime/);
    expect(() => parseStatsDump('{"PeerConnections": 3}', 'x.json')).toThrow(/^x\.json: PeerConnections: expected an object of peer connections$/);
    expect(() => parseStatsDump('[1, 2]', 'x.json')).toThrow(/^x\.json\[0\]: is not a getStats report/);
    expect(() => parseStatsDump('{"a": ', 'x.json')).toThrow(/^x\.json: is not JSON: /);
  });
});
