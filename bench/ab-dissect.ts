import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * A/B of `rtclab dissect`'s path between source trees (this one and, say, a worktree at an older commit):
 *
 *   node --import tsx bench/ab-dissect.ts FILE [PAIRS] [ROUNDS] TREE...
 *
 * Each tree's own `bench/dissect.ts` `dissectFile` (streaming reader, the tree's dissection, 12 fields per packet to
 * /dev/null) runs in a process of its own (one tree per process, as `npm run bench` runs: two trees in one process
 * share a heap and disturb each other's figures), trees alternating, PAIRS times; each process prints its best CPU
 * time per packet of ROUNDS runs after two warm-ups. Printed per tree: the least and the median of those bests.
 * On a machine busy with other work, compare medians of many pairs, not single runs.
 */
const [file, pairsArg, roundsArg, ...trees] = process.argv.slice(2);

if (process.env.RTCLAB_AB_CHILD) {
  const [root, f, rounds] = [process.env.RTCLAB_AB_CHILD, process.env.RTCLAB_AB_FILE!, Number(process.env.RTCLAB_AB_ROUNDS)];
  const { dissectFile } = (await import(`${root}/bench/dissect.ts`)) as { dissectFile(f: string, spans: boolean): number };
  let n = dissectFile(f, false);
  n = dissectFile(f, false);
  let cpu = Infinity;
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    dissectFile(f, false);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  process.stdout.write(`${JSON.stringify({ packets: n, usPerPacket: (cpu / n) * 1e6 })}\n`);
} else {
  if (!file || trees.length === 0) throw new Error('usage: node --import tsx bench/ab-dissect.ts FILE [PAIRS] [ROUNDS] TREE...');
  const pairs = Number(pairsArg ?? 6);
  const rounds = Number(roundsArg ?? 12);
  const figures = new Map<string, number[]>(trees.map((t) => [t, []]));
  for (let i = 0; i < pairs; i++) {
    for (const t of trees) {
      const root = resolve(t);
      const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, RTCLAB_AB_CHILD: root, RTCLAB_AB_FILE: resolve(file), RTCLAB_AB_ROUNDS: String(rounds) },
      });
      if (r.status !== 0) throw new Error(`${t}: ${r.stderr.slice(-2000)}`);
      figures.get(t)!.push((JSON.parse(r.stdout) as { usPerPacket: number }).usPerPacket);
    }
  }
  for (const [t, v] of figures) {
    const s = [...v].sort((a, b) => a - b);
    const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    process.stdout.write(`${t}\tleast ${s[0]!.toFixed(3)}\tmedian ${median.toFixed(3)} µs/packet CPU\t(${v.map((x) => x.toFixed(3)).join(' ')})\n`);
  }
}
