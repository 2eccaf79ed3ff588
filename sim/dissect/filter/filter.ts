import type { DissectedPacket } from '../types.ts';
import type { FieldDef, FieldValue, FrameInfo } from './field-def.ts';
import { fieldDef, fieldValues, similarFields } from './fields.ts';
import { FilterError, formatFilterError, type CompareOp } from './lexer.ts';
import { formatIp } from '../../wire/ip/address.ts';
import { parseFilter, type Expr, type Word } from './parser.ts';
import { contains, equals, literalFor, matches, order, parseInteger, regexLiteral, type Literal } from './values.ts';

export { FilterError, formatFilterError };
export type { FrameInfo };

/**
 * Display filters (`rtclab dissect -Y`, the visualizer's filter box): the language of Wireshark's display filters
 * over our dissection, with tshark's field names. Semantics as tshark 4.0's: a comparison holds when ANY value of
 * the field satisfies it (`ip.addr == X` for source or destination), except `!=`, which holds when none is equal
 * (`ip.addr != X` drops every packet to or from X); a comparison on a field the packet lacks is false, `!=`
 * included; `matches` is case-insensitive unless the expression starts with (?-i); `contains` is not.
 */
export interface DisplayFilter {
  /** The filter as written. */
  readonly text: string;
  /** The fields and protocols it reads. */
  readonly fields: readonly string[];
  test(p: DissectedPacket, frame: FrameInfo): boolean;
}

type Test = (p: DissectedPacket, frame: FrameInfo) => boolean;
type Values = (p: DissectedPacket, frame: FrameInfo) => FieldValue[];

const NUMERIC = new Set(['uint', 'float', 'bool']);

function resolve(w: Word, used: Set<string>): FieldDef {
  if (w.quoted) throw new FilterError('a field or protocol name was expected here, not a string', w.pos, w.len);
  const def = fieldDef(w.text);
  if (!def) {
    const near = similarFields(w.text);
    throw new FilterError(`"${w.text}" is neither a field nor a protocol${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`, w.pos, w.len);
  }
  used.add(def.name);
  return def;
}

const reader = (def: FieldDef): Values => (p, frame) => fieldValues(def, p, frame);

/** A right-hand word that names a field (not a protocol): tshark compares the two fields then. */
function rightField(left: FieldDef, w: Word): FieldDef | undefined {
  if (w.quoted) return undefined;
  const def = fieldDef(w.text);
  if (!def || def.type === 'protocol') return undefined;
  const compatible = def.type === left.type || (NUMERIC.has(def.type) && NUMERIC.has(left.type));
  if (!compatible) throw new FilterError(`${left.name} (${left.type}) cannot be compared with ${def.name} (${def.type})`, w.pos, w.len);
  return def;
}

/** A value of a field as a literal of its own type (for a field-to-field comparison). */
function asLiteral(v: FieldValue): Literal {
  if (typeof v === 'number') return { kind: 'number', n: v };
  if (typeof v === 'string') return { kind: 'string', s: v };
  return { kind: 'bytes', b: v };
}

