import type { TransportAddress } from '../core/endpoint.ts';
import { SECOND } from '../core/time.ts';
import type { Direction, FirewallPolicy } from '../net/firewall-box.ts';

export const FIREWALL_PRESET_NAMES = ['block-udp', 'allow-outbound-tcp-web-only', 'drop-all-inbound', 'allow-all'] as const;
export type FirewallPresetName = (typeof FIREWALL_PRESET_NAMES)[number];

const key = (p: string, a: TransportAddress, b: TransportAddress): string => `${p}|${a.ip}|${a.port}|${b.ip}|${b.port}`;

/**
 * Stateful connection tracking: a flow started from inside lets its replies back in until it idles out
 * (UDP 30 s without a reply, 120 s once answered, like Linux conntrack's defaults; TCP 5 days when established).
 */
class ConnTrack {
  private readonly flows = new Map<string, number>();
  constructor(private readonly idle: number) {}
  seenOutbound(now: number, proto: string, src: TransportAddress, dst: TransportAddress): void {
    this.flows.set(key(proto, dst, src), now + this.idle);
  }
  isReply(now: number, proto: string, src: TransportAddress, dst: TransportAddress): boolean {
    const k = key(proto, src, dst);
    const until = this.flows.get(k);
    if (until === undefined) return false;
    if (until < now) {
      this.flows.delete(k);
      return false;
    }
    this.flows.set(k, Math.max(until, now + this.idle));
    return true;
  }
}

/** The firewall behaviour a preset name stands for. */
export function firewallPolicy(preset: FirewallPresetName): FirewallPolicy {
  const ct = new ConnTrack(120 * SECOND);
  switch (preset) {
    case 'allow-all':
      return { name: preset, decide: () => ({ allow: true }) };
    case 'block-udp':
      return {
        name: preset,
        decide: (_now, _dir, proto) => (proto === 'udp' ? { allow: false, reason: 'rule block-udp: all UDP is dropped' } : { allow: true }),
      };
    case 'allow-outbound-tcp-web-only':
      return {
        name: preset,
        decide: (now, dir: Direction, proto, src, dst) => {
          if (dir === 'outbound') {
            if (proto === 'tcp' && (dst.port === 80 || dst.port === 443)) {
              ct.seenOutbound(now, proto, src, dst);
              return { allow: true };
            }
            return { allow: false, reason: `rule allow-outbound-tcp-web-only: only TCP to ports 80 and 443 may leave (${proto.toUpperCase()} to port ${dst.port})` };
          }
          return ct.isReply(now, proto, src, dst) ? { allow: true } : { allow: false, reason: 'rule allow-outbound-tcp-web-only: inbound traffic that is not a reply' };
        },
      };
    case 'drop-all-inbound':
      return {
        name: preset,
        decide: (now, dir: Direction, proto, src, dst) => {
          if (dir === 'outbound') {
            ct.seenOutbound(now, proto, src, dst);
            return { allow: true };
          }
          return ct.isReply(now, proto, src, dst)
            ? { allow: true }
            : { allow: false, reason: 'rule drop-all-inbound: not a reply to a flow started inside' };
        },
      };
  }
}
