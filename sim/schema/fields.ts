import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { join, type Check } from './check.ts';

/**
 * Declarative field schemas: each field of a scenario object (an app, a TURN script step) described once, with
 * its type, default, allowed values, a one-line doc and an example. `parseFields` validates an object from its
 * schema, reporting every wrong field through a Check (the messages are Check's); the docs, `rtclab apps` and
 * test/docs.test.ts read the same schema.
 */

/** What a field's parser may look at beyond its value: the scenario's nodes, name → node kind. */
export interface ParseContext {
  readonly kinds: ReadonlyMap<string, string>;
}

export interface FieldType<T> {
  /** How a value is written, for docs: "address:port", "whole number 1–100000", "array of address:port". */
  readonly text: string;
  /** Validates a present value (`undefined` only for a missing required field, to report it). */
  parse(c: Check, path: string, v: unknown, ctx: ParseContext): T | undefined;
  /** An object's fields (also the fields of each entry of an array of objects). */
  readonly fields?: readonly Field[];
  /** An object whose fields depend on a tag field (a TURN script step's `do`). */
  readonly variants?: { readonly tag: string; readonly common: readonly Field[]; readonly of: Readonly<Record<string, readonly Field[]>>; readonly docs: Readonly<Record<string, string>> };
}

export type Presence = 'required' | 'optional' | 'default';

export interface Field<N extends string = string, T = unknown, P extends Presence = Presence> {
  readonly name: N;
  readonly type: FieldType<T>;
  /** required: must be given; optional: may be left out (absent from the result); default: `value` when left out. */
  readonly presence: P;
  readonly value?: T;
  /** The default as the docs show it: "`0`", "`[\"0s\"]`", "none (the root)". */
  readonly defaultText: string;
  /** One line: what the field means. */
  readonly doc: string;
  /** A value that parses, as written in a scenario file. */
  readonly example?: JsonValue;
}

type ValueOf<K> = K extends Field<string, infer T, Presence> ? T : never;

/** The validated object of a field list: required and defaulted fields always there, optional ones maybe. */
export type Values<F extends readonly Field[]> = {
  -readonly [K in F[number] as K extends { presence: 'optional' } ? never : K['name']]: ValueOf<K>;
} & {
  -readonly [K in F[number] as K extends { presence: 'optional' } ? K['name'] : never]?: ValueOf<K>;
};

export function required<N extends string, T>(name: N, type: FieldType<T>, doc: string, example?: JsonValue): Field<N, T, 'required'> {
  return { name, type, presence: 'required', defaultText: 'required', doc, ...(example !== undefined ? { example } : {}) };
}

export function optional<N extends string, T>(name: N, type: FieldType<T>, doc: string, example?: JsonValue, defaultText = 'none'): Field<N, T, 'optional'> {
  return { name, type, presence: 'optional', defaultText, doc, ...(example !== undefined ? { example } : {}) };
}

/** A field taking `value` when left out; `text` is the default as written in a scenario ("`\"50ms\"`"). */
export function withDefault<N extends string, T>(name: N, type: FieldType<T>, value: T, text: string, doc: string, example?: JsonValue): Field<N, T, 'default'> {
  return { name, type, presence: 'default', value, defaultText: text, doc, ...(example !== undefined ? { example } : {}) };
}

/**
 * Validates `o` against `fields`: unknown keys first (listing the allowed ones), then each field in order.
 * Returns the values, or undefined when anything was wrong (then `c` holds why).
 */
export function parseFields<const F extends readonly Field[]>(c: Check, path: string, o: Record<string, unknown>, fields: F, ctx: ParseContext): Values<F> | undefined {
  const before = c.issues.length;
  const out = parseFieldsPartial(c, path, o, fields, ctx);
  return c.issues.length > before ? undefined : (out as Values<F>);
}

/** As parseFields, but returns whatever did validate (for cross-field rules that run even when another field is wrong). */
export function parseFieldsPartial<const F extends readonly Field[]>(c: Check, path: string, o: Record<string, unknown>, fields: F, ctx: ParseContext): Partial<Values<F>> {
  c.onlyKeys(path, o, fields.map((f) => f.name));
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = o[f.name];
    if (raw === undefined) {
      if (f.presence === 'required') f.type.parse(c, join(path, f.name), undefined, ctx);
      else if (f.presence === 'default') out[f.name] = f.value;
      continue;
    }
    const v = f.type.parse(c, join(path, f.name), raw, ctx);
    if (v !== undefined) out[f.name] = v;
  }
  return out as Partial<Values<F>>;
}

// ---- field types ----

export const text: FieldType<string> = { text: 'text', parse: (c, path, v) => c.string(path, v) };

export const bool: FieldType<boolean> = { text: 'true/false', parse: (c, path, v) => c.boolean(path, v) };

export const duration: FieldType<Micros> = { text: 'duration', parse: (c, path, v) => c.duration(path, v) };

