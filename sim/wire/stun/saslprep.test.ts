// SASLprep (RFC 4013): the examples of §3, and the mapping, prohibition and bidi rules behind them.
import { describe as suite, expect, it } from 'vitest';
import { saslprep, SaslprepError } from './saslprep.ts';

function reason(input: string): string | undefined {
  try {
    saslprep(input);
    return undefined;
  } catch (e) {
    return e instanceof SaslprepError ? e.reason : 'other';
  }
}

suite('SASLprep, RFC 4013 §3 examples', () => {
  it('#1 maps SOFT HYPHEN to nothing: "I\\u00ADX" → "IX"', () => expect(saslprep('I\u00ADX')).toBe('IX'));
  it('#2 leaves "user" alone', () => expect(saslprep('user')).toBe('user'));
  it('#3 preserves case: "USER" stays "USER" and does not match "user"', () => {
    expect(saslprep('USER')).toBe('USER');
    expect(saslprep('USER')).not.toBe(saslprep('user'));
  });
  it('#4 normalizes with NFKC: "\\u00AA" → "a"', () => expect(saslprep('\u00AA')).toBe('a'));
  it('#5 normalizes ROMAN NUMERAL NINE "\\u2168" → "IX", matching #1', () => expect(saslprep('\u2168')).toBe(saslprep('I\u00ADX')));
  it('#6 rejects the control character U+0007', () => expect(reason('\u0007')).toBe('prohibited'));
  it('#7 rejects "\\u0627\\u0031" in the bidi check (RandALCat not last)', () => expect(reason('\u0627\u0031')).toBe('bidi'));
});

suite('SASLprep rules', () => {
  it('maps non-ASCII spaces to SPACE and zero-width characters to nothing', () => {
    expect(saslprep('a\u00A0b\u3000c')).toBe('a b c');
    expect(saslprep('a\u200Bb\uFEFFc')).toBe('abc');
  });
  it('accepts right-to-left text that begins and ends with RandALCat characters', () => {
    expect(saslprep('\u0627\u0031\u0628')).toBe('\u0627\u0031\u0628');
  });
  it('rejects right-to-left text mixed with left-to-right letters', () => expect(reason('\u0627a\u0628')).toBe('bidi'));
  it('rejects private use, non-characters and surrogate-free tagging characters', () => {
    expect(reason('\uE000')).toBe('prohibited');
    expect(reason('\uFFFF')).toBe('prohibited');
    expect(reason('\u{E0041}')).toBe('prohibited');
  });
  it('allows unassigned code points in queries but not in stored strings', () => {
    expect(saslprep('\u0221')).toBe('\u0221'); // unassigned in Unicode 3.2
    expect(() => saslprep('\u0221', { storedString: true })).toThrow(SaslprepError);
  });
});
