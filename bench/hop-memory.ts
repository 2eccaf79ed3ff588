import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { listPresets } from '../sim/scenario/presets/index.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { loadNote } from './process-run.ts';
import { row } from './measure.ts';

const TARGET = 250;
const SECONDS = 20;

/**
 * What a kept hop costs (issue 15: ≤ 250 bytes per hop beyond the packet bytes): call-p2p runs SECONDS of virtual
 * time in this process, then the hops are let go; the memory that frees (V8 heap and ArrayBuffer bytes, after full
 * collections) divided by the hops, less their bytes, is the cost of a hop's record, its view and its share of the
 * byte arena (sim/core/trace.ts). Off-heap costs of per-hop ArrayBuffers (backing stores, malloc headers) are not
 * seen by this count: with the arena there are none.
 */
export function benchHopMemory(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const preset = listPresets().find((p) => p.name === 'call-p2p');
  if (!preset) throw new Error('bench hops: no preset call-p2p');
  process.stdout.write(`hops: memory of a kept hop, call-p2p --until ${SECONDS}s in process (${loadNote()})\n`);
  const result = runScenario(parseScenario(preset.build()), { until: SECONDS * 1e6 });
  const hops = result.trace.hops as unknown as { bytes: Uint8Array }[];
  const n = hops.length;
  let bytes = 0;
  for (const h of hops) bytes += h.bytes.length;
  const used = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const kept = used();
  hops.length = 0; // the run's own array: the records, views and arena slabs become garbage
  const freed = kept - used();
  const beyond = (freed - bytes) / n;
  row('hops kept', `${n}`, `mean ${(bytes / n).toFixed(0)} bytes of packet`);
  row('memory per hop', `${(freed / n).toFixed(0)} B`);
  row('beyond the packet bytes', `${beyond.toFixed(0)} B`, `${(beyond / TARGET).toFixed(2)}× the target (≤ ${TARGET} B)`);
}
