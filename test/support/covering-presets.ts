import { listPresets } from '../../sim/scenario/presets/index.ts';

/**
 * Presets that together run every app kind and every node kind (the first preset of each), so every endpoint,
 * protocol stack and network element is exercised, plus the paths no app kind names: SCTP data channels, ICE-TCP,
 * TURN over TCP, IP fragments, the SFU's RTCP, Firefox's SDP, Janus's SIP plugin, DTLS 1.3 with the hybrid. Tests
 * that run presets several times over (in three runtimes, or twice for determinism) run these; every preset's bytes
 * are pinned once by the golden digests (test/golden), computed in another process.
 */
export function coveringPresets(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of listPresets()) {
    const s = p.build() as { apps?: { kind: string }[]; nodes?: Record<string, { kind: string; preset?: string }> };
    const kinds = [...(s.apps ?? []).map((a) => `app:${a.kind}`), ...Object.values(s.nodes ?? {}).map((n) => `node:${n.kind}:${n.preset ?? ''}`)];
    if (kinds.some((k) => !seen.has(k))) out.push(p.name);
    for (const k of kinds) seen.add(k);
  }
  const extra = ['datachannel-p2p', 'call-ice-tcp', 'call-turn-tcp', 'ip-fragmentation-nat', 'ipv6-fragmentation-pmtu', 'call-sfu-lossy', 'call-firefox-offer', 'janus-sip-call', 'dtls13-hybrid-call'];
  for (const name of extra) if (!out.includes(name) && listPresets().some((p) => p.name === name)) out.push(name);
  return out;
}
