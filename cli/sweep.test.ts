// `rtclab sweep` as a user runs it: the aggregate is byte-identical whatever the workers, shards and resumptions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sweep-'));
const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const SWEEP = ['sweep', 'ice-symmetric-turn', '--seeds', '1..4', '--grid', 'peers.alice.nat=[full-cone,symmetric]', '--quiet'];

// generous: every sweep runs eight ICE scenarios, on a machine busy with other work
describe('rtclab sweep', { timeout: 600_000 }, () => {
  it('gives the same aggregate on one thread, on three workers, and from three shards merged', () => {
    const one = rtclab(...SWEEP, '--workers', '0', '--json');
    expect(one.stderr).toBe('');
    expect(one.status).toBe(0);
    const agg = JSON.parse(one.stdout);
    expect(agg.runs).toBe(8);
    expect(agg.rows.map((r: { params: object; connected: number }) => [r.params, r.connected])).toEqual([[{ 'peers.alice.nat': 'full-cone' }, 4], [{ 'peers.alice.nat': 'symmetric' }, 4]]);
    expect(rtclab(...SWEEP, '--workers', '3', '--json').stdout).toBe(one.stdout);
    const shards = [0, 1, 2].map((i) => {
      const out = join(dir, `shard${i}.jsonl`);
      expect(rtclab(...SWEEP, '--shard', `${i}/3`, '--out', out, '--workers', '1').status).toBe(0);
      return out;
    });
    // merged in another order, with one shard given twice: duplicates count once
    const merged = rtclab('sweep', 'merge', shards[2]!, shards[0]!, shards[1]!, shards[0]!, '--json', '--out', join(dir, 'merged.jsonl'));
    expect(merged.stdout).toBe(one.stdout);
    const lines = readFileSync(join(dir, 'merged.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('resumes from its output file, running only what it lacks, past a line torn by a kill', () => {
    const out = join(dir, 'resume.jsonl');
    const full = rtclab(...SWEEP, '--out', out, '--workers', '2');
    expect(full.status).toBe(0);
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    writeFileSync(out, `${lines.slice(0, 3).join('\n')}\n${lines[3]!.slice(0, 25)}`);
    const resumed = rtclab(...SWEEP, '--out', out, '--workers', '2');
    expect(resumed.stdout).toBe(full.stdout);
    expect(readFileSync(out, 'utf8')).toBe(`${lines.join('\n')}\n`);
    // nothing left to run: the aggregate comes from the file alone
    expect(rtclab(...SWEEP, '--out', out).stdout).toBe(full.stdout);
  });

  it('documents itself and its exit codes', () => {
    const help = rtclab('sweep', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--shard I\/N/);
    expect(help.stdout).toMatch(/Exit codes: 0 done; 1 the scenario is invalid; 2 usage error; 3/);
    expect(rtclab('sweep', 'nat-symmetric', '--seeds', '3..1').status).toBe(2);
    expect(rtclab('sweep', 'nat-symmetric', '--shard', '3/3').stderr).toMatch(/--shard expects I\/N with 0 <= I < N/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', nodes: { a: { kind: 'host', addresses: ['nope'] } } }));
    expect(rtclab('sweep', bad).status).toBe(1);
    const broken = rtclab('sweep', 'nat-symmetric', '--seeds', '1', '--grid', 'nodes.natA.preset=[no-such-nat]', '--quiet', '--workers', '0');
    expect(broken.status).toBe(3);
  });
});
