// Every preset's trace digest through the public API alone. Runtime-neutral (Node, Deno, a browser bundle): the
// package test runs it in each from a fresh project that installed the packed tarball, and compares.
import { presets, run } from 'rtclab';

/** SHA-256 of the pcapng export and of the trace JSON, per preset (all of them, or those named). */
export function digests(names) {
  const out = {};
  for (const p of presets()) {
    if (names && !names.includes(p.name)) continue;
    out[p.name] = run(p.name).digest();
  }
  return out;
}

const deno = globalThis.Deno;
const node = globalThis.process?.versions?.node !== undefined && deno === undefined;
const args = deno ? deno.args : node ? globalThis.process.argv.slice(2) : [];
if ((deno || node) && args[0] === '--print') console.log(JSON.stringify(digests(args.slice(1).length ? args.slice(1) : undefined)));
