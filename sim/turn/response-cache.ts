import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';

/**
 * Answers to authenticated requests, kept for their retransmissions (RFC 8489 §6.3.1: a server over UDP either
 * is stateless or caches): 40 s each, at most 1,024 server-wide. Insertion order is expiry order, so expired
 * answers and any beyond the cap go from the front: O(1) amortized a request, nothing scanned per datagram.
 */
export class ResponseCache {
  private readonly answers = new Map<string, { bytes: Uint8Array; until: Micros }>();

  constructor(
    readonly keepFor: Micros = 40 * SECOND,
    readonly max = 1024,
  ) {}

  get size(): number {
    return this.answers.size;
  }

  get(now: Micros, key: string): Uint8Array | undefined {
    const a = this.answers.get(key);
    return a && a.until > now ? a.bytes : undefined;
  }

  put(now: Micros, key: string, bytes: Uint8Array): void {
    const c = this.answers;
    c.delete(key);
    c.set(key, { bytes, until: now + this.keepFor });
    for (const [k, v] of c) {
      if (v.until > now && c.size <= this.max) break;
      c.delete(k);
    }
  }
}
