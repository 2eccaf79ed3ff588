// bin/rtclab.js runs the built bundle only while it is at least as new as the sources it was built from (the inputs
// esbuild's metafile lists), and the TypeScript sources through tsx otherwise: checked on a stand-in project whose
// bundle and sources each print which one ran.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let dir = '';
const T0 = 1_700_000_000; // seconds: sources at T0, the bundle and its metafile at T0 + 10

function write(path: string, text: string, at: number): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
  utimesSync(join(dir, path), at, at);
}

const touch = (path: string, at: number): void => utimesSync(join(dir, path), at, at);

function meta(inputs: string[], at: number): void {
  write('dist/cli.meta.json', JSON.stringify({ inputs: Object.fromEntries(inputs.map((i) => [i, { bytes: 1, imports: [] }])), outputs: {} }), at);
}

/** Which one ran: "bundle" or "sources". */
function ran(env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [join(dir, 'bin/rtclab.js')], { encoding: 'utf8', env: { ...process.env, RTCLAB_TSX: '', ...env } });
  if (r.status !== 0) throw new Error(`bin/rtclab.js exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtclab-bin-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(REPO, 'bin/rtclab.js'), join(dir, 'bin/rtclab.js'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  write('package.json', '{"type":"module"}', T0);
  write('cli/main.ts', "export async function main(): Promise<number> {\n  console.log('sources');\n  return 0;\n}\n", T0);
  write('sim/a.ts', 'export const a = 1;\n', T0);
  write('sim/a.test.ts', 'export {};\n', T0);
  write('dist/cli/main.js', "export async function main() {\n  console.log('bundle');\n  return 0;\n}\n", T0 + 10);
  meta(['cli/main.ts', 'sim/a.ts', 'node_modules/some-package/index.js'], T0 + 10);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bin/rtclab.js chooses the bundle or the sources', { timeout: 300_000 }, () => {
  it('runs the bundle when every input is older, and keeps the metafile list beside it, packages left out', () => {
    expect(ran()).toBe('bundle');
    expect(readFileSync(join(dir, 'dist/cli.inputs.txt'), 'utf8')).toBe('cli/main.ts\nsim/a.ts\n');
  });

  it('is not put off by a newer file the bundle was not built from (a test)', () => {
    touch('sim/a.test.ts', T0 + 20);
    expect(ran()).toBe('bundle');
    touch('sim/a.test.ts', T0);
  });

  it('runs the sources when an input is newer than the bundle, and RTCLAB_TSX=1 runs them anyway', () => {
    touch('sim/a.ts', T0 + 20);
    expect(ran()).toBe('sources');
    touch('sim/a.ts', T0);
    expect(ran()).toBe('bundle');
    expect(ran({ RTCLAB_TSX: '1' })).toBe('sources');
  });

  it('passes over a listed input that is gone (an installed package has no sources)', () => {
    unlinkSync(join(dir, 'sim/a.ts'));
    expect(ran()).toBe('bundle');
    write('sim/a.ts', 'export const a = 1;\n', T0);
  });

  it('remakes the list when the metafile is newer (a rebuild) and reads the new inputs', () => {
    touch('dist/cli.inputs.txt', T0 + 10); // made by the first run, just after that build
    write('sim/b.ts', 'export const b = 2;\n', T0 + 30);
    meta(['cli/main.ts', 'sim/a.ts', 'sim/b.ts'], T0 + 40);
    expect(ran()).toBe('sources');
    expect(readFileSync(join(dir, 'dist/cli.inputs.txt'), 'utf8')).toBe('cli/main.ts\nsim/a.ts\nsim/b.ts\n');
    touch('dist/cli/main.js', T0 + 40);
    expect(ran()).toBe('bundle');
  });

  it('without a metafile compares every .ts under sim/ and cli/, tests included', () => {
    unlinkSync(join(dir, 'dist/cli.meta.json'));
    unlinkSync(join(dir, 'dist/cli.inputs.txt'));
    expect(ran()).toBe('bundle');
    touch('sim/a.test.ts', T0 + 50);
    expect(ran()).toBe('sources');
    expect(existsSync(join(dir, 'dist/cli.inputs.txt'))).toBe(false);
  });
});
