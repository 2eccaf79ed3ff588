import { dropGroups, type Drop } from '../drops.ts';
import type { TraceIndex } from '../trace-index.ts';
import type { FindingFacts } from '../types.ts';
import { turnAttempts } from './turn-attempts.ts';

/** What a host whose direct paths failed lacked to get a relayed candidate (relayFix words it). */
export type RelayNeed =
  | { readonly kind: 'turn-server' }
  | { readonly kind: 'turn-credentials'; readonly server: string }
  | { readonly kind: 'turn-error'; readonly server: string; readonly code: number | undefined }
  | { readonly kind: 'turn-tcp'; readonly server: string; readonly firewall: string }
  | { readonly kind: 'turn-reach'; readonly server: string };

/** Nothing when the host had a relayed candidate (its pairs say why that failed too), else what would have given it one. */
export function relayNeed(x: TraceIndex, source: string): RelayNeed | undefined {
  if (x.capture) return undefined;
  if (x.from('ice.candidate.gathered', source).some((c) => c.n.data.type === 'relay')) return undefined;
  const attempts = turnAttempts(x, source);
  if (attempts.length === 0) return { kind: 'turn-server' };
  const a = attempts[0]!;
  if (a.outcome === 'error') return a.code === 401 ? { kind: 'turn-credentials', server: a.server } : { kind: 'turn-error', server: a.server, code: a.code };
  if (a.outcome === 'timeout') {
    const fw = udpBlocked(a.drops);
    return fw ? { kind: 'turn-tcp', server: a.server, firewall: fw } : { kind: 'turn-reach', server: a.server };
  }
  return undefined;
}

/** The relay clause of a fix for a host whose direct paths failed (relayNeed, as a sentence). */
export function relayFix(x: TraceIndex, source: string, host: string): string | undefined {
  const n = relayNeed(x, source);
  if (!n) return undefined;
  switch (n.kind) {
    case 'turn-server':
      return `give ${host} a TURN server`;
    case 'turn-credentials':
      return `give ${host} the right TURN username and password for ${n.server}`;
    case 'turn-error':
      return `fix ${host}'s TURN server ${n.server} (it answered ${n.code})`;
    case 'turn-tcp':
      return `give ${host} a TURN server over TCP or TLS on port 443 (UDP to ${n.server} is blocked at ${n.firewall})`;
    case 'turn-reach':
      return `give ${host} a TURN server it can reach (${n.server} never answered)`;
  }
}

/** relayNeed as Finding.facts: relayKind, relayServer, relayCode, relayFirewall. */
export function relayFacts(n: RelayNeed | undefined): FindingFacts {
  if (!n) return {};
  const out: Record<string, string | number> = { relayKind: n.kind };
  if ('server' in n) out.relayServer = n.server;
  if ('code' in n && n.code !== undefined) out.relayCode = n.code;
  if ('firewall' in n) out.relayFirewall = n.firewall;
  return out;
}

/** The firewall that dropped UDP toward the server, if that is why it never answered. */
export function udpBlocked(drops: readonly Drop[]): string | undefined {
  const g = dropGroups(drops).find((d) => d.drop.kind === 'firewall');
  return g?.drop.where;
}
