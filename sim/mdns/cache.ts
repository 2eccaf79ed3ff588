import { SECOND, type Micros } from '../core/time.ts';
import type { DnsRecord } from '../wire/dns/message.ts';

/** One address record as the cache keeps it. */
interface Cached {
  readonly address: string;
  /** When it was heard. */
  readonly heard: Micros;
  /** When it stops being an answer (its TTL after it was heard; one second after a goodbye, §10.1). */
  readonly expires: Micros;
}

/**
 * A querier's cache of A and AAAA records (RFC 6762 §10): a record heard is an answer until its TTL runs out, so a
 * name asked again within it is answered without a query; after it, the name is asked on the link again. A record
 * with TTL 0 is a goodbye: it is kept one more second and then gone (§10.1). A record with the cache-flush bit
 * replaces the name's other records of its type heard more than a second before (§10.2). Continuous querying to
 * refresh records (§5.2) is not done: a record just expires.
 */
export class MdnsCache {
  private readonly records = new Map<string, Cached[]>(); // name/type → records

  private static key(name: string, type: number): string {
    return `${name.toLowerCase().replace(/\.$/, '')}/${type}`;
  }

  /** Takes an address record heard at `now`; returns what it did, for a note. */
  put(r: DnsRecord, now: Micros): 'added' | 'refreshed' | 'goodbye' | undefined {
    if (r.address === undefined) return undefined;
    const key = MdnsCache.key(r.name, r.type);
    const had = (this.records.get(key) ?? []).filter((c) => c.expires > now);
    // §10.2: cache-flush: the name's records of this type older than one second are stale
    const kept = r.cacheFlush ? had.filter((c) => now - c.heard < SECOND) : had;
    const same = kept.find((c) => c.address === r.address);
    const rest = kept.filter((c) => c !== same);
    // §10.1: a goodbye (TTL 0) leaves the record one second more
    const expires = now + (r.ttl === 0 ? SECOND : r.ttl * SECOND);
    if (r.ttl === 0 && !same) {
      this.records.set(key, rest);
      return undefined;
    }
    this.records.set(key, [...rest, { address: r.address, heard: now, expires }]);
    return r.ttl === 0 ? 'goodbye' : same ? 'refreshed' : 'added';
  }

  /** The newest live address for a name (A or AAAA, as `types` lists them), with the seconds it has left. */
  lookup(name: string, types: readonly number[], now: Micros): { address: string; remaining: number } | undefined {
    let best: Cached | undefined;
    for (const t of types) {
      for (const c of this.records.get(MdnsCache.key(name, t)) ?? []) if (c.expires > now && (!best || c.heard > best.heard)) best = c;
    }
    return best ? { address: best.address, remaining: (best.expires - now) / SECOND } : undefined;
  }
}
