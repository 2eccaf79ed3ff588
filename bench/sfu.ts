import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { row } from './measure.ts';
import { cliFlavour, loadNote, RTCLAB, runProcess } from './process-run.ts';
import { sfuRoom } from './sfu-room.ts';
import { measureSrtpFloor, srtpOperations } from './srtp-floor.ts';

const SIZES = [8, 16, 32, 50];
const SECONDS = 10;
const FLOOR_TARGET = 3;
/** Rooms whose peak memory or CPU, projected from the room before, would pass these are not run (the shared machine). */
const MAX_MB = Number(process.env['RTCLAB_BENCH_SFU_MAX_MB'] ?? 4096);
const MAX_CPU_S = Number(process.env['RTCLAB_BENCH_SFU_MAX_CPU_S'] ?? 600);

interface SfuSummary {
  hops: number;
  srtp?: Parameters<typeof srtpOperations>[0]['srtp'];
  sfu?: { [app: string]: { transports: { rtpIn: number; rtcpIn: number; datagramsOut: number }[] } };
  hosts: { [h: string]: { sent: number; bytesSent: number } };
}

/**
 * call-sfu scaled to rooms of 8, 16, 32 and 50 participants × 10 s (`sfu-room.ts`), each `rtclab run` as a whole
 * process: wall, CPU, peak RSS, hops, packets the SFU sent (forwarded), CPU per forwarded packet (the ratio to the
 * smallest room's shows whether the cost per packet stays flat), and CPU against the crypto floor (the run's SRTP
 * operations, the clients' and the SFU's, × one operation's cost with the fastest backend). A room projected past
 * RTCLAB_BENCH_SFU_MAX_MB (4096) or RTCLAB_BENCH_SFU_MAX_CPU_S (600) is not run: its projection is printed.
 */
export function benchSfu(argv: string[] = []): void {
  const sizes = argv.length ? argv.map(Number) : SIZES;
  const dir = tmpdir();
  process.stdout.write(`sfu: call-sfu scaled, ${SECONDS} s of virtual time per room, whole process, one run each (${cliFlavour()}; ${loadNote()})\n`);
  let floorPerOp: number | undefined;
  let firstPerForward: number | undefined;
  let last: { n: number; cpu: number; rss: number; hops: number } | undefined;
  for (const n of sizes) {
    if (last) {
      // forwarded streams grow as n(n − 1): hops, CPU and kept memory with them
      const scale = (n * (n - 1)) / (last.n * (last.n - 1));
      const mb = (last.rss / 2 ** 20) * scale;
      const cpu = last.cpu * scale;
      if (mb > MAX_MB || cpu > MAX_CPU_S) {
        row(`room of ${n}: not run`, `≈${(mb / 1024).toFixed(1)} GB`, `projected from the room of ${last.n}: ≈${Math.round(last.hops * scale)} hops, ≈${cpu.toFixed(0)} s CPU`);
        continue;
      }
    }
    const scenario = join(dir, `rtclab-bench-sfu-${process.pid}-${n}.json`);
    const json = join(dir, `rtclab-bench-sfu-${process.pid}-${n}.out.json`);
    try {
      writeFileSync(scenario, JSON.stringify(sfuRoom(n, SECONDS)));
      const run = runProcess([RTCLAB, 'run', scenario, '--quiet', '--json', json]);
      const s = JSON.parse(readFileSync(json, 'utf8')) as SfuSummary;
      const transports = Object.values(s.sfu ?? {}).flatMap((a) => a.transports);
      const forwarded = transports.reduce((t, x) => t + x.datagramsOut, 0);
      // the SFU unprotects what comes in and protects what goes out; the clients' counts are in the srtp section
      const ops = srtpOperations(s) + transports.reduce((t, x) => t + x.rtpIn + x.rtcpIn + x.datagramsOut, 0);
      if (floorPerOp === undefined) {
        const clients = Object.entries(s.hosts).filter(([h]) => /^p\d+$/.test(h)).map(([, v]) => v);
        const mean = Math.round(clients.reduce((t, h) => t + h.bytesSent, 0) / clients.reduce((t, h) => t + h.sent, 0) - 28);
        floorPerOp = measureSrtpFloor(mean).fastest.perOp;
        row('SRTP operation (fastest backend)', `${(floorPerOp * 1e6).toFixed(2)} µs`, `${mean}-byte packets`);
      }
      const perForward = run.cpu / forwarded;
      firstPerForward ??= perForward;
      const floor = ops * floorPerOp;
      process.stdout.write(`  room of ${n}\n`);
      row('  wall / CPU', `${run.wall.toFixed(1)} s`, `CPU ${run.cpu.toFixed(1)} s`);
      row('  peak RSS', `${(run.peakRss / 2 ** 20).toFixed(0)} MB`, `${s.hops} hops, ${((run.peakRss / s.hops) / 1024).toFixed(2)} KB per hop (whole process)`);
      row('  CPU per forwarded packet', `${(perForward * 1e6).toFixed(1)} µs`, `${forwarded} forwarded; ${(perForward / firstPerForward).toFixed(2)}× the room of ${sizes[0]} (flat: 1×)`);
      row('  CPU / crypto floor', `${(run.cpu / floor).toFixed(2)}×`, `${ops} SRTP/SRTCP operations, floor ${floor.toFixed(2)} s; target ≤ ${FLOOR_TARGET}×`);
      last = { n, cpu: run.cpu, rss: run.peakRss, hops: s.hops };
    } finally {
      rmSync(scenario, { force: true });
      rmSync(json, { force: true });
    }
  }
}
