import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../sim/wire/pcap/index.ts';
import type { CapturePacket } from '../../sim/wire/pcap/index.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';

/** Test helpers: the captures in the project's captures/ folder with their truth files (node only). */

import { CAPTURES_DIR } from '../captures.ts';

export { CAPTURES_DIR };

export interface CaptureCase {
  readonly name: string;
  readonly file: string;
  readonly truthFile: string | undefined;
  readonly keyLogFile: string | undefined;
}

/** Every *.pcapng under captures/, with its truth (`X.truth.json` or the folder's `truth.json`) and key log. */
export function captureCases(dir = CAPTURES_DIR): CaptureCase[] {
  const out: CaptureCase[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.pcapng') || e.name.endsWith('.pcap')) {
        const stem = p.replace(/\.pcapn?g?$/, '');
        const own = `${stem}.truth.json`;
        const shared = join(d, 'truth.json');
        const truthFile = existsSync(own) ? own : existsSync(shared) ? shared : undefined;
        const kl = `${stem}.keylog.txt`;
        out.push({ name: p.slice(dir.length), file: p, truthFile, keyLogFile: existsSync(kl) ? kl : undefined });
      }
    }
  };
  walk(dir);
  return out;
}

export interface Dissected {
  readonly packets: readonly { readonly raw: CapturePacket; readonly d: DissectedPacket }[];
  readonly dissector: Dissector;
  readonly problems: readonly string[];
}

export function dissectFile(file: string, keyLog?: string): Dissected {
  const cap = readCapture(new Uint8Array(readFileSync(file)));
  const dissector = new Dissector(keyLog ? { keyLog } : {});
  for (const s of cap.secrets) if (s.text) dissector.addKeyLog(s.text);
  const packets = cap.packets.map((raw) => ({ raw, d: dissector.packet(raw.data, { index: raw.index, linkType: raw.linkType, t: raw.time?.us ?? 0 }) }));
  return { packets, dissector, problems: cap.problems.map((p) => p.message) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- truth files are free-form JSON from a Python script
export type Truth = any;

export function readTruth(c: CaptureCase): Truth {
  return c.truthFile ? JSON.parse(readFileSync(c.truthFile, 'utf8')) : undefined;
}
