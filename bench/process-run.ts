import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);
export const RTCLAB = fileURLToPath(new URL('bin/rtclab.js', ROOT));
const HOOK = new URL('bench/usage-hook.mjs', ROOT).href;

/** One whole process: wall seconds (from spawn to exit), CPU seconds (user + system) and peak RSS in bytes. */
export interface ProcessRun {
  readonly wall: number;
  readonly cpu: number;
  readonly peakRss: number;
  readonly stdout: string;
}

/** Runs `node <args>` once with the usage hook loaded; throws when it fails. */
export function runProcess(args: string[], env: NodeJS.ProcessEnv = process.env): ProcessRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', HOOK, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  const line = r.stderr.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('bench-usage ')) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const u = JSON.parse(line.slice('bench-usage '.length)) as { user: number; system: number; maxRSS: number };
  return { wall, cpu: (u.user + u.system) / 1e6, peakRss: u.maxRSS * 1024, stdout: r.stdout };
}

/** The best of `rounds` runs, figure by figure (each the least disturbed by other work on the machine). */
export function bestProcess(rounds: number, args: string[], env?: NodeJS.ProcessEnv): ProcessRun {
  let best: ProcessRun | undefined;
  for (let i = 0; i < rounds; i++) {
    const r = runProcess(args, env);
    best = best
      ? { wall: Math.min(best.wall, r.wall), cpu: Math.min(best.cpu, r.cpu), peakRss: Math.min(best.peakRss, r.peakRss), stdout: r.stdout }
      : r;
  }
  return best!;
}

/**
 * Whether `bin/rtclab.js` runs the built bundle (dist/cli, fresh) or compiles the sources through tsx at start: its
 * test, read the same way (the bundle's inputs as dist/cli.inputs.txt lists them, once bin/rtclab.js has made the
 * list from the metafile; otherwise every .ts under sim/ and cli/).
 */
export function cliFlavour(): 'built bundle' | 'sources through tsx' {
  const built = new URL('dist/cli/main.js', ROOT);
  if (process.env['RTCLAB_TSX'] === '1' || !existsSync(built)) return 'sources through tsx';
  const list = new URL('dist/cli.inputs.txt', ROOT);
  let files: string[] = [];
  if (existsSync(list)) {
    files = readFileSync(list, 'utf8').split('\n').filter((p) => p !== '').map((p) => fileURLToPath(new URL(p, ROOT)));
  } else {
    for (const dir of ['sim', 'cli']) {
      for (const e of readdirSync(new URL(`${dir}/`, ROOT), { recursive: true, withFileTypes: true })) {
        if (e.isFile() && e.name.endsWith('.ts')) files.push(`${e.parentPath}/${e.name}`);
      }
    }
  }
  const builtAt = statSync(built).mtimeMs;
  return files.every((f) => (statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0) <= builtAt) ? 'built bundle' : 'sources through tsx';
}

/** The load average over the last minute, to print beside figures from a shared machine. */
export function loadNote(): string {
  return `load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
}
