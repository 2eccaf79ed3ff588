import type { DissectedPacket } from '../../sim/dissect/types.ts';

/**
 * What the one dissection pass keeps of each hop for the keyed packet detail: a 32-bit signature of its keyed
 * dissection (every layer's protocol, span and summary, the problems and the notes: what decryption and flow state
 * decided), 4 bytes a hop. The detail dissects a hop again with spans from a few hops before it (keyed-detail.ts)
 * and checks the answer against this signature: equal, the short replay reached the state the pass had there.
 */
export class KeyedRecord {
  private readonly sigs: number[] = [];

  /** The pass's keyed dissection of the hop (or frame) numbered `at`. */
  observe(at: number, p: DissectedPacket): void {
    this.sigs[at] = packetSignature(p);
  }

  /** Signatures of `n` hops; `hopOf` maps an observed number to its hop (-1: none; default: the same). */
  table(n: number, hopOf: (at: number) => number = (at) => at): Uint32Array {
    const out = new Uint32Array(n);
    this.sigs.forEach((s, at) => {
      const hop = hopOf(at);
      if (hop >= 0 && hop < n) out[hop] = s;
    });
    return out;
  }
}

/**
 * FNV-1a (32 bits) over what a keyed dissection decided of a packet: its layers from IP up (protocol, span,
 * summary above IP and UDP, plaintext length), their problems and the packet's notes.
 */
export function packetSignature(p: DissectedPacket): number {
  let h = 0x811c9dc5;
  const text = (s: string): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193);
  };
  const num = (n: number): void => {
    h = Math.imul(h ^ (n & 0xffff), 0x01000193);
    h = Math.imul(h ^ (n >>> 16), 0x01000193);
  };
  // a captured frame's link layer is not in the trace's hop (an IP datagram): counted from the IP header
  const ip = p.layers.findIndex((l) => l.protocol === 'IPv4' || l.protocol === 'IPv6');
  const base = ip < 0 ? 0 : p.layers[ip]!.offset;
  for (let i = Math.max(0, ip); i < p.layers.length; i++) {
    const l = p.layers[i]!;
    text(l.protocol);
    num(l.offset - base);
    num(l.length);
    // IP and UDP headers read the same with or without state: their summaries (written on first read) are left out
    if (l.protocol !== 'IPv4' && l.protocol !== 'IPv6' && l.protocol !== 'UDP') text(l.summary);
    num(l.plaintext?.length ?? -1);
    for (const x of l.problems) text(x.message);
  }
  for (const n of p.notes ?? []) text(n);
  return h >>> 0;
}
