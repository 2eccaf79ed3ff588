/** Virtual time: integer microseconds since the start of a run. Never a wall clock. */
export type Micros = number;

export const US = 1;
export const MS = 1_000;
export const SECOND = 1_000_000;

export const ms = (n: number): Micros => Math.round(n * MS);
export const seconds = (n: number): Micros => Math.round(n * SECOND);

const UNIT: Record<string, number> = { us: 1, 'µs': 1, ms: MS, s: SECOND, m: 60 * SECOND, min: 60 * SECOND, h: 3600 * SECOND };

/**
 * Parses a duration such as `30s`, `250ms`, `1.5s`, `2m`, `40us`, or a bare number of microseconds.
 * Returns an error string instead of throwing so that scenario validation can name the field.
 */
export function parseDuration(text: string | number): Micros | { error: string } {
  if (typeof text === 'number') {
    return Number.isFinite(text) && text >= 0 ? Math.round(text) : { error: `expected a non-negative duration, got ${text}` };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|min|h)?\s*$/.exec(text);
  if (!m) return { error: `expected a duration like "30s", "250ms" or "40us", got ${JSON.stringify(text)}` };
  const value = Number(m[1]);
  const unit = UNIT[m[2] ?? 'us'] ?? 1;
  return Math.round(value * unit);
}

/** `1.234567s`, `12.5ms`, `40µs`: a compact human form that keeps microsecond precision. */
export function formatDuration(t: Micros): string {
  const sign = t < 0 ? '-' : '';
  const a = Math.abs(t);
  if (a >= SECOND) return `${sign}${trimZeros((a / SECOND).toFixed(6))}s`;
  if (a >= MS) return `${sign}${trimZeros((a / MS).toFixed(3))}ms`;
  return `${sign}${a}µs`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
