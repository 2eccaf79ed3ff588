import { dropGroups, type Drop } from '../drops.ts';
import type { TraceIndex } from '../trace-index.ts';
import { turnAttempts } from './turn-attempts.ts';

/**
 * The relay clause of a fix for a host whose direct paths failed: nothing when it had a relayed candidate (its
 * pairs say why that failed too), else what would have given it one.
 */
export function relayFix(x: TraceIndex, source: string, host: string): string | undefined {
  if (x.capture) return undefined;
  if (x.from('ice.candidate.gathered', source).some((c) => c.n.data.type === 'relay')) return undefined;
  const attempts = turnAttempts(x, source);
  if (attempts.length === 0) return `give ${host} a TURN server`;
  const a = attempts[0]!;
  if (a.outcome === 'error') return a.code === 401 ? `give ${host} the right TURN username and password for ${a.server}` : `fix ${host}'s TURN server ${a.server} (it answered ${a.code})`;
  if (a.outcome === 'timeout') return udpBlocked(a.drops) ? `give ${host} a TURN server over TCP or TLS on port 443 (UDP to ${a.server} is blocked at ${udpBlocked(a.drops)})` : `give ${host} a TURN server it can reach (${a.server} never answered)`;
  return undefined;
}

/** The firewall that dropped UDP toward the server, if that is why it never answered. */
export function udpBlocked(drops: readonly Drop[]): string | undefined {
  const g = dropGroups(drops).find((d) => d.drop.kind === 'firewall');
  return g?.drop.where;
}
