import { L_CAT, MAPPED_TO_NOTHING, NON_ASCII_SPACE, PROHIBITED, RAND_AL_CAT, UNASSIGNED } from './saslprep-tables.ts';

/**
 * SASLprep (RFC 4013), the stringprep (RFC 3454) profile STUN applies to passwords (RFC 5389 §15.4; RFC 8489 uses
 * the PRECIS OpaqueString profile, which gives the same result for the strings seen in practice).
 * Steps: map (§2.1), normalize with NFKC (§2.2, via String.prototype.normalize, so with the runtime's Unicode
 * version rather than 3.2), reject prohibited output (§2.3) and fail the bidi check (§2.4, RFC 3454 §6).
 */

export class SaslprepError extends Error {
  override readonly name = 'SaslprepError';
  constructor(
    readonly reason: 'prohibited' | 'bidi' | 'unassigned',
    message: string,
  ) {
    super(message);
  }
}

class RangeSet {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  constructor(table: string) {
    for (const item of table.trim().split(/\s+/)) {
      const [a, b] = item.split('-');
      this.starts.push(Number.parseInt(a!, 16));
      this.ends.push(Number.parseInt(b ?? a!, 16));
    }
  }
  has(cp: number): boolean {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < this.starts[mid]!) hi = mid - 1;
      else if (cp > this.ends[mid]!) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

let sets: { nothing: RangeSet; space: RangeSet; prohibited: RangeSet; randAL: RangeSet; l: RangeSet; unassigned: RangeSet } | undefined;
function tables(): NonNullable<typeof sets> {
  sets ??= {
    nothing: new RangeSet(MAPPED_TO_NOTHING),
    space: new RangeSet(NON_ASCII_SPACE),
    prohibited: new RangeSet(PROHIBITED),
    randAL: new RangeSet(RAND_AL_CAT),
    l: new RangeSet(L_CAT),
    unassigned: new RangeSet(UNASSIGNED),
  };
  return sets;
}

const u = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

export interface SaslprepOptions {
  /** "Stored strings" reject unassigned code points (RFC 3454 §7); queries (the default) allow them. */
  readonly storedString?: boolean;
}

/** Prepares a string with SASLprep; throws SaslprepError naming the offending character. */
export function saslprep(input: string, options: SaslprepOptions = {}): string {
  const t = tables();
  // RFC 4013 §2.1: non-ASCII spaces to SPACE; "commonly mapped to nothing" characters removed.
  let mapped = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (t.nothing.has(cp)) continue;
    mapped += t.space.has(cp) ? ' ' : ch;
  }
  // RFC 4013 §2.2: Unicode normalization form KC.
  const normalized = mapped.normalize('NFKC');
  const cps = Array.from(normalized, (c) => c.codePointAt(0)!);
  for (const cp of cps) {
    // RFC 4013 §2.3 (and §2.5 for unassigned code points in stored strings).
    if (t.prohibited.has(cp)) throw new SaslprepError('prohibited', `SASLprep: prohibited character ${u(cp)} (RFC 4013 §2.3)`);
    if (options.storedString && t.unassigned.has(cp)) throw new SaslprepError('unassigned', `SASLprep: unassigned code point ${u(cp)} in a stored string (RFC 4013 §2.5)`);
  }
  // RFC 3454 §6: with any RandALCat character there must be no LCat one, and RandALCat must open and close.
  if (cps.some((cp) => t.randAL.has(cp))) {
    const l = cps.find((cp) => t.l.has(cp));
    if (l !== undefined) throw new SaslprepError('bidi', `SASLprep: right-to-left text mixed with left-to-right character ${u(l)} (RFC 3454 §6)`);
    if (!t.randAL.has(cps[0]!) || !t.randAL.has(cps[cps.length - 1]!)) {
      throw new SaslprepError('bidi', 'SASLprep: right-to-left text must begin and end with a right-to-left character (RFC 3454 §6)');
    }
  }
  return normalized;
}
