import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The TLS handshake structures TLS and DTLS share live here; TLS and DTLS each depend on them, never on each other,
// and this folder on neither.

const WIRE = join(dirname(new URL(import.meta.url).pathname), '..');

/** Where a folder's non-test modules import from, as folders of sim/wire ("handshake", "dtls" …). */
function importedFolders(folder: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const dir = join(WIRE, folder);
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      const target = relative(WIRE, normalize(join(dir, m[1]!)));
      const top = target.split('/')[0]!;
      if (top !== folder && !top.endsWith('.ts')) out.set(top, [...(out.get(top) ?? []), `${f} → ${target}`]);
    }
  }
  return out;
}

describe('the shared handshake codec sits below TLS and DTLS', () => {
  it('sim/wire/tls imports nothing from sim/wire/dtls', () => {
    expect(importedFolders('tls').get('dtls')).toBeUndefined();
    expect(importedFolders('tls').get('handshake')?.length).toBeGreaterThan(0);
  });

  it('sim/wire/handshake imports from neither', () => {
    const f = importedFolders('handshake');
    expect([f.get('dtls'), f.get('tls')]).toEqual([undefined, undefined]);
  });

  it('sim/wire/dtls keeps its own fragment header, HelloVerifyRequest and records, the rest from the shared codec', () => {
    expect(importedFolders('dtls').get('tls')).toBeUndefined();
    expect(readdirSync(join(WIRE, 'dtls')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()).toEqual(['datagram.ts', 'describe.ts', 'fragment.ts', 'handshake.ts', 'hello-verify.ts', 'record.ts']);
  });
});
