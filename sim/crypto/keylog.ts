import { fromHex, toHex } from '../core/encoding.ts';

/** NSS key log lines (the SSLKEYLOGFILE format read by Wireshark): `CLIENT_RANDOM <32-byte hex> <48-byte hex>`. */

export interface KeyLogEntry {
  readonly label: string;
  readonly clientRandom: Uint8Array;
  readonly secret: Uint8Array;
}

export interface KeyLogProblem {
  readonly line: number;
  readonly message: string;
}

/** The TLS 1.2 line: client random and master secret. */
export function formatKeyLogLine(clientRandom: Uint8Array, masterSecret: Uint8Array, label = 'CLIENT_RANDOM'): string {
  if (clientRandom.length !== 32) throw new RangeError(`client random is ${clientRandom.length} bytes, expected 32`);
  return `${label} ${toHex(clientRandom)} ${toHex(masterSecret)}`;
}

/** Parses a key log; comments (#) and blank lines are skipped, malformed lines reported by number. */
export function parseKeyLog(text: string): { entries: KeyLogEntry[]; problems: KeyLogProblem[] } {
  const entries: KeyLogEntry[] = [];
  const problems: KeyLogProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    const [label, cr, secret] = parts;
    if (parts.length !== 3 || !label || !cr || !secret || !/^[0-9a-fA-F]+$/.test(cr) || !/^[0-9a-fA-F]+$/.test(secret) || cr.length !== 64 || secret.length % 2 !== 0) {
      problems.push({ line: i + 1, message: `not "<LABEL> <64 hex digits> <hex secret>": ${line.slice(0, 80)}` });
      return;
    }
    entries.push({ label, clientRandom: fromHex(cr), secret: fromHex(secret) });
  });
  return { entries, problems };
}

/** The master secret logged for this client random (label CLIENT_RANDOM). */
export function findMasterSecret(entries: readonly KeyLogEntry[], clientRandom: Uint8Array): Uint8Array | undefined {
  const hex = toHex(clientRandom);
  return entries.find((e) => e.label === 'CLIENT_RANDOM' && toHex(e.clientRandom) === hex)?.secret;
}
