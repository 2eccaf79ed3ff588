import type { StaticBinding } from './config.ts';

/** What a static binding does to one datagram: the rewrite, or why it is dropped. */
export type StaticDecision =
  | { readonly action: 'forward'; readonly change: { readonly src?: string; readonly dst?: string }; readonly binding: StaticBinding; readonly direction: 'in' | 'out' | 'hairpin' }
  | { readonly action: 'drop'; readonly reason: string };

/**
 * A NAT's static 1:1 bindings (RFC 2663 §3.1 static address assignment, RFC 3022 §2.1 Basic NAT): only the IP
 * address changes, never a port, both directions, with no state and no filtering: a datagram to a bound outside
 * address always comes in (an AWS elastic IP's instance is reachable on every port its security group allows).
 * `decide` answers undefined when no binding concerns the datagram, which then goes to the dynamic table.
 */
export class StaticBindings {
  private readonly byInternal = new Map<string, StaticBinding>();
  private readonly byExternal = new Map<string, StaticBinding>();

  constructor(readonly list: readonly StaticBinding[]) {
    for (const b of list) {
      this.byInternal.set(b.internal, b);
      this.byExternal.set(b.external, b);
    }
  }

  get size(): number {
    return this.list.length;
  }

  isBoundExternal(ip: string): boolean {
    return this.byExternal.has(ip);
  }

  ofInternal(ip: string): StaticBinding | undefined {
    return this.byInternal.get(ip);
  }

  ofExternal(ip: string): StaticBinding | undefined {
    return this.byExternal.get(ip);
  }

  decide(fromOutside: boolean, src: string, dst: string): StaticDecision | undefined {
    if (fromOutside) {
      const b = this.byExternal.get(dst);
      return b ? { action: 'forward', change: { dst: b.internal }, binding: b, direction: 'in' } : undefined;
    }
    const to = this.byExternal.get(dst);
    const from = this.byInternal.get(src);
    if (to) {
      // RFC 4787 REQ-9b's rule for a hairpin, here with the sender's own static address
      if (!from) return { action: 'drop', reason: `hairpinning to the 1:1 address ${dst} from ${src}, which has no static binding, is not modelled` };
      return { action: 'forward', change: { src: from.external, dst: to.internal }, binding: to, direction: 'hairpin' };
    }
    return from ? { action: 'forward', change: { src: from.external }, binding: from, direction: 'out' } : undefined;
  }
}