export const transport: FieldType<TransportAddress> = { text: 'address:port', parse: (c, path, v) => c.transport(path, v) };

export const ip: FieldType<string> = { text: 'address', parse: (c, path, v) => c.ip(path, v) };

export const cidr: FieldType<{ ip: string; prefix: number }> = { text: 'address/prefix', parse: (c, path, v) => c.cidr(path, v) };

const range = (min: number, max: number): string =>
  min === -Infinity && max === Infinity ? '' : max === Infinity ? ` ≥ ${min}` : min === -Infinity ? ` ≤ ${max}` : ` ${min}–${max}`;

export function integer(min = -Infinity, max = Infinity): FieldType<number> {
  return { text: `whole number${range(min, max)}`, parse: (c, path, v) => c.integer(path, v, min, max) };
}

export function number(min = -Infinity, max = Infinity): FieldType<number> {
  return { text: `number${range(min, max)}`, parse: (c, path, v) => c.number(path, v, min, max) };
}

export function oneOf<const T extends string>(options: readonly T[]): FieldType<T> {
  return { text: options.map((o) => `\`"${o}"\``).join(', '), parse: (c, path, v) => c.oneOf(path, v, options) };
}

/** The name of a node of kind host. */
export const hostName: FieldType<string> = {
  text: 'host name',
  parse(c, path, v, ctx) {
    const host = c.string(path, v);
    if (host !== undefined && ctx.kinds.get(host) !== 'host') c.fail(path, `no host named ${JSON.stringify(host)}`);
    return host;
  },
};

/** An array; `nonEmpty` is the complaint about an empty one. */
export function list<T>(of: FieldType<T>, opts: { nonEmpty?: string } = {}): FieldType<T[]> {
  return {
    text: `array of ${of.fields || of.variants ? 'objects' : of.text}`,
    ...(of.fields ? { fields: of.fields } : {}),
    ...(of.variants ? { variants: of.variants } : {}),
    parse(c, path, v, ctx) {
      const arr = c.array(path, v);
      if (arr === undefined) return undefined;
      if (arr.length === 0 && opts.nonEmpty) c.fail(path, opts.nonEmpty);
      return arr.map((x, i) => of.parse(c, join(path, i), x, ctx)).filter((x): x is T => x !== undefined);
    },
  };
}

/** A nested object with its own fields. */
export function object<const F extends readonly Field[]>(fields: F): FieldType<Values<F>> {
  return {
    text: 'object',
    fields,
    parse(c, path, v, ctx) {
      const o = c.object(path, v);
      return o ? parseFields(c, path, o, fields, ctx) : undefined;
    },
  };
}

/** An object of names to values (TURN users: name → password). */
export function record<T>(of: FieldType<T>, what: string): FieldType<Record<string, T>> {
  return {
    text: what,
    parse(c, path, v, ctx) {
      const o = c.object(path, v);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(o ?? {})) {
        const p = of.parse(c, join(path, k), x, ctx);
        if (p !== undefined) out[k] = p;
      }
      return o ? out : undefined;
    },
  };
}

/**
 * An object whose fields depend on its tag: `common` fields, the tag, then the fields of the tag's variant
 * (allowed keys in that order). The result carries the tag under its name. `docs` says what each variant does.
 */
export function variants<const Tag extends string, const V extends Readonly<Record<string, readonly Field[]>>>(
  tag: Tag,
  common: readonly Field[],
  of: V,
  docs: Readonly<Record<keyof V, string>>,
): FieldType<Record<string, unknown>> {
  const names = Object.keys(of);
  const tagField: Field = { name: tag, type: { text: names.map((n) => `\`"${n}"\``).join(', '), parse: (_c, _p, x) => x }, presence: 'required', defaultText: 'required', doc: '' };
  return {
    text: `object (by \`${tag}\`)`,
    variants: { tag, common, of, docs },
    parse(c, path, v, ctx) {
      const o = c.object(path, v);
      if (!o) return undefined;
      const which = c.oneOf(join(path, tag), o[tag], names);
      if (which === undefined) {
        for (const f of common) if (o[f.name] !== undefined) f.type.parse(c, join(path, f.name), o[f.name], ctx);
        return undefined;
      }
      return parseFields(c, path, o, [...common, tagField, ...of[which]!], ctx);
    },
  };
}

/** A type with its own parser (a port range, a duration or list of durations). */
export function custom<T>(textOf: string, parse: (c: Check, path: string, v: unknown, ctx: ParseContext) => T | undefined): FieldType<T> {
  return { text: textOf, parse };
}

/** A type whose parsed value is transformed (`address/prefix` kept as text). */
export function mapped<A, B>(type: FieldType<A>, f: (a: A) => B): FieldType<B> {
  return { ...type, parse: (c, path, v, ctx) => { const a = type.parse(c, path, v, ctx); return a === undefined ? undefined : f(a); } } as FieldType<B>;
}
