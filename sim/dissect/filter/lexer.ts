/**
 * The display filter's tokens (the language of Wireshark's display filters, wireshark-filter(4)): words (field
 * names and unquoted values: `ip.src`, `10.0.0.0/8`, `fe80::1`, `aa:bb:cc`, `0x1234`), quoted strings,
 * comparison and logical operators in symbol or word form, parentheses and set braces.
 */

export type TokenKind = 'word' | 'string' | 'op' | 'and' | 'or' | 'not' | 'in' | '(' | ')' | '{' | '}' | ',' | 'end';

/** A comparison operator, by its symbol form. */
export type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=' | 'contains' | 'matches';

export interface Token {
  readonly kind: TokenKind;
  /** The word, the string's value (escapes resolved), or the operator in symbol form. */
  readonly text: string;
  /** Where it starts in the filter (0-based) and how many characters it takes. */
  readonly pos: number;
  readonly len: number;
}

/** A filter that cannot be read: what is wrong, and which characters of the filter (0-based column) say so. */
export class FilterError extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly len: number,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

/** The filter, then a caret under the faulty token (tildes along its length), then the message, as tshark does. */
export function formatFilterError(filter: string, e: FilterError, indent = ''): string {
  const pos = Math.min(Math.max(0, e.pos), filter.length);
  const marker = `${' '.repeat(pos)}^${'~'.repeat(Math.max(0, Math.min(e.len, filter.length - pos) - 1))}`;
  return `${indent}${filter}\n${indent}${marker}\n${indent}${e.message}`;
}

const WORD_OPS: Readonly<Record<string, { kind: TokenKind; text: string }>> = {
  eq: { kind: 'op', text: '==' },
  ne: { kind: 'op', text: '!=' },
  lt: { kind: 'op', text: '<' },
  gt: { kind: 'op', text: '>' },
  le: { kind: 'op', text: '<=' },
  ge: { kind: 'op', text: '>=' },
  contains: { kind: 'op', text: 'contains' },
  matches: { kind: 'op', text: 'matches' },
  and: { kind: 'and', text: '&&' },
  or: { kind: 'or', text: '||' },
  not: { kind: 'not', text: '!' },
  in: { kind: 'in', text: 'in' },
};

/** Symbols, longest first. */
const SYMBOLS: readonly [string, TokenKind, string][] = [
  ['==', 'op', '=='],
  ['!=', 'op', '!='],
  ['<=', 'op', '<='],
  ['>=', 'op', '>='],
  ['&&', 'and', '&&'],
  ['||', 'or', '||'],
  ['<', 'op', '<'],
  ['>', 'op', '>'],
  ['~', 'op', 'matches'],
  ['!', 'not', '!'],
  ['(', '(', '('],
  [')', ')', ')'],
  ['{', '{', '{'],
  ['}', '}', '}'],
  [',', ',', ','],
];

/** Characters of a word: letters, digits and what addresses, byte strings, CIDR and ranges are written with. */
const isWordChar = (c: string): boolean => /[A-Za-z0-9_.:/\-]/.test(c);

/** Splits a filter into tokens; the last is always `end`. Throws FilterError at the first unreadable character. */
export function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterError('this string has no closing quote', start, src.length - start);
        const d = src[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          if (e === undefined) throw new FilterError('this string has no closing quote', start, src.length - start);
          if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(src.slice(i + 2, i + 4))) {
            text += String.fromCharCode(parseInt(src.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"' };
          const v = simple[e];
          if (v === undefined) throw new FilterError(`unknown escape \\${e} in a string (use \\\\, \\", \\n, \\t, \\r, \\0 or \\xHH)`, i, 2);
          text += v;
          i += 2;
          continue;
        }
        text += d;
        i++;
      }
      out.push({ kind: 'string', text, pos: start, len: i - start });
      continue;
    }
    if (isWordChar(c)) {
      const start = i;
      while (i < src.length && isWordChar(src[i]!)) i++;
      const w = src.slice(start, i);
      const op = WORD_OPS[w];
      out.push(op ? { kind: op.kind, text: op.text, pos: start, len: w.length } : { kind: 'word', text: w, pos: start, len: w.length });
      continue;
    }
    const sym = SYMBOLS.find(([s]) => src.startsWith(s, i));
    if (sym) {
      out.push({ kind: sym[1], text: sym[2], pos: i, len: sym[0].length });
      i += sym[0].length;
      continue;
    }
    if (c === '[') throw new FilterError('field slices ([i:j]) are not supported', i, 1);
    if (c === '=') throw new FilterError('"=" is not an operator: did you mean "=="?', i, 1);
    if (c === '&' || c === '|') throw new FilterError(`"${c}" alone is not an operator: did you mean "${c}${c}"?`, i, 1);
    throw new FilterError(`unexpected character "${c}"`, i, 1);
  }
  out.push({ kind: 'end', text: '', pos: src.length, len: 1 });
  return out;
}
