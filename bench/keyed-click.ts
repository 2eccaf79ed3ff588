import { readFileSync } from 'node:fs';
import { nobleCrypto, setCryptoBackend } from '../sim/core/crypto-backend.ts';
import type { Hop } from '../sim/core/trace.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { keyedHops, traceKeyedHops } from '../test/support/keyed-detail.ts';
import { loadCapture } from '../viz/model/capture-load.ts';
import { KeyedDetail } from '../viz/model/keyed-detail.ts';
import { loadNote } from './process-run.ts';
import { row } from './measure.ts';

const CAPTURES = new URL('../captures/', import.meta.url).pathname;
const TARGET_MS = 50;
const ROUNDS = 3;

/**
 * What a click on a hop of a keyed trace costs in the packet detail (viz/model/keyed-detail.ts): every hop of the
 * largest keyed capture (chromium-rtclab-dtls12) and a sample of a simulated call's, each clicked ROUNDS times with
 * nothing cached (a fresh KeyedDetail each time), the least time kept per hop; then the median, p95 and worst over
 * the hops. Beside it the replay of the hop's whole flow, as the detail did before. The memory is what the one pass
 * keeps for it (4-byte signatures) and what the first click plans (hop lists), per hop; beside it, what keeping
 * every decrypted layer's plaintext would take.
 */
export function benchKeyedClick(): void {
  // the visualizer's worker decrypts with the pure-JavaScript backend (no node:crypto in a browser)
  const before = setCryptoBackend(nobleCrypto);
  try {
    run();
  } finally {
    setCryptoBackend(before);
  }
}

function run(): void {
  process.stdout.write(`keyed: a click in the packet detail of a keyed trace, @noble crypto as in the browser (${loadNote()})\n`);
  const dir = `${CAPTURES}chromium-rtclab-dtls12/`;
  const keyLog = { name: 'chromium-rtclab.keylog.txt', text: readFileSync(`${dir}chromium-rtclab.keylog.txt`, 'utf8') };
  const r = loadCapture(new Uint8Array(readFileSync(`${dir}chromium-rtclab.pcapng`)), 'chromium-rtclab.pcapng', undefined, keyLog);
  const make = (): KeyedDetail => new KeyedDetail(r.trace.hops, r.keyLogs, r.vantages, true, () => r.flows, () => r.signatures);
  const plaintext = keyedHops(r.trace.hops, r.keyLogs, r.vantages, true).plaintextBytes;
  report('chromium-rtclab-dtls12', r.trace.hops, make, every(r.trace.hops.length), every(r.trace.hops.length), plaintext);

  const s = parseScenario(findPreset('call-p2p')!.build());
  const trace = runScenario({ ...s, duration: 20_000_000 } as typeof s).trace;
  const k = traceKeyedHops(trace);
  const sim = (): KeyedDetail => new KeyedDetail(trace.hops, k.detail.keyLogs, true, false, () => k.flows, () => k.signatures);
  // the flow's replay of a 20 s call takes about a second a click: fewer of them
  report('call-p2p, 20 s', trace.hops, sim, sample(trace.hops.length, 120), sample(trace.hops.length, 20), k.plaintextBytes);
}

function report(name: string, hops: readonly Hop[], make: () => KeyedDetail, clicks: number[], oldClicks: number[], plaintext: number): void {
  const n = hops.length;
  const fresh = make();
  const c0 = process.cpuUsage();
  fresh.packet(n - 1);
  const c = process.cpuUsage(c0);
  const plan = fresh.planBytes();
  row(`${name}: hops`, `${n}`, `${clicks.length} clicked, ${ROUNDS} rounds each`);
  row('  first click (its plan made over every hop), CPU', `${((c.user + c.system) / 1000).toFixed(1)} ms`);
  const now = timed(clicks, make, (d, i) => d.packet(i));
  const counts = make();
  for (const i of clicks) counts.packet(i);
  const dissected = counts.counts.dissected / clicks.length;
  row('  click now, CPU: median / p95 / worst', ms(now.cpu), `${dissected.toFixed(1)} hops dissected a click; ${counts.counts.replayed} of ${clicks.length} fell back to the flow's replay; target < ${TARGET_MS} ms`);
  row('  click now, wall', ms(now.wall));
  const old = timed(oldClicks, make, (d, i) => d.replayFlow(i));
  row('  click before (the flow replayed), CPU', ms(old.cpu), `${oldClicks.length} clicks`);
  row('  click before, wall', ms(old.wall));
  row('  kept per hop: signature + plan', `${((4 * n + plan) / n).toFixed(1)} B`, `(${plan} B of plan)`);
  row('  kept per hop if plaintext were stored', `${(plaintext / n).toFixed(0)} B`, 'the decrypted layers\' bytes alone, no boundaries');
}

/** Each click's least CPU time (this process, every thread) and least wall time over ROUNDS, in ms, sorted. */
function timed(clicks: number[], make: () => KeyedDetail, click: (d: KeyedDetail, i: number) => unknown): { cpu: number[]; wall: number[] } {
  const cpu = clicks.map(() => Infinity);
  const wall = clicks.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    clicks.forEach((i, k) => {
      const d = make();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      click(d, i);
      wall[k] = Math.min(wall[k]!, performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[k] = Math.min(cpu[k]!, (c.user + c.system) / 1000);
    });
  }
  return { cpu: cpu.sort((a, b) => a - b), wall: wall.sort((a, b) => a - b) };
}

function ms(sorted: number[]): string {
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `${at(0.5)} / ${at(0.95)} / ${sorted[sorted.length - 1]!.toFixed(1)} ms`;
}

function every(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sample(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, j) => Math.floor(((j + 0.5) * n) / k));
}
