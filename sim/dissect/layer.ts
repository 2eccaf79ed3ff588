import type { Field, Problem } from '../wire/field.ts';
import type { Layer, Protocol } from './types.ts';

/**
 * How a kind of layer words itself: its one-line summary and, for a UDP payload, why it was classified so. Both
 * are written from the layer (its value) and the two arguments it was made with, the first time they are read.
 */
export interface LayerText<A, B> {
  summary(layer: Layer, a: A, b: B): string;
  classification?(layer: Layer, a: A, b: B): string;
}

/** One frozen empty list shared by every layer that has no fields or no problems (nobody may add to it). */
export const NONE: readonly never[] = Object.freeze([]);

/**
 * A layer whose summary and classification are written the first time they are read: a packet list of thousands
 * shows a screenful, and `rtclab dissect`'s field output or a filter on protocols reads none. It reads as a plain
 * `Layer`. The arguments must not change afterwards (bytes of the packet, a flow's payload context: both are).
 *
 * A spread (`{ ...layer }`) copies own properties only and would drop the two texts: layers handed to code that
 * may spread them are made plain first (`plainLayer`).
 */
export class LazyLayer<A = undefined, B = undefined> implements Layer {
  #summary: string | undefined;
  /** `null` until worked out (undefined is a valid answer: no classification). */
  #classification: string | undefined | null;
  readonly #text: LayerText<A, B>;
  readonly #a: A;
  readonly #b: B;

  constructor(
    readonly protocol: Protocol,
    readonly offset: number,
    readonly length: number,
    readonly fields: readonly Field[],
    readonly problems: readonly Problem[],
    readonly value: unknown,
    text: LayerText<A, B>,
    a: A,
    b: B,
    /** A classification known now (it depends on state that may change); otherwise the text's, when it has one. */
    classification?: string,
  ) {
    this.#text = text;
    this.#a = a;
    this.#b = b;
    this.#classification = classification ?? (text.classification ? null : undefined);
  }

  get summary(): string {
    return (this.#summary ??= this.#text.summary(this, this.#a, this.#b));
  }

  get classification(): string | undefined {
    if (this.#classification === null) this.#classification = this.#text.classification!(this, this.#a, this.#b);
    return this.#classification;
  }
}

/** The layer as a plain object (its texts written now), safe to spread; a plain layer is returned as it is. */
export function plainLayer(l: Layer): Layer {
  if (!(l instanceof LazyLayer)) return l;
  const classification = l.classification;
  return {
    protocol: l.protocol,
    offset: l.offset,
    length: l.length,
    summary: l.summary,
    fields: l.fields,
    problems: l.problems,
    ...(classification !== undefined ? { classification } : {}),
    ...(l.value !== undefined ? { value: l.value } : {}),
  };
}
