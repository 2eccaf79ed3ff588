import { describe, expect, it } from 'vitest';
import { Writer } from '../writer.ts';
import { decodeRtcp } from './rtcp.ts';
import type { TransportCcFeedback } from './twcc.ts';

/**
 * An SRTCP packet misread as plain RTCP looks like transport-cc feedback whose counts are random: the decoder's
 * work and its problem list must stay bounded by the packet's length, not by the packet status count it claims.
 */
function hostileTwcc(statusCount: number, chunks: number[]): Uint8Array {
  const words = 4 + Math.ceil((chunks.length * 2) / 4);
  const w = new Writer(4 * (words + 1));
  w.u8(0x80 | 15).u8(205).u16(words); // V=2, FMT 15, RTPFB
  w.u32(1).u32(2); // sender SSRC, media SSRC
  w.u16(100).u16(statusCount); // base sequence number, packet status count
  w.u32(0x00000101); // reference time 1, fb pkt count 1
  for (const c of chunks) w.u16(c);
  if (chunks.length % 2) w.u16(0);
  return w.finish();
}

describe('transport-cc feedback bounded by the packet length', () => {
  it('a run of 8191 "received" symbols with 2 bytes left for deltas gives one problem and no invented packets', () => {
    // run-length chunk: symbol small-delta (01), run length 8191
    const d = decodeRtcp(hostileTwcc(8191, [0x3fff]));
    const fb = d.value[0] as TransportCcFeedback;
    expect(d.problems.filter((p) => /marks 8191 packets received but only 2 byte\(s\) follow/.test(p.message))).toHaveLength(1);
    expect(d.problems.length).toBeLessThan(3);
    expect(fb.packets).toHaveLength(0);
  });

  it('deltas that run past the end give one problem counting the packets left without one', () => {
    // status vector chunk, 1-bit symbols, all 14 received; only 2 delta bytes follow
    const d = decodeRtcp(hostileTwcc(14, [0xbfff]));
    const fb = d.value[0] as TransportCcFeedback;
    const overrun = d.problems.filter((p) => /run past the packet/.test(p.message));
    expect(overrun).toEqual([expect.objectContaining({ message: expect.stringMatching(/12 received packet\(s\) of 14 have no delta/) })]);
    expect(fb.packets.map((p) => p.delta)).toEqual([0, 0]);
  });

  it('reserved status symbols are reported once, with their count', () => {
    // run-length chunk: symbol reserved (11), run length 5000
    const d = decodeRtcp(hostileTwcc(5000, [0x7000 | 5000]));
    const reserved = d.problems.filter((p) => /reserved status symbol/.test(p.message));
    expect(reserved).toEqual([expect.objectContaining({ message: '5000 packet(s) have the reserved status symbol 11' })]);
  });

  it('the packet list of a misread packet stays within what its bytes can describe', () => {
    // three received runs of 8191 and a 2-bit vector: 32 bytes cannot carry 24k deltas
    const d = decodeRtcp(hostileTwcc(65535, [0x3fff, 0x3fff, 0x5fff, 0xc000 | 7]));
    const fb = d.value[0] as TransportCcFeedback;
    expect(fb.packets.length).toBeLessThanOrEqual(32);
    expect(d.problems.length).toBeLessThan(4);
  });
});
