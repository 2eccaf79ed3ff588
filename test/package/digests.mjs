// Every preset's trace digest through the public API alone. Runtime-neutral (Node, Deno, a browser bundle): the
// package test runs it in each from a fresh project that installed the packed tarball, and compares.
import { presets, run } from 'rtclab';

/**
 * Per preset (all of them, or those named): SHA-256 of the pcapng export and of the trace JSON, and what the run
 * reached (ICE outcome, each app's DTLS state and SRTP profile, media packets received, each SFU consumer's packets sent
 * on, hops). A name may carry a
 * virtual time to stop at, in µs ("call-p2p@2000000"): the run then ends there instead of at the scenario's end.
 */
export function digests(names) {
  const until = new Map((names ?? []).map((n) => n.split('@')).map(([name, at]) => [name, at === undefined ? undefined : Number(at)]));
  const out = {};
  for (const p of presets()) {
    if (names && !until.has(p.name)) continue;
    const at = until.get(p.name);
    const r = run(p.name, at === undefined ? {} : { until: at });
    // an SFU's consumers (mediasoup's rooms): each one's packets sent on to its peer
    const consumers = r.apps.flatMap((a) => (a.rooms ?? []).flatMap((room) => (room.consumers ?? []).map((c) => `${room.id}/${c.peer} ${c.kind} ${c.packetsSent}`)));
    const reached = { outcome: r.outcome, secure: r.secure.map((s) => `${s.app} ${s.dtlsState} ${s.srtpProfile ?? '-'}`), received: r.mediaLoss.received, consumers, hops: r.hops.length };
    out[p.name] = { ...r.digest(), reached };
  }
  return out;
}

const deno = globalThis.Deno;
const node = globalThis.process?.versions?.node !== undefined && deno === undefined;
const args = deno ? deno.args : node ? globalThis.process.argv.slice(2) : [];
if ((deno || node) && args[0] === '--print') console.log(JSON.stringify(digests(args.slice(1).length ? args.slice(1) : undefined)));
