// `rtclab apps` reads the app registry: every kind is listed with what it is, and `rtclab apps <kind>` names every
// field of its schema (nested ones too) with its type and default.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APP_KINDS } from '../sim/apps/registry.ts';
import type { Field } from '../sim/schema/fields.ts';
import { appsCommand } from './apps.ts';

function capture(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = appsCommand(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

const names = (fields: readonly Field[]): string[] =>
  fields.flatMap((f) => [f.name, ...names(f.type.fields ?? []), ...Object.values(f.type.variants?.of ?? {}).flatMap(names)]);

describe('rtclab apps', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists every registered kind, one line each, in registry order', () => {
    const { code, out } = capture([]);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(APP_KINDS.map((k) => k.kind));
  });

  it.each(APP_KINDS.map((k) => [k.kind, k] as const))('%s: names every field of its schema', (kind, app) => {
    const { code, out } = capture([kind]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${kind}: `));
    for (const n of names(app.fields)) expect(lines.some((l) => l.trimStart().startsWith(`${n}: `)), n).toBe(true);
  });

  it('refuses an unknown kind and names the known ones', () => {
    const { code, err } = capture(['udp-ping']);
    expect(code).toBe(2);
    expect(err).toContain('no app kind "udp-ping"');
    expect(err).toContain('udp-probe');
  });

  it('prints the markdown tables of docs/scenario-apps.md', () => {
    const { out } = capture(['--markdown', 'udp-probe']);
    expect(out).toContain('| `send` | array of objects | required |');
    expect(out).toContain('Each entry of `send`:');
  });
});
