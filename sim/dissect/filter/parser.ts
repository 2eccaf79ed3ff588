import { FilterError, lex, type CompareOp, type Token } from './lexer.ts';

/**
 * The display filter's syntax tree. Precedence as in Wireshark (wireshark-filter(4)): `!`/`not` binds tightest,
 * then `&&`/`and`, then `||`/`or`; parentheses group. A test is a field or protocol name alone (it is present), a
 * comparison `field OP value`, or `field in {v1, v2, a..b}`.
 */

/** A name or value as written, with where it sits in the filter (for errors). */
export interface Word {
  readonly text: string;
  /** True for a quoted string (a value, never a field name). */
  readonly quoted: boolean;
  readonly pos: number;
  readonly len: number;
}

export type Expr =
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly expr: Expr }
  | { readonly kind: 'exists'; readonly field: Word }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly opToken: Token; readonly left: Word; readonly right: Word }
  | { readonly kind: 'in'; readonly left: Word; readonly members: readonly Word[] };

const word = (t: Token): Word => ({ text: t.text, quoted: t.kind === 'string', pos: t.pos, len: t.len });

function describe(t: Token): string {
  if (t.kind === 'end') return 'the end of the filter';
  if (t.kind === 'string') return `the string "${t.text}"`;
  return `"${t.text}"`;
}

/** Parses a filter; throws FilterError naming the token where it went wrong. An empty filter is an error too. */
export function parseFilter(src: string): Expr {
  const toks = lex(src);
  let i = 0;
  const peek = (): Token => toks[i]!;
  const next = (): Token => toks[i++]!;

  const orExpr = (): Expr => {
    let left = andExpr();
    while (peek().kind === 'or') {
      next();
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Expr => {
    let left = unary();
    while (peek().kind === 'and') {
      next();
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): Expr => {
    if (peek().kind === 'not') {
      next();
      return { kind: 'not', expr: unary() };
    }
    return primary();
  };
  const value = (): Word => {
    const t = next();
    if (t.kind === 'word' || t.kind === 'string') return word(t);
    throw new FilterError(`a value was expected here, not ${describe(t)}`, t.pos, t.len);
  };
  const primary = (): Expr => {
    const t = next();
    if (t.kind === '(') {
      const e = orExpr();
      const close = next();
      if (close.kind !== ')') throw new FilterError(`")" was expected here (to close the "(" at column ${t.pos + 1}), not ${describe(close)}`, close.pos, close.len);
      return e;
    }
    if (t.kind === 'string') throw new FilterError('a field or protocol name was expected here, not a string (strings are values: field == "text")', t.pos, t.len);
    if (t.kind !== 'word') throw new FilterError(`a field or protocol name was expected here, not ${describe(t)}`, t.pos, t.len);
    const left = word(t);
    const op = peek();
    if (op.kind === 'op') {
      next();
      return { kind: 'compare', op: op.text as CompareOp, opToken: op, left, right: value() };
    }
    if (op.kind === 'in') {
      next();
      const open = next();
      if (open.kind !== '{') throw new FilterError(`"{" was expected after "in", not ${describe(open)}`, open.pos, open.len);
      const members: Word[] = [];
      while (peek().kind !== '}') {
        if (peek().kind === 'end') throw new FilterError('this set has no closing "}"', open.pos, 1);
        members.push(value());
        if (peek().kind === ',') next();
      }
      next();
      if (members.length === 0) throw new FilterError('an empty set matches nothing', open.pos, 2);
      return { kind: 'in', left, members };
    }
    return { kind: 'exists', field: left };
  };

  if (peek().kind === 'end') throw new FilterError('the filter is empty', 0, 1);
  const e = orExpr();
  const rest = peek();
  if (rest.kind !== 'end') {
    const hint = rest.kind === 'word' || rest.kind === 'string' ? ' (join tests with && or ||, compare with ==)' : '';
    throw new FilterError(`${describe(rest)} was unexpected here${hint}`, rest.pos, rest.len);
  }
  return e;
}
