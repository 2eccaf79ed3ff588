import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { aggregate, formatAggregate } from '../sim/sweep/aggregate.ts';
import { parseGridAxis, parseSeeds, planSweep, shardOf, SweepPlanError, type GridAxis, type SweepJob } from '../sim/sweep/plan.ts';
import type { SweepRecord } from '../sim/sweep/record.ts';
import { parseSweepRecords, SweepReadError } from '../sim/sweep/read.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { VERSION } from '../lib/version.ts';
import { defaultWorkers, runPool } from './sweep-pool.ts';
import { Progress } from './progress.ts';

export const SWEEP_USAGE = `rtclab sweep — run a scenario over a grid of parameters × many seeds, on every core

Usage:
  rtclab sweep <preset|scenario.json> [options]
      --seeds LIST        seeds to run: 1..1000, 7, or 1,5,10..20 (default: 1..100)
      --grid PATH=VALUES  a parameter to vary, as --set paths it: [v1,v2,…] (JSON; bare words are text) or
                          lo..hi[/step]; repeatable, every combination runs (e.g. --grid peers.alice.nat=[full-cone,symmetric]
                          --grid nodes.alice.link.loss=0..0.1/0.05)
      --workers N         worker threads (default: every core, ${defaultWorkers()} here; 0 runs on the main thread)
      --out FILE          append each run's result as a JSON line (in plan order); an existing FILE is resumed:
                          runs whose result it holds are not run again
      --shard I/N         run only shard I of N (0-based: every N-th job from the I-th), for batch systems such as a
                          Kubernetes Indexed Job (I = $JOB_COMPLETION_INDEX) or an AWS Batch array job; merge after
      --queue URL         run the jobs on a Redis queue (redis://host:port) instead of this machine's cores:
                          start \`rtclab worker --queue URL\` on any number of machines; jobs are keyed by their
                          result key, so a rerun or a retried job never duplicates a result
      --json              print the aggregate as JSON instead of a table
      --quiet             no progress on standard error
  rtclab sweep merge <results.jsonl>… [--out FILE] [--json]
                          the aggregate of results from several shards or machines (duplicates counted once);
                          --out writes their records, deduplicated and in plan order, as one file

A result line: key (a hash of scenario, parameters, seed and rtclab version), index, combo, params, seed, outcome
(connected / failed / completed / error), pairs (each ICE agent's selected pair, local/remote/transport), setup
(ice, call: µs of virtual time), mediaLoss (0..1), drops. The aggregate gives, per combination, the success rate with
its 95% Wilson interval, ICE and call setup times and media loss; it is byte-identical whatever the workers, their
order, the shards and resumptions. Progress and the ETA go to standard error when it is a terminal.

Exit codes: 0 done; 1 the scenario is invalid; 2 usage error; 3 done, but some runs ended in an error (see their
"error" field).
`;

class SweepUsage extends Error {}

interface SweepArgs {
  target: string;
  seeds: number[];
  grid: GridAxis[];
  workers: number;
  out?: string;
  shard?: { i: number; n: number };
  json: boolean;
  quiet: boolean;
  queue?: string;
}

function parseArgs(argv: string[]): SweepArgs {
  const a: SweepArgs = { target: '', seeds: [], grid: [], workers: defaultWorkers(), json: false, quiet: false };
  let seeds = '1..100';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new SweepUsage(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--seeds':
        seeds = value();
        break;
      case '--grid':
        a.grid.push(parseGridAxis(value()));
        break;
      case '--workers': {
        const v = value();
        if (!/^\d+$/.test(v)) throw new SweepUsage(`--workers expects a number of threads, got ${JSON.stringify(v)}`);
        a.workers = Number(v);
        break;
      }
      case '--out':
        a.out = value();
        break;
      case '--shard': {
        const v = value();
        const m = /^(\d+)\/(\d+)$/.exec(v);
        if (!m || Number(m[2]) === 0 || Number(m[1]) >= Number(m[2])) throw new SweepUsage(`--shard expects I/N with 0 <= I < N, got ${JSON.stringify(v)}`);
        a.shard = { i: Number(m[1]), n: Number(m[2]) };
        break;
      }
      case '--json':
        a.json = true;
        break;
      case '--queue':
        a.queue = value();
        break;
      case '--quiet':
        a.quiet = true;
        break;
      default:
        if (arg.startsWith('-')) throw new SweepUsage(`unknown option ${arg}`);
        if (a.target) throw new SweepUsage(`one scenario at a time (got ${a.target} and ${arg})`);
        a.target = arg;
    }
  }
  if (!a.target) throw new SweepUsage('sweep needs a preset name or a scenario file');
  a.seeds = parseSeeds(seeds);
  return a;
}