function compile(e: Expr, used: Set<string>): Test {
  switch (e.kind) {
    case 'and': {
      const a = compile(e.left, used);
      const b = compile(e.right, used);
      return (p, f) => a(p, f) && b(p, f);
    }
    case 'or': {
      const a = compile(e.left, used);
      const b = compile(e.right, used);
      return (p, f) => a(p, f) || b(p, f);
    }
    case 'not': {
      const a = compile(e.expr, used);
      return (p, f) => !a(p, f);
    }
    case 'exists': {
      const values = reader(resolve(e.field, used));
      return (p, f) => values(p, f).length > 0;
    }
    case 'in': {
      const def = resolve(e.left, used);
      const values = reader(def);
      const members = e.members.map((m) => member(def, m));
      return (p, f) => values(p, f).some((v) => members.some((t) => t(v)));
    }
    case 'compare': {
      const def = resolve(e.left, used);
      const values = reader(def);
      const op = e.op;
      if (op === 'matches') {
        if (def.type !== 'string' && def.type !== 'bytes' && def.type !== 'protocol') throw new FilterError(`matches works on text and bytes; ${def.name} is ${def.type === 'uint' ? 'a number' : def.type}`, e.opToken.pos, e.opToken.len);
        const lit = regexLiteral(e.right);
        return (p, f) => values(p, f).some((v) => matches(v, lit));
      }
      if (op === 'contains' && def.type !== 'string' && def.type !== 'bytes' && def.type !== 'protocol') {
        throw new FilterError(`contains works on text and bytes; ${def.name} is ${def.type === 'uint' ? 'a number' : def.type} (compare it with ==)`, e.opToken.pos, e.opToken.len);
      }
      const other = rightField(def, e.right);
      if (other) {
        used.add(other.name);
        const rights = reader(other);
        return (p, f) => {
          const rs = rights(p, f).map(asLiteral);
          const ls = values(p, f);
          if (op === '!=') return ls.length > 0 && rs.length > 0 && !ls.some((v) => rs.some((r) => equals(v, r)));
          return ls.some((v) => rs.some((r) => holds(op, v, r)));
        };
      }
      const lit = literalFor(def.type, e.right, def.name);
      if (op === '!=') {
        return (p, f) => {
          const vs = values(p, f);
          return vs.length > 0 && !vs.some((v) => equals(v, lit));
        };
      }
      return (p, f) => values(p, f).some((v) => holds(op, v, lit));
    }
  }
}

function holds(op: CompareOp, v: FieldValue, lit: Literal): boolean {
  switch (op) {
    case '==':
      return equals(v, lit);
    case '!=':
      return !equals(v, lit);
    case 'contains':
      return contains(v, lit);
    case 'matches':
      return matches(v, lit);
    default: {
      const o = order(v, lit);
      if (o === undefined) return false;
      return op === '<' ? o < 0 : op === '>' ? o > 0 : op === '<=' ? o <= 0 : o >= 0;
    }
  }
}

/** One member of a set: a value, or for numbers a range `a..b` (both ends included). */
function member(def: FieldDef, w: Word): (v: FieldValue) => boolean {
  const range = !w.quoted && NUMERIC.has(def.type) ? /^(.+?)\.\.(.+)$/.exec(w.text) : null;
  if (range) {
    const lo = literalFor(def.type, { ...w, text: range[1]!, len: range[1]!.length }, def.name);
    const hi = literalFor(def.type, { ...w, text: range[2]!, pos: w.pos + range[1]!.length + 2, len: range[2]!.length }, def.name);
    return (v) => (order(v, lo) ?? -1) >= 0 && (order(v, hi) ?? 1) <= 0;
  }
  const lit = literalFor(def.type, w, def.name);
  return (v) => equals(v, lit);
}

/** Compiles a display filter; throws FilterError (with the column of the faulty token) when it cannot. */
export function compileFilter(text: string): DisplayFilter {
  const used = new Set<string>();
  const test = compile(parseFilter(text), used);
  return { text, fields: [...used], test };
}

/** Compiles a filter, or says why not: the error message and the filter with a caret under the faulty token. */
export function tryCompileFilter(text: string): { filter: DisplayFilter } | { error: FilterError; explained: string } {
  try {
    return { filter: compileFilter(text) };
  } catch (e) {
    if (e instanceof FilterError) return { error: e, explained: formatFilterError(text, e) };
    throw e;
  }
}

/** The values of a field in a packet as text (a packet list column): numbers in decimal, bytes in aa:bb hex. */
export function fieldText(name: string, p: DissectedPacket, frame: FrameInfo): string | undefined {
  const def = fieldDef(name);
  if (!def) return undefined;
  return fieldValues(def, p, frame).map((v) => showValue(def, v)).join(',');
}

export function showValue(def: FieldDef, v: FieldValue): string {
  if (typeof v === 'number') return def.type === 'float' ? v.toFixed(6) : String(v);
  if (typeof v === 'string') return v;
  if (def.type === 'ipv4' || def.type === 'ipv6') return formatIp(v);
  if (def.type === 'protocol') return def.name;
  return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export { parseInteger };
