/** rtclab's version, as in package.json (lib/library.test.ts checks they agree): sweeps key their results with it. */
export const VERSION = '0.1.0';
