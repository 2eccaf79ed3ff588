/** Serial number arithmetic for TSNs (32 bits) and SSNs (16 bits), RFC 9260 §1.6 after RFC 1982. */

export const tsnAdd = (a: number, n: number): number => (a + n) >>> 0;

/** a < b in 32-bit serial arithmetic. */
export function tsnLt(a: number, b: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < 0x80000000;
}

export const tsnLte = (a: number, b: number): boolean => a === b || tsnLt(a, b);

/** b - a as a count (b at or after a). */
export const tsnDiff = (a: number, b: number): number => (b - a) >>> 0;

export const ssnAdd = (a: number, n: number): number => (a + n) & 0xffff;

/** a < b in 16-bit serial arithmetic. */
export function ssnLt(a: number, b: number): boolean {
  const d = (b - a) & 0xffff;
  return d !== 0 && d < 0x8000;
}
