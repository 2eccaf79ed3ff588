import type { Hop } from '../sim/core/trace.ts';
import { dissectPacket } from '../sim/dissect/dissect.ts';

/**
 * Hops as lines a person reads in a failing test: when, which link, from which node to which, what the packet is
 * (the dissector's one-line summary, as in `rtclab dissect`) and why it was dropped when it was.
 */
export function formatHop(h: Hop): string {
  const ms = (h.t / 1000).toFixed(3).padStart(10);
  const what = dissectPacket(h.bytes, { spans: false }).summary;
  return `#${h.index} ${ms} ms ${h.link} ${h.from}→${h.to} ${what}${h.drop === undefined ? '' : `  [dropped: ${h.drop}]`}`;
}

/**
 * At most `max` of `hops` as lines: all when they fit, otherwise the first and last halves with a line saying how
 * many were left out between them.
 */
export function formatHops(hops: readonly Hop[], max = 12): string[] {
  if (hops.length <= max) return hops.map(formatHop);
  const head = Math.ceil(max / 2);
  const tail = max - head;
  return [...hops.slice(0, head).map(formatHop), `… ${hops.length - max} hops more …`, ...hops.slice(hops.length - tail).map(formatHop)];
}
