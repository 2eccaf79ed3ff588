import { describe, expect, it } from 'vitest';
import { forEachMarkerSpan, forEachRun } from './density.ts';

const runs = (counts: number[], value: (c: number) => number, b0 = 0, b1 = counts.length, base = 0): [number, number, number][] => {
  const out: [number, number, number][] = [];
  forEachRun(Uint32Array.from(counts), base, b0, b1, value, (from, to, v) => out.push([from, to, v]));
  return out;
};

const spans = (tops: number[], size: number): [number, number][] => {
  const out: [number, number][] = [];
  forEachMarkerSpan((emit) => tops.forEach(emit), size, (top, bottom) => out.push([top, bottom]));
  return out;
};

describe('density bands', () => {
  it('draws a steady stream of one shade as a single band', () => {
    expect(runs([5, 6, 7, 5, 6], () => 0.5)).toEqual([[0, 5, 0.5]]);
  });

  it('splits a band where the shade changes and leaves empty buckets out', () => {
    const shadeOf = (c: number): number => (c >= 10 ? 1 : 0.5);
    expect(runs([1, 2, 10, 12, 0, 0, 3, 20], shadeOf)).toEqual([
      [0, 2, 0.5],
      [2, 4, 1],
      [6, 7, 0.5],
      [7, 8, 1],
    ]);
  });

  it('only looks at the buckets on screen, in the lane pair asked for', () => {
    // two pairs of four buckets each; pair 1 starts at 4
    const counts = [9, 9, 9, 9, 0, 3, 3, 0];
    expect(runs(counts, () => 1, 1, 4, 4)).toEqual([[1, 3, 1]]);
    expect(runs(counts, () => 1, 2, 3, 0)).toEqual([[2, 3, 1]]);
  });

  it('covers exactly the non-empty buckets with maximal runs of one shade', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const counts = Array.from({ length: 500 }, () => (rand() < 0.2 ? 0 : 1 + Math.floor(rand() * 40)));
    const shadeOf = (c: number): number => Math.round(Math.min(1, 0.25 + 0.1 * Math.log2(c)) * 8) / 8;
    const got = runs(counts, shadeOf);
    const covered = new Array<boolean>(counts.length).fill(false);
    for (const [from, to, v] of got) {
      for (let b = from; b < to; b++) {
        expect(counts[b]).toBeGreaterThan(0);
        expect(shadeOf(counts[b]!)).toBe(v);
        covered[b] = true;
      }
    }
    counts.forEach((c, b) => expect(covered[b]).toBe(c > 0));
    for (let k = 1; k < got.length; k++) {
      const [, prevTo, prevV] = got[k - 1]!;
      const [from, , v] = got[k]!;
      expect(prevTo === from && prevV === v).toBe(false);
    }
  });
});

describe('drop markers on density bands', () => {
  it('merges markers that touch or overlap into one bar covering all of them', () => {
    expect(spans([10, 12.4, 14.8, 18.8], 4)).toEqual([[10, 22.8]]);
  });

  it('keeps markers apart when there is a gap between them', () => {
    expect(spans([10, 20, 30.5], 4)).toEqual([
      [10, 14],
      [20, 24],
      [30.5, 34.5],
    ]);
  });

  it('draws nothing without markers', () => {
    expect(spans([], 4)).toEqual([]);
  });
});
