import { MS, type Micros } from '../core/time.ts';
import type { DnsMessage, DnsRecord } from '../wire/dns/message.ts';
import { DnsType, encodeDnsMessage } from '../wire/dns/message.ts';
import { parseIPv4, parseIPv6 } from '../wire/ip/address.ts';

/** RFC 6762 §8.1: three probes, 250 ms apart; 250 ms after the third without a conflict, the name is the host's. */
export const PROBES = 3;
export const PROBE_INTERVAL: Micros = 250 * MS;
/** §8.2: the host that loses a simultaneous probe tiebreak waits a second and probes again. */
export const TIEBREAK_DEFER: Micros = 1000 * MS;

/** What probing needs of its service: a clock, timers, a way to multicast, and where each outcome goes. */
export interface ProbeOwner {
  now(): Micros;
  at(t: Micros, what: string, fn: () => void): { cancel(): void };
  /** Multicasts a probe on every socket (the first with the QU bit). */
  sendProbe(name: string, n: number, bytes: Uint8Array, unicastResponse: boolean): void;
  /** Probing ended without a conflict: the name may be announced (§8.3). */
  probed(name: string): void;
  /** Lost a tiebreak: probing starts again in a second (§8.2). */
  deferred(name: string, theirs: DnsRecord): void;
}

/**
 * RFC 6762 §8.2: records compared as raw class, type and RDATA bytes, lexicographically later wins; a negative
 * number when ours loses. Identical records are no conflict (0).
 */
export function tiebreak(ours: DnsRecord, theirs: DnsRecord): number {
  const bytes = (r: DnsRecord): number[] => {
    const data = r.address !== undefined ? (r.type === DnsType.AAAA ? parseIPv6(r.address) : parseIPv4(r.address)) : r.data;
    // class IN (1) with the cache-flush bit cleared, as §8.2 compares it, then type, then RDATA
    return [0, 1, r.type >> 8, r.type & 0xff, ...(data ?? [])];
  };
  const a = bytes(ours);
  const b = bytes(theirs);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The probing of one name (RFC 6762 §8.1): a query for the name (type ANY) with the record it proposes in the
 * authority section, sent three times 250 ms apart, the first asking for a unicast answer (QU, §5.4); 250 ms after the
 * third the name is the host's. `stop` ends it (a conflict, or the name withdrawn).
 */
export class Probe {
  private timer: { cancel(): void } | undefined;
  private sent = 0;

  constructor(
    private readonly owner: ProbeOwner,
    readonly record: DnsRecord,
  ) {}

  start(delay: Micros = 0): void {
    this.sent = 0;
    this.timer = this.owner.at(this.owner.now() + delay, 'mdns probe', () => this.next());
  }

  private next(): void {
    if (this.sent === PROBES) {
      this.timer = undefined;
      this.owner.probed(this.record.name);
      return;
    }
    const qu = this.sent === 0;
    const m: DnsMessage = { id: 0, response: false, questions: [{ name: this.record.name, type: DnsType.ANY, ...(qu ? { unicastResponse: true } : {}) }], answers: [], authorities: [{ ...this.record, cacheFlush: false }] };
    this.owner.sendProbe(this.record.name, ++this.sent, encodeDnsMessage(m), qu);
    this.timer = this.owner.at(this.owner.now() + PROBE_INTERVAL, 'mdns probe', () => this.next());
  }

  /** §8.2: another host probes for the same name at the same time: the lexicographically later record wins. */
  simultaneous(theirs: DnsRecord): 'won' | 'lost' | 'same' {
    const c = tiebreak(this.record, theirs);
    if (c >= 0) return c === 0 ? 'same' : 'won';
    this.stop();
    this.owner.deferred(this.record.name, theirs);
    this.start(TIEBREAK_DEFER);
    return 'lost';
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
