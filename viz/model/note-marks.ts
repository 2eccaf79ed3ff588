import type { Note } from '../../sim/core/trace.ts';

/**
 * The state changes drawn on the ladder as marks on their node's lane (a NAT mapping created, an ICE pair
 * succeeding, DTLS connected and keys derived, an SFU producer or consumer created, failures): which notes, the
 * short label and colour of each, and the lane it belongs to (a simulated note's source names its node, "natA" or
 * "alice/ice"; an inferred one from a capture names an address, "capture/ice 10.0.0.1:5000").
 */
export interface NoteMark {
  readonly note: number;
  readonly t: number;
  readonly lane: number;
  readonly label: string;
  readonly colour: string;
}

const OK = '#7bd88f';
const INFO = '#8fb8ff';
const BAD = '#ff6b6b';

/** Kind → label and colour, or a function of the note (undefined: not a mark). */
const MARKS: Record<string, (n: Note) => { label: string; colour: string } | undefined> = {
  'nat.mapping.created': () => ({ label: 'mapping created', colour: INFO }),
  'nat.mapping.expired': () => ({ label: 'mapping expired', colour: BAD }),
  'nat.mapping.inferred': () => ({ label: 'NAT mapping seen', colour: INFO }),
  'ice.pair.state': (n) => (n.data?.state === 'succeeded' ? { label: 'pair succeeded', colour: OK } : n.data?.state === 'failed' ? { label: 'pair failed', colour: BAD } : undefined),
  'ice.selected': () => ({ label: 'pair selected', colour: OK }),
  'ice.consent.lost': () => ({ label: 'consent lost', colour: BAD }),
  'ice.restart': () => ({ label: 'ICE restart', colour: INFO }),
  'dtls.state': (n) => (n.data?.to === 'connected' ? { label: 'DTLS connected', colour: OK } : n.data?.to === 'failed' ? { label: 'DTLS failed', colour: BAD } : undefined),
  'dtls.keys': () => ({ label: 'keys derived', colour: OK }),
  'srtp.keyed': () => ({ label: 'SRTP keyed', colour: OK }),
  'dtls.fingerprint.mismatch': () => ({ label: 'fingerprint mismatch', colour: BAD }),
  'dtls.alert.sent': () => ({ label: 'alert sent', colour: BAD }),
  'turn.allocation.created': () => ({ label: 'allocation', colour: INFO }),
  'sfu.transport.connected': () => ({ label: 'transport connected', colour: OK }),
  'sfu.producer.created': () => ({ label: 'producer created', colour: INFO }),
  'sfu.consumer.created': () => ({ label: 'consumer created', colour: INFO }),
};

/** The lane a note belongs to, or -1. */
export function laneOfNote(n: Note, lanes: readonly string[]): number {
  const node = n.source.split(/[/ ]/)[0]!;
  const direct = lanes.indexOf(node);
  if (direct >= 0) return direct;
  // "capture/ice 10.0.0.1:5000", "capture/dtls UDP a b": the first address in the source
  for (const word of n.source.split(' ').slice(1)) {
    const ip = word.startsWith('[') ? word.slice(1, word.indexOf(']')) : word.replace(/:\d+$/, '');
    const i = lanes.indexOf(ip);
    if (i >= 0) return i;
  }
  return -1;
}

export function noteMarks(notes: readonly Note[], lanes: readonly string[]): NoteMark[] {
  const out: NoteMark[] = [];
  notes.forEach((n, i) => {
    const m = MARKS[n.kind]?.(n);
    if (!m) return;
    const lane = laneOfNote(n, lanes);
    if (lane >= 0) out.push({ note: i, t: n.t, lane, ...m });
  });
  return out;
}
