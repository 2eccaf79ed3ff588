/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): comparisons are made on the signed 32-bit difference,
 * so they stay right across wrap-around as long as the two numbers are less than 2^31 apart.
 */

/** a + n, modulo 2^32. */
export const seqAdd = (a: number, n: number): number => (a + n) >>> 0;
/** a - b as a signed distance (negative when a is before b). */
export const seqDiff = (a: number, b: number): number => (a - b) | 0;
export const seqLt = (a: number, b: number): boolean => seqDiff(a, b) < 0;
export const seqLe = (a: number, b: number): boolean => seqDiff(a, b) <= 0;
export const seqGt = (a: number, b: number): boolean => seqDiff(a, b) > 0;
export const seqGe = (a: number, b: number): boolean => seqDiff(a, b) >= 0;
/** lo ≤ x < hi, modulo 2^32. */
export const seqInRange = (x: number, lo: number, hi: number): boolean => seqLe(lo, x) && seqLt(x, hi);
export const seqMax = (a: number, b: number): number => (seqGt(a, b) ? a : b);
