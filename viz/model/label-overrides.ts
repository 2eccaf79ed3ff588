import { typedNotes } from '../../sim/notes/index.ts';
import type { Note } from '../../sim/core/trace.ts';
import { dissectPacket } from '../../sim/dissect/dissect.ts';
import type { DissectedPacket, Protocol } from '../../sim/dissect/types.ts';

/**
 * What the stateful dissection with keys says about one hop where the stateless, keyless one the ladder and list
 * use says less: a Finished record decrypted and verified, TLS application data read as HTTP, a TLS record found by
 * TCP stream reassembly. `decrypted` when some layer was opened with a key (the list marks it).
 */
export interface LabelOverride {
  readonly hop: number;
  readonly summary: string;
  /** Set only when the keyed dissection names another protocol than the keyless one (TCP → TLS). */
  readonly protocol?: Protocol;
  readonly decrypted: boolean;
}

/** The sparse table the worker sends after the trace: overrides in hop order. */
export type LabelOverrides = readonly LabelOverride[];

/**
 * Whether a keyed dissection may deserve an override: DTLS or TLS in its layers, or a decrypted layer. SRTP/SRTCP
 * packets never do: their decrypted RTP would make the table as large as the trace, and their header summary
 * already says what the list needs.
 */
export function overrideCandidate(d: DissectedPacket): boolean {
  let wanted = false;
  for (const l of d.layers) {
    if (l.protocol === 'SRTP' || l.protocol === 'SRTCP') return false;
    if (l.protocol === 'DTLS' || l.protocol === 'TLS' || l.plaintext !== undefined) wanted = true;
  }
  return wanted;
}

/** The keyless dissection the list shows needs no field spans. */
const NO_SPANS = { spans: false } as const;

const decryptedOf = (d: DissectedPacket): boolean => d.layers.some((l) => l.plaintext !== undefined);

/**
 * Collects candidate hops during a stateful pass (the capture load, the simulated trace's SRTP stream pass), keyed
 * by whatever numbers that pass has (frame or hop); `table` compares each with the keyless dissection and keeps
 * only those that differ.
 */
export class LabelOverrideCollector {
  private readonly keys: number[] = [];
  private readonly found: { summary: string; protocol: Protocol; decrypted: boolean }[] = [];

  observe(key: number, keyed: DissectedPacket): void {
    if (!overrideCandidate(keyed)) return;
    this.keys.push(key);
    this.found.push({ summary: keyed.summary, protocol: keyed.protocol, decrypted: decryptedOf(keyed) });
  }

  /**
   * The overrides, in hop order: `hopOf` maps an observed key to its hop (-1: none), `bytesOf` gives a hop's IP
   * datagram for the keyless dissection (what LabelCache shows without an override).
   */
  table(hopOf: (key: number) => number, bytesOf: (hop: number) => Uint8Array | undefined): LabelOverride[] {
    const out: LabelOverride[] = [];
    this.keys.forEach((key, j) => {
      const hop = hopOf(key);
      const bytes = hop >= 0 ? bytesOf(hop) : undefined;
      if (!bytes || bytes.length === 0) return;
      const keyless = dissectPacket(bytes, NO_SPANS);
      const k = this.found[j]!;
      if (k.summary === keyless.summary && k.protocol === keyless.protocol) return;
      out.push({ hop, summary: k.summary, ...(k.protocol !== keyless.protocol ? { protocol: k.protocol } : {}), decrypted: k.decrypted });
    });
    return out.sort((a, b) => a.hop - b.hop);
  }
}

/**
 * Hop index of each captured frame: captureToTrace skips frames with no IP datagram and leaves a `capture.non-ip`
 * note naming each (1-based `frame`), so a frame's hop is its index less the skipped frames before it.
 */
export function frameToHop(notes: readonly Note[]): (frame: number) => number {
  const skipped: number[] = [];
  for (const n of typedNotes(notes)) if (n.kind === 'capture.non-ip') skipped.push(n.data.frame - 1);
  skipped.sort((a, b) => a - b);
  const skip = new Set(skipped);
  return (frame) => {
    if (skip.has(frame)) return -1;
    let lo = 0;
    let hi = skipped.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (skipped[m]! < frame) lo = m + 1;
      else hi = m;
    }
    return frame - lo;
  };
}
