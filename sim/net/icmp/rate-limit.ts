import type { Micros } from '../../core/time.ts';
import { MS, SECOND } from '../../core/time.ts';

/** How a node limits the ICMP errors it sends; Linux's defaults (net.ipv4.icmp_ratelimit, icmp_msgs_per_sec). */
export interface IcmpRateLimits {
  /** One error per destination per this interval, with bursts of `burst` (Linux: 1000 ms, XRLIM_BURST_FACTOR 6). */
  readonly perDestinationInterval: Micros;
  readonly burst: number;
  /** A node-wide cap in errors per second, with its own burst (Linux: 1000/s, burst 50). */
  readonly perSecond: number;
  readonly globalBurst: number;
}

export const LINUX_ICMP_LIMITS: IcmpRateLimits = { perDestinationInterval: 1000 * MS, burst: 6, perSecond: 1000, globalBurst: 50 };

/**
 * Token buckets as Linux keeps them (inet_peer_xrlim_allow): a destination not seen before starts with a full
 * bucket, each error spends one interval's worth, and elapsed time refills it up to `burst` intervals. Errors that
 * path-MTU discovery needs (Fragmentation Needed, Packet Too Big) are never limited, as in Linux.
 */
export class IcmpRateLimiter {
  private readonly peers = new Map<string, { tokens: number; last: Micros }>();
  private globalTokens: number;
  private globalLast: Micros = 0;
  limited = 0;

  constructor(readonly limits: IcmpRateLimits = LINUX_ICMP_LIMITS) {
    this.globalTokens = limits.globalBurst;
  }

  allow(now: Micros, destination: string, pmtu: boolean): boolean {
    if (pmtu) return true;
    const l = this.limits;
    // node-wide bucket: perSecond tokens a second, at most globalBurst
    this.globalTokens = Math.min(l.globalBurst, this.globalTokens + ((now - this.globalLast) * l.perSecond) / SECOND);
    this.globalLast = now;
    if (this.globalTokens < 1) {
      this.limited++;
      return false;
    }
    const cap = l.burst * l.perDestinationInterval;
    let p = this.peers.get(destination);
    if (!p) {
      if (this.peers.size >= 4096) this.peers.clear(); // bounded: a flood of sources cannot grow it
      this.peers.set(destination, (p = { tokens: cap, last: now }));
    }
    p.tokens = Math.min(cap, p.tokens + (now - p.last));
    p.last = now;
    if (p.tokens < l.perDestinationInterval) {
      this.limited++;
      return false;
    }
    p.tokens -= l.perDestinationInterval;
    this.globalTokens -= 1;
    return true;
  }
}