/** Every record of a results file; a torn last line (a run killed while writing) is ignored. */
export function readRecords(file: string): SweepRecord[] {
  try {
    return parseSweepRecords(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if (e instanceof SweepReadError) throw new SweepUsage(e.message);
    throw e;
  }
}

function printAggregate(records: SweepRecord[], paths: readonly string[], json: boolean): number {
  const agg = aggregate(records);
  process.stdout.write(json ? `${JSON.stringify(agg, null, 2)}\n` : formatAggregate(agg, paths));
  return agg.rows.some((r) => r.errors > 0) ? 3 : 0;
}

async function merge(argv: string[]): Promise<number> {
  const files: string[] = [];
  let out: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') {
      out = argv[++i];
      if (out === undefined) throw new SweepUsage('--out needs a file');
    } else if (a === '--json') json = true;
    else if (a.startsWith('-')) throw new SweepUsage(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length === 0) throw new SweepUsage('sweep merge needs result files');
  const byKey = new Map<string, SweepRecord>();
  for (const f of files) for (const r of readRecords(f)) if (!byKey.has(r.key)) byKey.set(r.key, r);
  const records = [...byKey.values()].sort((a, b) => a.index - b.index || (a.key < b.key ? -1 : 1));
  if (out) writeFileSync(out, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return printAggregate(records, Object.keys(records[0]?.params ?? {}), json);
}

/** `rtclab sweep`: returns the exit code. */
export async function sweepCommand(argv: string[], loadScenario: (target: string) => unknown): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SWEEP_USAGE);
    return 0;
  }
  try {
    if (argv[0] === 'merge') return await merge(argv.slice(1));
    const args = parseArgs(argv);
    const raw = loadScenario(args.target);
    parseScenario(raw); // an invalid scenario fails here, naming every wrong field, before any worker starts
    const all = planSweep(raw, args.grid, args.seeds, VERSION);
    const mine = args.shard ? shardOf(all, args.shard.i, args.shard.n) : all;
    const planned = new Set(mine.map((j) => j.key));
    const done = new Map<string, SweepRecord>();
    if (args.out && existsSync(args.out)) {
      const kept = readRecords(args.out);
      // a run killed while writing leaves a torn last line: the file is rewritten without it before appending
      if (!readFileSync(args.out, 'utf8').endsWith('\n') && readFileSync(args.out).length > 0) writeFileSync(args.out, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
      for (const r of kept) if (planned.has(r.key)) done.set(r.key, r);
    }
    const todo: SweepJob[] = mine.filter((j) => !done.has(j.key));
    const progress = new Progress(mine.length, { label: 'runs', quiet: args.quiet });
    progress.tick(done.size);
    // records are written in plan order: those that finish early wait in `ready` for the ones before them
    const ready = new Map<number, SweepRecord>();
    let nextWrite = 0;
    const fresh: SweepRecord[] = [];
    const onRecord = (r: SweepRecord): void => {
      fresh.push(r);
      ready.set(r.index, r);
      while (nextWrite < todo.length && ready.has(todo[nextWrite]!.index)) {
        const w = ready.get(todo[nextWrite]!.index)!;
        ready.delete(w.index);
        if (args.out) appendFileSync(args.out, `${JSON.stringify(w)}\n`);
        nextWrite++;
      }
      progress.tick(done.size + fresh.length);
    };
    if (args.queue) await (await import('./sweep-queue.ts')).runOnQueue(args.queue, raw, todo, onRecord);
    else await runPool(raw, todo, { workers: args.workers, onRecord });
    progress.end();
    return printAggregate([...done.values(), ...fresh], args.grid.map((g) => g.path), args.json);
  } catch (e) {
    if (e instanceof SweepUsage || e instanceof SweepPlanError) {
      process.stderr.write(`rtclab sweep: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
