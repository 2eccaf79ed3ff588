import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { decodeSctpPacket } from '../wire/sctp/decode.ts';
import type { SctpChunk } from '../wire/sctp/chunk.ts';
import { SctpAssociation, type SctpAssociationOptions, type SctpOutput } from './association.ts';

/**
 * Two associations joined by a one-way delay and a drop rule, driven by a tiny deterministic event loop (always the
 * earliest of the packets in transit and the two deadlines), for tests. Records every packet's chunks.
 */
export interface Wire {
  readonly t: Micros;
  readonly from: 'a' | 'b';
  readonly chunks: readonly SctpChunk[];
  readonly dropped: boolean;
  /** The association asked for it to go with DF clear (over the packet size in use, RFC 9260 §6.9). */
  readonly mayFragment: boolean;
}

export class SctpPair {
  readonly a: SctpAssociation;
  readonly b: SctpAssociation;
  now: Micros = 0;
  readonly wire: Wire[] = [];
  readonly outputs: { a: SctpOutput[]; b: SctpOutput[] } = { a: [], b: [] };
  private transit: { at: Micros; to: 'a' | 'b'; bytes: Uint8Array; seq: number }[] = [];
  private seq = 0;
  private deadline: { a: Micros | undefined; b: Micros | undefined } = { a: undefined, b: undefined };

  constructor(
    opts: { seed?: number; a?: Partial<SctpAssociationOptions>; b?: Partial<SctpAssociationOptions> } = {},
    readonly delay: Micros = 20_000,
    /** Whether to drop the n-th packet (0-based, both directions counted together) with these chunks. */
    public drop: (n: number, from: 'a' | 'b', chunks: readonly SctpChunk[], mayFragment: boolean) => boolean = () => false,
  ) {
    const rng = Rng.fromSeed(opts.seed ?? 1);
    this.a = new SctpAssociation({ rng: rng.fork('a'), ...opts.a });
    this.b = new SctpAssociation({ rng: rng.fork('b'), ...opts.b });
  }

  side(x: 'a' | 'b'): SctpAssociation {
    return x === 'a' ? this.a : this.b;
  }

  /** Polls one side until it waits, putting its packets in transit. */
  pump(x: 'a' | 'b'): void {
    const e = this.side(x);
    for (let i = 0; i < 100_000; i++) {
      const o = e.poll(this.now);
      if (o.type === 'timeout') return void (this.deadline[x] = o.at);
      if (o.type === 'idle') return void (this.deadline[x] = undefined);
      this.outputs[x].push(o);
      if (o.type === 'transmit') {
        const chunks = decodeSctpPacket(o.bytes, { spans: false }).value?.chunks ?? [];
        const mayFragment = o.mayFragment === true;
        const dropped = this.drop(this.wire.length, x, chunks, mayFragment);
        this.wire.push({ t: this.now, from: x, chunks, dropped, mayFragment });
        if (!dropped) this.transit.push({ at: this.now + this.delay, to: x === 'a' ? 'b' : 'a', bytes: o.bytes, seq: this.seq++ });
      }
    }
    throw new Error('poll did not settle');
  }

  /** Runs until `until` or until nothing is pending. */
  run(until: Micros): void {
    this.pump('a');
    this.pump('b');
    for (let i = 0; i < 1_000_000; i++) {
      let next: Micros | undefined;
      let what: 'packet' | 'a' | 'b' | undefined;
      for (const p of this.transit) if (next === undefined || p.at < next) [next, what] = [p.at, 'packet'];
      for (const x of ['a', 'b'] as const) {
        const d = this.deadline[x];
        if (d !== undefined && (next === undefined || d < next)) [next, what] = [d, x];
      }
      if (next === undefined || next > until) {
        this.now = until;
        return;
      }
      this.now = Math.max(this.now, next);
      if (what === 'packet') {
        this.transit.sort((p, q) => p.at - q.at || p.seq - q.seq);
        const p = this.transit.shift()!;
        this.side(p.to).handlePacket(this.now, p.bytes);
        this.pump(p.to);
      } else if (what) {
        this.deadline[what] = undefined;
        this.side(what).handleTimeout(this.now);
        this.pump(what);
      }
    }
    throw new Error('run did not settle');
  }

  /** Messages one side delivered, as text. */
  messages(x: 'a' | 'b'): string[] {
    return this.outputs[x].flatMap((o) => (o.type === 'message' ? [new TextDecoder().decode(o.bytes)] : []));
  }

  notes(x: 'a' | 'b', kind?: string): string[] {
    return this.outputs[x].flatMap((o) => (o.type === 'note' && (!kind || o.note.kind === kind) ? [o.note.text] : []));
  }
}
