import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSweepText, parseSweepRecords, SweepReadError } from './read.ts';
import { aggregate } from './aggregate.ts';
import { aggregateCsv, CSV_COLUMNS } from './csv.ts';

const EXAMPLE = new URL('../../examples/sweep/ice-nat-loss-turn.jsonl', import.meta.url);
const text = readFileSync(EXAMPLE, 'utf8');
const line = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ key: 'k', index: 0, combo: 0, params: { x: 1 }, seed: 1, outcome: 'connected', pairs: [], setup: { ice: 1000, call: null }, mediaLoss: null, drops: 0, ...over });

describe('reading sweep results', () => {
  it('reads every line of a real sweep file (rtclab sweep --out)', () => {
    const rs = parseSweepRecords(text, 'ice.jsonl');
    expect(rs).toHaveLength(180);
    expect(new Set(rs.map((r) => r.combo)).size).toBe(30);
    expect(isSweepText(text)).toBe(true);
  });

  it('tells a results file from a scenario or a trace by its first line', () => {
    expect(isSweepText(`${line()}\n`)).toBe(true);
    expect(isSweepText('{\n  "name": "call-p2p",\n  "nodes": {}\n}\n')).toBe(false);
    expect(isSweepText('{"name":"x","nodes":{}}')).toBe(false);
    expect(isSweepText('\uFEFF' + line())).toBe(true);
  });

  it('names the line and what is wrong in a line that is not a result', () => {
    const bad = [line(), line({ key: 'b', index: 1 }), line({ outcome: 'maybe' }), line({ key: 'd', index: 3 })].join('\n');
    expect(() => parseSweepRecords(bad, 'r.jsonl')).toThrow(SweepReadError);
    expect(() => parseSweepRecords(bad, 'r.jsonl')).toThrow('r.jsonl:3: not a sweep result line: "outcome" is "maybe"');
    expect(() => parseSweepRecords(`${line()}\nnot json\n${line()}`, 'r.jsonl')).toThrow(/r\.jsonl:2: not a sweep result line: not JSON/);
    expect(() => parseSweepRecords(`${line()}\n${line({ setup: { ice: 'soon' } })}\n${line()}`, 'r.jsonl')).toThrow(/:2: .*"setup"/);
  });

  it('ignores a torn last line, as a resumed sweep does', () => {
    const torn = `${line()}\n${line({ key: 'b', index: 1 }).slice(0, 30)}`;
    expect(parseSweepRecords(torn, 'r.jsonl').map((r) => r.key)).toEqual(['k']);
    expect(parseSweepRecords('', 'r.jsonl')).toEqual([]);
  });
});

describe('the aggregate as CSV', () => {
  it('has one row per combination with numbers, and quotes the JSON grid values (RFC 4180)', () => {
    const rs = parseSweepRecords(text, 'ice.jsonl');
    const csv = aggregateCsv(aggregate(rs), ['peers.bob.nat', 'nodes.alice.link.loss', 'apps[0].users']);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(31);
    expect(rows[0]).toBe(['peers.bob.nat', 'nodes.alice.link.loss', 'apps[0].users', ...CSV_COLUMNS].join(','));
    // full cone, no loss, with TURN: all 6 connect over srflx; the users object is one quoted field
    expect(rows[1]).toMatch(/^full-cone,0,"\{""alice"":""alice-secret"",""bob"":""bob-secret""\}",6,6,0,0,1,0\.6\d+,1,194,194,194,194,,,,,/);
    // symmetric without TURN never connects: no ICE time, an empty cell rather than 0
    const noTurn = rows.find((r) => r.startsWith('symmetric,0,{}'));
    expect(noTurn).toMatch(/^symmetric,0,\{\},6,0,6,0,0,0,0\.39\d+,,,,,,,,,checking checking,6$/);
  });
});
