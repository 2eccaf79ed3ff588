import { describe, expect, it } from 'vitest';
import { demux, demuxClass } from './demux.ts';

// The packet list classifies every datagram with `demuxClass` and asks `demux` for words only when it shows them:
// the two must never disagree.

describe('demultiplexing without words (demuxClass)', () => {
  it('gives the class demux gives for every first and second byte, at every length that matters', () => {
    const disagree: string[] = [];
    for (const length of [0, 1, 2, 4, 7, 8, 11, 12, 20]) {
      for (let b0 = 0; b0 < 256; b0++) {
        for (const b1 of [0, 96, 111, 127, 128, 191, 192, 200, 223, 224, 255]) {
          const p = new Uint8Array(length);
          if (length > 0) p[0] = b0;
          if (length > 1) p[1] = b1;
          if (demuxClass(p) !== demux(p).class) disagree.push(`${length} bytes ${b0}/${b1}: ${demuxClass(p)} vs ${demux(p).class}`);
        }
      }
    }
    expect(disagree).toEqual([]);
  });
});
