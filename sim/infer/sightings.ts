import { bytesEqual } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';

/**
 * One datagram seen at several vantage points: a multi-link export (one pcapng interface per link, docs/architecture.md: a hop
 * per link crossed) or a capture on a NAT box shows every hop of a datagram, before and after each rewrite. Copies
 * are recognised by the same transport payload bytes and the same IPv4 Identification (a NAT rewrites addresses,
 * ports and checksums, not these) within a short window, so that the story counts each event once.
 */
export interface Sighting {
  readonly packet: number;
  readonly t: Micros;
  /** The capture interface ('' when the capture has one). */
  readonly vantage: string;
  readonly src: string;
  readonly dst: string;
}

export interface SeenDatagram {
  /** Every sighting, the first one first (the one the story counts). */
  readonly sightings: Sighting[];
}

interface Entry {
  readonly payload: Uint8Array;
  readonly id: number | undefined;
  readonly datagram: SeenDatagram;
  last: Micros;
}

/** Copies of one datagram arrive within this of each other (link delays); a retransmission is a new datagram anyway. */
export const SIGHTING_WINDOW_US = 1_000_000;

/** FNV-1a over the payload (a hash to find candidates; equality is checked on the bytes). */
function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

export class SightingIndex {
  private readonly byKey = new Map<string, Entry[]>();
  /** Keys in the order they were last seen, to forget entries past the window. */
  private readonly order: { key: string; t: Micros }[] = [];
  private head = 0;
  /** Sightings that were copies of a datagram seen before. */
  copies = 0;

  constructor(private readonly windowUs: Micros = SIGHTING_WINDOW_US) {}

  /**
   * Records a datagram's transport payload (`id`: IPv4 Identification, undefined for IPv6) as seen at `s`. Returns
   * the datagram it belongs to and whether this sighting repeats one seen before. A copy never repeats a vantage
   * point with the same addresses: that would be the network duplicating it or the sender retransmitting it.
   * An empty payload is never a copy.
   */
  see(payload: Uint8Array, id: number | undefined, s: Sighting): { datagram: SeenDatagram; repeat: boolean } {
    this.expire(s.t);
    // An empty payload (a bare TCP ACK or SYN, an empty UDP datagram) carries nothing to recognise it by: loopback
    // captures show many identical ones on different connections, so each is its own datagram.
    if (payload.length === 0) return { datagram: { sightings: [s] }, repeat: false };
    const key = `${id ?? '-'} ${payload.length} ${fnv1a(payload)}`;
    const list = this.byKey.get(key);
    if (list) {
      for (let i = list.length - 1; i >= 0; i--) {
        const e = list[i]!;
        if (e.id !== id || s.t - e.last > this.windowUs || !bytesEqual(e.payload, payload)) continue;
        if (e.datagram.sightings.some((x) => x.vantage === s.vantage && x.src === s.src && x.dst === s.dst)) break;
        e.datagram.sightings.push(s);
        e.last = s.t;
        this.order.push({ key, t: s.t });
        this.copies++;
        return { datagram: e.datagram, repeat: true };
      }
    }
    const datagram: SeenDatagram = { sightings: [s] };
    const entry: Entry = { payload, id, datagram, last: s.t };
    if (list) list.push(entry);
    else this.byKey.set(key, [entry]);
    this.order.push({ key, t: s.t });
    return { datagram, repeat: false };
  }

  private expire(now: Micros): void {
    while (this.head < this.order.length && now - this.order[this.head]!.t > this.windowUs) {
      const { key } = this.order[this.head++]!;
      const list = this.byKey.get(key);
      if (!list) continue;
      const keep = list.filter((e) => now - e.last <= this.windowUs);
      if (keep.length) this.byKey.set(key, keep);
      else this.byKey.delete(key);
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}
