import { describe, expect, it } from 'vitest';
import type { RtpHeader } from '../wire/rtp/rtp.ts';
import { RtpAnalysis } from './rtp-analysis.ts';

const header = (seq: number, ts: number, marker = false, pt = 0): RtpHeader => ({ version: 2, padding: false, marker, payloadType: pt, sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, ssrc: 1, csrcs: [], headerLength: 12 });

/** 20 ms PCMU packets (160 timestamp units at 8 kHz) arriving at `at(i)` µs. */
function feed(a: RtpAnalysis, seqs: readonly number[], at: (i: number, seq: number) => number, start = 0): void {
  seqs.forEach((seq, i) => a.add(header(start + seq, (start + seq) * 160), at(i, seq), i, 8000));
}

describe('RTP stream analysis (Wireshark-style, RFC 3550 §6.4.1)', () => {
  it('a regular stream has no loss, no sequence errors, no jitter and a max delta of its spacing', () => {
    const a = new RtpAnalysis();
    feed(a, Array.from({ length: 50 }, (_, i) => i), (i) => i * 20_000);
    const r = a.result();
    expect(r).toMatchObject({ packets: 50, expected: 50, lost: 0, sequenceErrors: 0, outOfOrder: 0, duplicates: 0, meanJitterMs: 0, maxJitterMs: 0 });
    expect(r.maxDeltaMs).toBeCloseTo(20, 9);
  });

  it('counts a gap as lost and a sequence error, and the gap as the max delta', () => {
    const a = new RtpAnalysis();
    const seqs = [0, 1, 2, 3, 6, 7, 8];
    feed(a, seqs, (_i, seq) => seq * 20_000);
    const r = a.result();
    expect(r).toMatchObject({ packets: 7, expected: 9, lost: 2, sequenceErrors: 1, outOfOrder: 0 });
    expect(r.lostPercent).toBeCloseTo(200 / 9, 9);
    expect(r.maxDeltaMs).toBeCloseTo(60, 9);
  });

  it('tells a late packet (out of order) from a duplicate', () => {
    const a = new RtpAnalysis();
    feed(a, [0, 1, 3, 2, 4, 4, 5], (i) => i * 20_000);
    const r = a.result();
    expect(r.outOfOrder).toBe(1);
    expect(r.duplicates).toBe(1);
    expect(r.packets).toBe(7);
    // Wireshark counts received packets, duplicates included: expected − received goes negative
    expect(r.expected).toBe(6);
    expect(r.lost).toBe(-1);
  });

  it('follows the sequence number across its wrap', () => {
    const a = new RtpAnalysis();
    feed(a, Array.from({ length: 20 }, (_, i) => i), (i) => i * 20_000, 65530);
    const r = a.result();
    expect(r).toMatchObject({ packets: 20, expected: 20, lost: 0, sequenceErrors: 0 });
  });

  it('measures jitter as J += (|D| − J)/16 with D in ms from the clock rate', () => {
    const a = new RtpAnalysis();
    // every other packet 4 ms late: |D| = 4 ms for each packet after the first
    feed(a, Array.from({ length: 200 }, (_, i) => i), (i) => i * 20_000 + (i % 2) * 4000);
    const r = a.result();
    expect(r.jitterMs).toBeCloseTo(4 * (1 - (15 / 16) ** 199), 6);
    expect(r.maxJitterMs).toBeCloseTo(r.jitterMs, 6);
    expect(r.meanJitterMs).toBeGreaterThan(3);
    expect(r.meanJitterMs).toBeLessThan(4);
  });

  it('measures a sender clock running 1000 ppm fast as drift and skew', () => {
    const a = new RtpAnalysis();
    // timestamps say 20 ms, packets arrive every 19.98 ms
    feed(a, Array.from({ length: 500 }, (_, i) => i), (i) => i * 19_980);
    const r = a.result();
    expect(r.clockDriftPpm).toBeCloseTo(1001, 0);
    expect(r.maxSkewMs).toBeCloseTo(499 * 0.02, 3);
  });

  it('computes no jitter without a clock rate, and leaves marker packets out of the max delta', () => {
    const a = new RtpAnalysis();
    for (let i = 0; i < 10; i++) a.add(header(i, i * 3000, i === 5), i === 5 ? 200_000 : i * 20_000 + (i > 5 ? 100_000 : 0), i, 0);
    const r = a.result();
    expect(r.meanJitterMs).toBe(0);
    expect(r.clockRate).toBe(0);
    expect(r.markers).toBe(1);
    // the 100 ms step came with the marker packet: the largest regular spacing is the next one's
    expect(r.maxDeltaMs).toBeLessThan(100);
  });
});
