import { describe, expect, it } from 'vitest';
import { findPreset } from '../scenario/presets/index.ts';
import { aggregate, formatAggregate, meanInterval, wilson } from './aggregate.ts';
import { canonicalJson, parseGridAxis, parseSeeds, planSweep, shardOf, SweepPlanError } from './plan.ts';
import { runSweepJob, type SweepRecord } from './record.ts';

describe('a sweep plan', () => {
  it('reads seeds as inclusive ranges and lists', () => {
    expect(parseSeeds('1..5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds('7,1..2,10')).toEqual([7, 1, 2, 10]);
    expect(() => parseSeeds('5..1')).toThrow(SweepPlanError);
    expect(() => parseSeeds('1,1')).toThrow(/twice/);
    expect(() => parseSeeds('a')).toThrow(/cannot read "a"/);
  });

  it('reads grid values as JSON, bare words or evenly spaced ranges without drift', () => {
    expect(parseGridAxis('peers.alice.nat=[symmetric,full-cone]')).toEqual({ path: 'peers.alice.nat', values: ['symmetric', 'full-cone'] });
    expect(parseGridAxis('x=[1,"a",true]').values).toEqual([1, 'a', true]);
    expect(parseGridAxis('nodes.alice.link.loss=0..0.3/0.1').values).toEqual([0, 0.1, 0.2, 0.3]);
    expect(parseGridAxis('n=2..4').values).toEqual([2, 3, 4]);
    expect(() => parseGridAxis('noequals')).toThrow(/path=\[values\]/);
    expect(() => parseGridAxis('x=[]')).toThrow(/no values/);
  });

  it('runs every combination × seed, the last axis fastest, each under a key that changes with any input', () => {
    const s = { name: 'x' };
    const grid = [parseGridAxis('a=[1,2]'), parseGridAxis('b=[x,y,z]')];
    const jobs = planSweep(s, grid, [1, 2], '0.1.0');
    expect(jobs).toHaveLength(12);
    expect(jobs.slice(0, 3).map((j) => [j.combo, j.params, j.seed])).toEqual([[0, { a: 1, b: 'x' }, 1], [0, { a: 1, b: 'x' }, 2], [1, { a: 1, b: 'y' }, 1]]);
    expect(new Set(jobs.map((j) => j.key)).size).toBe(12);
    expect(planSweep({ name: 'x' }, grid, [1, 2], '0.1.0').map((j) => j.key)).toEqual(jobs.map((j) => j.key));
    expect(planSweep({ name: 'y' }, grid, [1, 2], '0.1.0')[0]!.key).not.toBe(jobs[0]!.key);
    expect(planSweep(s, grid, [1, 2], '0.2.0')[0]!.key).not.toBe(jobs[0]!.key);
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });

  it('splits into shards that together are the plan, each once', () => {
    const jobs = planSweep({}, [], parseSeeds('1..10'), 'v');
    const shards = [0, 1, 2].map((i) => shardOf(jobs, i, 3));
    expect(shards.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(shards.flat().map((j) => j.index).sort((a, b) => a - b)).toEqual(jobs.map((j) => j.index));
  });
});

describe('a sweep job', () => {
  it('records the outcome, selected pairs and setup time of an ICE run', () => {
    const raw = findPreset('ice-symmetric-turn')!.build();
    const [job] = planSweep(raw, [parseGridAxis('peers.alice.nat=[full-cone]')], [1], 'v');
    const r = runSweepJob(raw, job!);
    expect(r).toMatchObject({ outcome: 'connected', pairs: ['srflx/prflx/udp', 'prflx/srflx/udp'], setup: { call: null }, mediaLoss: null });
    expect(r.setup.ice).toBeGreaterThan(0);
  });

  it('turns a scenario the grid breaks into an error record, not a throw', () => {
    const raw = findPreset('nat-symmetric')!.build();
    const [job] = planSweep(raw, [parseGridAxis('nodes.natA.preset=[no-such-nat]')], [1], 'v');
    const r = runSweepJob(raw, job!);
    expect(r.outcome).toBe('error');
    expect(r.error).toMatch(/nodes\.natA\.preset/);
  });
});

describe('the aggregate', () => {
  it('gives the Wilson score interval', () => {
    // k = n: the lower bound is n / (n + z²)
    expect(wilson(8, 8).low).toBeCloseTo(8 / (8 + 1.959963984540054 ** 2), 12);
    const w = wilson(81, 263);
    expect([w.low, w.high].map((x) => x.toFixed(4))).toEqual(['0.2553', '0.3662']);
    expect(wilson(0, 0)).toEqual({ value: 0, low: 0, high: 1 });
    expect(meanInterval([1, 2, 3])!.value).toBe(2);
  });

  const rec = (combo: number, seed: number, outcome: SweepRecord['outcome'], ice: number | null): SweepRecord => ({
    key: `${combo}-${seed}`, index: combo * 10 + seed, combo, params: { p: combo }, seed, outcome, pairs: outcome === 'connected' ? ['host/host/udp'] : [], setup: { ice, call: null }, mediaLoss: null, drops: 0,
  });

  it('is the same text whatever order the records come in, and counts a duplicate once', () => {
    const rs = [rec(0, 1, 'connected', 100_000), rec(0, 2, 'failed', null), rec(1, 1, 'connected', 250_000), rec(1, 2, 'connected', 150_000), rec(0, 3, 'connected', 300_000)];
    const a = formatAggregate(aggregate(rs), ['p']);
    const shuffled = [rs[3]!, rs[0]!, rs[4]!, rs[2]!, rs[1]!, rs[0]!];
    const b = aggregate(shuffled);
    expect(b.duplicates).toBe(1);
    expect(formatAggregate(b, ['p'])).toBe(a.replace('5 runs', '5 runs, 1 duplicate results ignored'));
    expect(a).toMatch(/^0 +3 +66\.7% \[20\.8%, 93\.9%\] +200\.0 /m);
  });
});
