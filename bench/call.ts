import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bestProcess, cliFlavour, loadNote, RTCLAB } from './process-run.ts';
import { row } from './measure.ts';
import { measureSrtpFloor, srtpOperations } from './srtp-floor.ts';

const ROUNDS = 3;
const WALL_TARGET = 1.5;
const FLOOR_TARGET = 2;

/**
 * `rtclab run call-p2p --until 60s` as a whole process (wall, CPU, peak RSS; best of 3), beside the crypto floor:
 * the SRTP and SRTCP operations the run did (from its --json summary) × what one costs with the fastest backend,
 * measured in this process in the same run on packets of the run's mean size. Targets (issue 15): ≤ 1.5 s wall,
 * ≤ 2× the floor.
 */
export function benchCall(): void {
  const json = join(tmpdir(), `rtclab-bench-call-${process.pid}.json`);
  try {
    const args = [RTCLAB, 'run', 'call-p2p', '--until', '60s', '--quiet', '--json', json];
    process.stdout.write(`call: rtclab run call-p2p --until 60s, whole process, best of ${ROUNDS} (${cliFlavour()}; ${loadNote()})\n`);
    const run = bestProcess(ROUNDS, args);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as Parameters<typeof srtpOperations>[0] & {
      hops: number;
      hosts: { [h: string]: { sent: number; bytesSent: number } };
    };
    const ops = srtpOperations(summary);
    // the mean datagram the two peers sent, less its IPv4 and UDP headers: the SRTP packet the floor protects
    const peers = Object.values(summary.hosts).filter((h) => h.sent > 1000);
    const meanPacket = Math.round(peers.reduce((s, h) => s + h.bytesSent, 0) / peers.reduce((s, h) => s + h.sent, 0) - 28);
    const floor = measureSrtpFloor(meanPacket);
    const floorSeconds = ops * floor.fastest.perOp;
    row('wall', `${run.wall.toFixed(2)} s`, `${(run.wall / WALL_TARGET).toFixed(2)}× the target (≤ ${WALL_TARGET} s)`);
    row('CPU (user + system, every thread)', `${run.cpu.toFixed(2)} s`, `${(run.cpu / run.wall).toFixed(2)}× wall`);
    row('peak RSS', `${(run.peakRss / 2 ** 20).toFixed(0)} MB`, `${summary.hops} hops`);
    for (const [name, perOp] of Object.entries(floor.perOp)) {
      row(`SRTP operation, ${meanPacket} bytes, ${name}`, `${(perOp * 1e6).toFixed(2)} µs`, name === floor.fastest.name ? 'fastest' : `${(perOp / floor.fastest.perOp).toFixed(2)}× the fastest`);
    }
    row(`crypto floor (${ops} SRTP/SRTCP operations)`, `${floorSeconds.toFixed(3)} s`);
    row('CPU / crypto floor', `${(run.cpu / floorSeconds).toFixed(2)}×`, `target ≤ ${FLOOR_TARGET}×`);
    row('wall / crypto floor', `${(run.wall / floorSeconds).toFixed(2)}×`, `target ≤ ${FLOOR_TARGET}×`);
  } finally {
    rmSync(json, { force: true });
  }
}
