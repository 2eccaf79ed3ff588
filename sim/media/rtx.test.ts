// Retransmission pieces: the RTX packet of RFC 4588 §4 and back, the buffer, the NACK requester's timing and
// give-up, and the VP8 keyframe bit (RFC 7741 §4.3) a sender now writes and receivers read.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { decodeRtp, encodeRtp } from '../wire/rtp/rtp.ts';
import { NackRequester, RetransmissionBuffer, rtxPacket, unwrapRtx } from './rtx.ts';
import { isVp8Keyframe, VideoSource } from './video.ts';

const original = (seq: number): Uint8Array =>
  encodeRtp({ marker: true, payloadType: 96, sequenceNumber: seq, timestamp: 0x01020304, ssrc: 0xaabbccdd, extension: { form: 'one-byte', elements: [{ id: 4, data: new Uint8Array([0x31]) }] }, payload: new Uint8Array([0x10, 0x00, 1, 2, 3]) });

describe('RTX (RFC 4588 §4)', () => {
  it('keeps the header and extension, takes the RTX SSRC, payload type and sequence number, and puts the OSN first in the payload', () => {
    const rtx = rtxPacket(original(0x1234), { ssrc: 0x11111111, payloadType: 97, sequenceNumber: 7 })!;
    const d = decodeRtp(rtx, { spans: false });
    expect(d.problems).toEqual([]);
    const h = d.value.header;
    expect([h.payloadType, h.ssrc, h.sequenceNumber, h.timestamp, h.marker]).toEqual([97, 0x11111111, 7, 0x01020304, true]);
    expect(h.extension?.elements.map((e) => e.id)).toEqual([4]);
    expect([...d.value.payload]).toEqual([0x12, 0x34, 0x10, 0x00, 1, 2, 3]);
    expect([...unwrapRtx(rtx, { ssrc: 0xaabbccdd, payloadType: 96 })!]).toEqual([...original(0x1234)]);
  });

  it('refuses what is too short to carry an OSN', () => {
    expect(unwrapRtx(new Uint8Array(12).fill(0x80, 0, 1), { ssrc: 1, payloadType: 96 })).toBeUndefined();
    expect(rtxPacket(new Uint8Array(5), { ssrc: 1, payloadType: 97, sequenceNumber: 0 })).toBeUndefined();
  });

  it('the buffer returns a packet by sequence number until a newer one takes its slot', () => {
    const b = new RetransmissionBuffer(4);
    for (let s = 65534; s < 65534 + 5; s++) b.store(original(s & 0xffff));
    expect(b.get(65534)).toBeUndefined(); // overwritten by seq 2
    expect(b.get(65535)).toBeDefined();
    expect(b.get(2)).toBeDefined();
  });
});

describe('NackRequester (RFC 4585 §6.2.1)', () => {
  it('asks for a gap at once, again after the RTT, and forgets a packet once it arrives', () => {
    const n = new NackRequester();
    n.onPacket(65533);
    n.onPacket(1); // 65534, 65535, 0 missing across the wrap
    expect(n.due(0, 50_000)).toEqual([65534, 65535, 0]);
    expect(n.due(10_000, 50_000)).toEqual([]);
    expect(n.nextAt(50_000)).toBe(50_000);
    expect(n.onPacket(65535)).toBe('missing');
    expect(n.due(50_000, 50_000)).toEqual([65534, 0]);
    expect(n.onPacket(65535)).toBe('old');
  });

  it('gives a packet up after 10 requests and says a keyframe is needed', () => {
    const n = new NackRequester();
    n.onPacket(10);
    n.onPacket(12);
    for (let i = 0; i < 10; i++) expect(n.due(i * 100_000, undefined)).toEqual([11]);
    expect(n.due(1_000_000, undefined)).toEqual([]);
    expect(n.givenUp).toBe(1);
    expect(n.takeKeyframeNeed()).toBe(true);
    expect(n.takeKeyframeNeed()).toBe(false);
  });
});

describe('VP8 keyframes (RFC 7741 §4.3)', () => {
  it("the sender's first packet of a keyframe has P = 0 and the start code; of an interframe P = 1; a requested keyframe comes next", () => {
    const v = new VideoSource(Rng.fromSeed(1).fork('v'), '1', 0, { fps: 10, keyframeInterval: 100 });
    const first = (now: number): boolean => isVp8Keyframe(v.frame(now)[0]!.payload);
    expect(first(0)).toBe(true);
    expect(first(100_000)).toBe(false);
    v.requestKeyframe();
    expect(first(200_000)).toBe(true);
    expect(v.keyframesRequested).toBe(1);
    expect(first(300_000)).toBe(false);
    // with the descriptor's extension octets (X, I with a 15-bit PictureID, L, T/K), and a packet that does not start a partition
    expect(isVp8Keyframe(new Uint8Array([0x90, 0xe0, 0x80, 0x01, 0x00, 0x00, 0x10]))).toBe(true);
    expect(isVp8Keyframe(new Uint8Array([0x90, 0xe0, 0x80, 0x01, 0x00, 0x00, 0x11]))).toBe(false);
    expect(isVp8Keyframe(new Uint8Array([0x00, 0x10]))).toBe(false);
  });
});
