import { decodeSctpInitAttribute } from '../wire/sctp/snap.ts';
import type { SdpRowStatus } from './align.ts';

/**
 * The SDP view's reading of an `a=sctp-init` row (SNAP, draft-hancke-tsvwg-snap-00): each side's line decoded as the
 * SCTP INIT chunk it carries, and whether the exchange skips SCTP's four-way handshake (§5, §6).
 */
export function judgeSctpInit(offer: string | undefined, answer: string | undefined): { status: SdpRowStatus; note: string } {
  const read = (line: string) => decodeSctpInitAttribute(line.slice(line.indexOf(':') + 1));
  const o = offer !== undefined ? read(offer) : undefined;
  const a = answer !== undefined ? read(answer) : undefined;
  const side = (who: string, x: ReturnType<typeof read>): string => `${who} ${x.text}${x.init && x.problems.length ? ` (${x.problems.map((p) => p.message).join('; ')})` : ''}`;
  if (o && !o.init) {
    if (a) return { status: 'conflict', note: `${side('offer', o)}; the answer must then carry no a=sctp-init (§5.3), yet it does` };
    return { status: 'offer-only', note: `${side('offer', o)}: no SNAP, SCTP does its INIT/COOKIE handshake` };
  }
  if (o && a) {
    if (!a.init) return { status: 'conflict', note: `${side('offer', o)}; ${side('answer', a)}: the offerer ignores it (§5.4)` };
    return { status: 'differs', note: `SNAP: ${side('offer', o)}; ${side('answer', a)}; the association is ESTABLISHED once DTLS is, no INIT/INIT-ACK/COOKIE exchange (§6)` };
  }
  if (o) return { status: 'offer-only', note: `${side('offer', o)}; the answer has no a=sctp-init: SCTP does its INIT/COOKIE handshake` };
  return { status: 'conflict', note: `${side('answer', a!)}, but the offer had no a=sctp-init (§5.3: the answer carries one only in reply to a valid one)` };
}
