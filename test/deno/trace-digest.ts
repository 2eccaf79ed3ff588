// Runs a preset and prints the SHA-256 of its pcapng export and of its trace JSON: the determinism test runs this
// under Deno and compares with Node. Runtime-neutral: no Node or Deno APIs beyond reading the arguments.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../sim/core/encoding.ts';
import { traceToJson } from '../../sim/core/trace-json.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { writePcapng } from '../../sim/wire/pcap/pcapng-writer.ts';

export function traceDigest(presetName: string, seed: number): { pcapng: string; trace: string } {
  const preset = findPreset(presetName);
  if (!preset) throw new Error(`no preset ${presetName}`);
  const { trace } = runScenario(parseScenario(preset.build()), { seed });
  return { pcapng: toHex(sha256(writePcapng(trace))), trace: toHex(sha256(new TextEncoder().encode(traceToJson(trace)))) };
}

declare const Deno: { args: string[] } | undefined;
if (typeof Deno !== 'undefined') {
  const [name = 'lossy-link', seed = '1'] = Deno.args;
  console.log(JSON.stringify(traceDigest(name, Number(seed))));
}
