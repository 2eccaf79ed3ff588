import type { Micros } from '../../core/time.ts';
import { classifyDrop, type Drop } from '../drops.ts';
import type { TraceIndex } from '../trace-index.ts';

/** The flight a DTLS endpoint sent last and kept retransmitting, and what became of its datagrams. */
export interface LastFlight {
  readonly flight: number;
  readonly messages: readonly string[];
  /** When it was first sent, and how often the timer (or the peer's retransmission) sent it again. */
  readonly sentAt: Micros;
  readonly retransmits: number;
  /** The timeout before the last retransmission (µs): the doubling of RFC 6347 §4.2.4.1. */
  readonly lastTimeout: number | undefined;
  readonly notes: readonly number[];
}

/** RFC 7983 §7: a UDP payload whose first byte is 20–63 is DTLS. */
function isDtls(bytes: Uint8Array): boolean {
  const ihl = bytes[0]! >> 4 === 4 ? (bytes[0]! & 0x0f) * 4 : 40;
  const first = bytes[ihl + 8];
  return first !== undefined && first >= 20 && first <= 63;
}

/** The last flight `source` sent (dtls.flight.sent) with its retransmissions (dtls.flight.retransmit). */
export function lastFlight(x: TraceIndex, source: string): LastFlight | undefined {
  const sent = x.from('dtls.flight.sent', source);
  const last = sent[sent.length - 1];
  if (!last) return undefined;
  const again = x.from('dtls.flight.retransmit', source).filter((r) => r.n.data.flight === last.n.data.flight && r.i > last.i);
  const firstOfFlight = sent.find((s) => s.n.data.flight === last.n.data.flight) ?? last;
  return {
    flight: last.n.data.flight,
    messages: [...new Set(sent.filter((s) => s.n.data.flight === last.n.data.flight).flatMap((s) => s.n.data.messages))],
    sentAt: firstOfFlight.n.t,
    retransmits: again.length,
    lastTimeout: again.length > 1 ? again[again.length - 2]!.n.data.timeout : again.length === 1 ? 1_000_000 : undefined,
    notes: [firstOfFlight.i, ...again.map((r) => r.i)],
  };
}

/** Drops of the DTLS datagrams a host sent, wherever on their way they died (any hop of the same packet). */
export function dtlsDropsOnTheWay(x: TraceIndex, host: string): Drop[] {
  const mine = new Set<number>();
  for (const h of x.hops) if (h.from === host && isDtls(h.bytes)) mine.add(h.packet);
  const out: Drop[] = [];
  for (const h of x.hops) {
    if (h.drop === undefined || !mine.has(h.packet)) continue;
    const d = classifyDrop(h);
    if (d) out.push(d);
  }
  return out;
}
