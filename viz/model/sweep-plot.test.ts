import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../sim/sweep/aggregate.ts';
import { parseSweepRecords } from '../../sim/sweep/read.ts';
import { applySet } from '../../sim/scenario/set.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { defaultX, replayCommand, sweepPaths, sweepPlot } from './sweep-plot.ts';

const records = parseSweepRecords(readFileSync(new URL('../../examples/sweep/ice-nat-loss-turn.jsonl', import.meta.url), 'utf8'), 'ice.jsonl');
const agg = aggregate(records);

describe('the sweep plot', () => {
  it('puts the parameter with the most values across, a numeric one on a linear axis', () => {
    expect(sweepPaths(agg)).toEqual(['peers.bob.nat', 'nodes.alice.link.loss', 'apps[0].users']);
    expect(defaultX(agg)).toBe('nodes.alice.link.loss');
    const p = sweepPlot(agg, 'nodes.alice.link.loss', 'success');
    expect(p.numeric).toBe(true);
    expect(p.xValues.map((v) => v.value)).toEqual([0, 0.05, 0.1, 0.2, 0.3]);
    // one series per combination of the two other parameters, each with a point per loss
    expect(p.series).toHaveLength(6);
    expect(p.series.every((s) => s.points.length === 5)).toBe(true);
    expect(p.yMax).toBe(100);
  });

  it('gives success rates in % with their Wilson interval', () => {
    const p = sweepPlot(agg, 'nodes.alice.link.loss', 'success');
    const noTurn = p.series.find((s) => s.label === 'peers.bob.nat=symmetric, apps[0].users={}')!;
    // symmetric NAT on one side and no TURN: never connects; Wilson's upper bound for 0 of 6 is 39.0%
    expect(noTurn.points.map((q) => q.value)).toEqual([0, 0, 0, 0, 0]);
    expect(noTurn.points[0]!.high).toBeCloseTo(39.03, 1);
    const cone = p.series.find((s) => s.label.startsWith('peers.bob.nat=full-cone, apps[0].users={"alice"'))!;
    expect(cone.points[0]!.value).toBe(100);
    expect(cone.points[0]!.low).toBeGreaterThan(50);
  });

  it('leaves out combinations with no value for the measure, and counts them', () => {
    const p = sweepPlot(agg, 'peers.bob.nat', 'ice');
    expect(p.numeric).toBe(false);
    expect(p.xValues.map((v) => v.text)).toEqual(['full-cone', 'port-restricted-cone', 'symmetric']);
    // without TURN, bob behind a port-restricted or a symmetric NAT never connected to alice's symmetric one at any
    // loss: 10 combinations with no ICE time
    expect(p.missing).toBe(10);
    expect(p.unit).toBe('ms');
    const all = p.series.flatMap((s) => s.points);
    expect(all.every((q) => q.low >= 0 && q.low <= q.value && q.value <= q.high)).toBe(true);
    expect(p.yMax).toBeGreaterThan(1000);
    // no media in this scenario: nothing to draw for loss
    expect(sweepPlot(agg, 'peers.bob.nat', 'mediaLoss').missing).toBe(30);
  });

  it('gives a replay command whose --set values set the grid values back', () => {
    const row = agg.rows.find((r) => r.params['peers.bob.nat'] === 'symmetric' && r.params['nodes.alice.link.loss'] === 0.3 && JSON.stringify(r.params['apps[0].users']) !== '{}')!;
    const cmd = replayCommand(row, 4, 'ice-symmetric-turn');
    expect(cmd).toBe(`rtclab run ice-symmetric-turn --set peers.bob.nat=symmetric --set nodes.alice.link.loss=0.3 --set 'apps[0].users={"alice":"alice-secret","bob":"bob-secret"}' --seed 4`);
    // each --set argument, as the shell passes it, sets the value the sweep ran with
    const args = [...cmd.matchAll(/--set (?:'([^']*)'|(\S+))/g)].map((m) => m[1] ?? m[2]!);
    let replayed: unknown = findPreset('ice-symmetric-turn')!.build();
    for (const a of args) replayed = applySet(replayed, a);
    // as the sweep set them (sim/sweep/record.ts: path=JSON)
    let swept: unknown = findPreset('ice-symmetric-turn')!.build();
    for (const [path, v] of Object.entries(row.params)) swept = applySet(swept, `${path}=${JSON.stringify(v)}`);
    expect(replayed).toEqual(swept);
    expect(args).toHaveLength(3);
    // text that would read as JSON is quoted so it stays text
    expect(replayCommand({ ...row, params: { 'x.y': '0' } }, 1)).toBe(`rtclab run SCENARIO --set 'x.y="0"' --seed 1`);
  });
});
