import type { Field, Problem } from '../wire/field.ts';
import type { Layer, LayerOf, LayerValues, Protocol } from './types.ts';

/**
 * How a kind of layer words itself: its one-line summary and, for a UDP payload, why it was classified so. Both
 * are written from the layer (its typed value) and the two arguments it was made with, the first time they are read.
 */
export interface LayerText<P extends Protocol, A = undefined, B = undefined> {
  summary(layer: LayerOf<P>, a: A, b: B): string;
  classification?(layer: LayerOf<P>, a: A, b: B): string;
}

/** Problems the codec marks as warnings (what real servers do although RFC 8656 forbids it) become notes. */
export const isWarning = (p: Problem): boolean => p.severity === 'warning';

/** One frozen empty list shared by every layer that has no fields or no problems (nobody may add to it). */
export const NONE: readonly never[] = Object.freeze([]);

/** What a `LazyLayer` is made of; `a` and `b` are what its text reads besides the layer (required when not undefined). */
export type LazyLayerOptions<P extends Protocol, A, B> = {
  readonly protocol: P;
  readonly offset: number;
  readonly length: number;
  /** Default: none. */
  readonly fields?: readonly Field[];
  /** Default: none. */
  readonly problems?: readonly Problem[];
  readonly value?: LayerValues[P] | undefined;
  readonly text: LayerText<P, A, B>;
  /** A classification known now (it depends on state that may change); otherwise the text's, when it has one. */
  readonly classification?: string;
} & (undefined extends A ? { readonly a?: A } : { readonly a: A }) &
  (undefined extends B ? { readonly b?: B } : { readonly b: B });

/**
 * A layer whose summary and classification are written the first time they are read: a packet list of thousands
 * shows a screenful, and `rtclab dissect`'s field output or a filter on protocols reads none. It reads as a plain
 * `Layer`. The arguments must not change afterwards (bytes of the packet, a flow's payload context: both are).
 *
 * A spread (`{ ...layer }`) copies own properties only and would drop the two texts: layers handed to code that
 * may spread them are made plain first (`plainLayer`).
 */
export class LazyLayer<P extends Protocol, A = undefined, B = undefined> implements LayerOf<P> {
  #summary: string | undefined;
  /** `null` until worked out (undefined is a valid answer: no classification). */
  #classification: string | undefined | null;
  readonly #text: LayerText<P, A, B>;
  readonly #a: A;
  readonly #b: B;
  readonly protocol: P;
  readonly offset: number;
  readonly length: number;
  readonly fields: readonly Field[];
  readonly problems: readonly Problem[];
  readonly value: LayerValues[P] | undefined;

  constructor(o: LazyLayerOptions<P, A, B>) {
    this.protocol = o.protocol;
    this.offset = o.offset;
    this.length = o.length;
    this.fields = o.fields ?? NONE;
    this.problems = o.problems ?? NONE;
    this.value = o.value;
    this.#text = o.text;
    // absent only when its type admits undefined (LazyLayerOptions requires it otherwise)
    this.#a = (o as { a?: A }).a as A;
    this.#b = (o as { b?: B }).b as B;
    this.#classification = o.classification ?? (o.text.classification ? null : undefined);
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
  const lazy: Layer = l;
  const classification = lazy.classification;
  return {
    protocol: lazy.protocol,
    offset: lazy.offset,
    length: lazy.length,
    summary: lazy.summary,
    fields: lazy.fields,
    problems: lazy.problems,
    ...(classification !== undefined ? { classification } : {}),
    ...(lazy.value !== undefined ? { value: lazy.value } : {}),
  } as Layer;
}
