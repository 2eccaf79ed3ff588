// DTLS 1.2, 1.3 and 1.3 with the X25519MLKEM768 hybrid compared: handshake time (until both sides are connected)
// and datagrams sent, on a clean link and on one losing 10% of datagrams each way, averaged over seeds.
// Run: npx tsx bench/dtls-versions.ts [seeds]
import { versionedPair } from '../sim/dtls/v13/test-pair.ts';
import type { DtlsEndpointOptions } from '../sim/dtls/config.ts';

type Extra = Partial<DtlsEndpointOptions>;
export const CASES: { name: string; client: Extra; server: Extra }[] = [
  { name: 'DTLS 1.2 (HelloVerifyRequest)', client: {}, server: {} },
  { name: 'DTLS 1.3 X25519 (HRR cookie)', client: { versions: ['1.3'] }, server: { versions: ['1.3'] } },
  { name: 'DTLS 1.3 X25519 (no cookie)', client: { versions: ['1.3'] }, server: { versions: ['1.3'], cookieExchange: false } },
  { name: 'DTLS 1.3 X25519MLKEM768 (HRR cookie)', client: { versions: ['1.3'], groups13: ['x25519mlkem768', 'x25519'] }, server: { versions: ['1.3'], groups13: ['x25519mlkem768', 'x25519'] } },
  { name: 'DTLS 1.3 X25519MLKEM768 (no cookie)', client: { versions: ['1.3'], groups13: ['x25519mlkem768', 'x25519'] }, server: { versions: ['1.3'], groups13: ['x25519mlkem768', 'x25519'], cookieExchange: false } },
];

export interface Measured {
  readonly connected: number;
  readonly ms: number;
  readonly datagrams: number;
  readonly bytes: number;
}

/** One handshake on a 20 ms link (40 ms RTT) with `loss` each way. */
export function measure(c: (typeof CASES)[number], loss: number, seed: number): Measured {
  const { net, client, server } = versionedPair({ link: { delay: 20_000, loss }, seed, client: c.client, server: c.server });
  net.run(120_000_000);
  const ok = client.state === 'connected' && server.state === 'connected';
  const done = Math.max(client.connectedAt ?? 0, server.connectedAt ?? 0);
  const dtlsHops = net.trace.hops.filter((h) => h.t <= done + 1 && h.link !== undefined);
  const sent = client.stats.datagramsSent + server.stats.datagramsSent;
  return { connected: ok ? 1 : 0, ms: ok ? done / 1000 : NaN, datagrams: sent, bytes: dtlsHops.reduce((n, h) => n + h.bytes.length, 0) };
}

if (process.argv[1]?.endsWith('dtls-versions.ts')) {
  const seeds = Number(process.argv[2] ?? 20);
  console.log(`| case | link | connected | handshake ms (mean) | datagrams sent (mean) |`);
  console.log(`|---|---|---|---|---|`);
  for (const loss of [0, 0.1]) {
    for (const c of CASES) {
      const runs = Array.from({ length: seeds }, (_, i) => measure(c, loss, i + 1));
      const ok = runs.filter((r) => r.connected);
      const mean = (f: (r: Measured) => number, rs: Measured[]): string => (rs.reduce((n, r) => n + f(r), 0) / rs.length).toFixed(1);
      console.log(`| ${c.name} | ${loss ? `${loss * 100}% loss each way` : 'clean'} | ${ok.length}/${seeds} | ${mean((r) => r.ms, ok)} | ${mean((r) => r.datagrams, runs)} |`);
    }
  }
}
