import type { TransportAddress } from '../../core/endpoint.ts';
import type { Micros } from '../../core/time.ts';
import { Firewall } from './firewall.ts';
import type { FirewallDirection, FirewallProto } from './rules.ts';
import type { FirewallConfig } from './rules.ts';
import { type FirewallPresetName, firewallPreset } from './presets.ts';

/**
 * The firewall as a plain allow/deny policy, the shape a firewall node consults for each datagram
 * (`decide(now, direction, proto, src, dst)` → allow, or deny with a reason naming the rule). `firewall` is the
 * engine behind it, for its tracked flows and expiry.
 */
export interface FirewallPolicyAdapter {
  readonly name: string;
  readonly firewall: Firewall;
  decide(now: Micros, direction: FirewallDirection, proto: FirewallProto, src: TransportAddress, dst: TransportAddress, tcpFlags?: number, firstByte?: number): { allow: true } | { allow: false; reason: string };
  /** An ICMP error about a datagram of flow `quoted` (see Firewall.decideRelated). */
  decideRelated(now: Micros, direction: FirewallDirection, src: TransportAddress, dst: TransportAddress, quoted: { proto: FirewallProto; src: TransportAddress; dst: TransportAddress }): { allow: true } | { allow: false; reason: string };
}

export function firewallPolicyFrom(name: string, config: FirewallConfig): FirewallPolicyAdapter {
  const firewall = new Firewall(config);
  return {
    name,
    firewall,
    decide(now, direction, proto, src, dst, tcpFlags, firstByte) {
      const d = firewall.decide(now, direction, proto, src, dst, tcpFlags, firstByte);
      return d.action === 'allow' ? { allow: true } : { allow: false, reason: d.reason };
    },
    decideRelated(now, direction, src, dst, quoted) {
      const d = firewall.decideRelated(now, direction, src, dst, quoted);
      return d.action === 'allow' ? { allow: true } : { allow: false, reason: d.reason };
    },
  };
}

export function firewallPolicyFromPreset(name: FirewallPresetName): FirewallPolicyAdapter {
  return firewallPolicyFrom(name, firewallPreset(name));
}
