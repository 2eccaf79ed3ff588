import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { decodeRtp } from '../wire/rtp/rtp.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { AudioSource } from './audio.ts';
import { ReceiveStream } from './receiver.ts';
import { MAX_VIDEO_PAYLOAD, VideoSource } from './video.ts';

describe('receive statistics (RFC 3550 A.1, A.3, A.8)', () => {
  it('has zero jitter when packets arrive exactly as their timestamps say', () => {
    const r = new ReceiveStream(1, 48_000, 'audio');
    for (let i = 0; i < 100; i++) r.onPacket(i, 960 * i, 20_000 * i + 5_000, 100);
    expect(r.jitter).toBe(0);
    expect(r.lost).toBe(0);
  });

  it('converges to the mean deviation: alternate packets 1 ms late give J → 48 × (1 - 1/16 …)', () => {
    // |D| is 48 timestamp units (1 ms at 48 kHz) for every pair, so J follows J += (48 - J) / 16 towards 48.
    const r = new ReceiveStream(1, 48_000, 'audio');
    for (let i = 0; i < 400; i++) r.onPacket(i, 960 * i, 20_000 * i + (i % 2 ? 1_000 : 0), 100);
    expect(r.jitter).toBeCloseTo(48, 3);
    expect(r.reportBlock(8_000_000).jitter).toBe(47);
  });

  it('counts loss across a sequence number wrap, and the fraction lost since the last report', () => {
    const r = new ReceiveStream(7, 90_000, 'video');
    const seqs = [65530, 65531, 65533, 65534, 65535, 0, 1, 3, 4];
    seqs.forEach((s, i) => r.onPacket(s, i * 3000, i * 33_333, 1000));
    expect(r.expected).toBe(11);
    expect(r.lost).toBe(2);
    const b = r.reportBlock(1_000_000);
    expect(b.highestSequence).toBe(65536 + 4);
    expect(b.cumulativeLost).toBe(2);
    expect(b.fractionLost).toBe(Math.floor((2 * 256) / 11));
    expect(r.reportBlock(2_000_000).fractionLost).toBe(0);
  });
});

describe('media sources', () => {
  it('audio: a 48 kHz clock advancing 960 per 20 ms frame, payload type 111, Opus-like sizes', () => {
    const a = new AudioSource(Rng.fromSeed(1), '0', 0);
    const pkts = [];
    for (let i = 0; i < 100; i++) pkts.push(...a.frame(a.nextAt));
    expect(a.nextAt).toBe(2_000_000);
    expect(pkts.every((p) => p.payloadType === 111)).toBe(true);
    expect(((pkts[99]!.timestamp - pkts[0]!.timestamp) >>> 0)).toBe(99 * 960);
    expect(pkts.every((p) => p.payload.length >= 8 && p.payload.length <= 130)).toBe(true);
    const d = decodeRtp(encodeRtp(pkts[0]!));
    expect(d.problems).toEqual([]);
    expect(d.value.header.extension?.elements.map((e) => e.id)).toEqual([1, 2, 4]);
  });

  it('video: keyframes split into ≤1200-byte packets sharing a timestamp, the marker on the last', () => {
    const v = new VideoSource(Rng.fromSeed(2), '1', 0, { fps: 30, keyframeInterval: 1 });
    const key = v.frame(0);
    expect(key.length).toBeGreaterThanOrEqual(10);
    expect(key.every((p) => p.payload.length <= MAX_VIDEO_PAYLOAD && p.timestamp === key[0]!.timestamp)).toBe(true);
    expect(key.map((p) => p.marker)).toEqual([...Array(key.length - 1).fill(false), true]);
    const delta = v.frame(v.nextAt);
    expect(delta.length).toBeLessThanOrEqual(5);
    expect((delta[0]!.timestamp - key[0]!.timestamp) >>> 0).toBe(3000);
    expect(v.keyframes).toBe(1);
  });
});
