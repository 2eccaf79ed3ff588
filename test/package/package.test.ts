// The done-when of issue 22, as a test: a fresh project outside the repository installs the packed tarball, imports
// the API and the matchers, runs a scenario with its own endpoint, and its vitest suite passes; the same package
// runs under Deno and in a page bundled by esbuild in headless Chromium, and every preset's trace digest is the same
// in Node, Deno and the browser.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshProject, packTarball, ROOT, type FreshProject } from './fresh-project.ts';
import { coveringPresets } from '../support/covering-presets.ts';

const run = promisify(execFile);
const DENO = join(ROOT, 'node_modules/.bin/deno');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
type Digests = Record<string, { pcapng: string; trace: string }>;

// generous: packing builds dist/, and every preset runs three times on a machine busy with other work
describe('the packed package in a fresh project', { timeout: 1_800_000 }, () => {
  let packDir = '';
  let project: FreshProject;

  beforeAll(() => {
    packDir = mkdtempSync(join(tmpdir(), 'rtclab-pack-'));
    project = freshProject('custom-endpoint', packTarball(packDir));
    copyFileSync(join(ROOT, 'test/package/digests.mjs'), join(project.dir, 'digests.mjs'));
  }, 900_000);

  afterAll(() => {
    if (project) rmSync(project.dir, { recursive: true, force: true });
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  });

  it('installs from the npm cache alone', () => {
    expect(project.install).toBe('offline');
  });

  it('type-checks the example against the published declarations', async () => {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project.dir], { cwd: project.dir });
  });

  it("passes the example's own vitest suite: its endpoint behind our NAT, checked by our matchers", async () => {
    const { stdout } = await run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=verbose'], { cwd: project.dir, env: { ...process.env, NO_COLOR: '1' } });
    expect(stdout).toMatch(/Tests +4 passed \(4\)/);
    expect(stdout).toMatch(/learns the address the NAT maps it to/);
  });

  it('runs the CLI from the built files', async () => {
    const { stdout } = await run(process.execPath, ['node_modules/rtclab/bin/rtclab.js', 'run', 'nat-full-cone'], { cwd: project.dir });
    expect(stdout).toMatch(/ran 5s of virtual time/);
  });

  it('keeps its insides behind the exports map', async () => {
    const script = "import('rtclab/dist/sim/scenario/run.js').then(() => console.log('open'), (e) => console.log(e.code))";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project.dir });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('gives every app kind, node kind and NAT behaviour the same trace digests in Node, Deno and Chromium', async () => {
    const names = coveringPresets();
    const node = run(process.execPath, ['digests.mjs', '--print', ...names], { cwd: project.dir, maxBuffer: 1 << 24 }).then((r) => JSON.parse(r.stdout) as Digests);
    const deno = run(DENO, ['run', '--allow-read', '--allow-env', 'digests.mjs', '--print', ...names], { cwd: project.dir, maxBuffer: 1 << 24 }).then((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as Digests);
    const browser = inChromium(project.dir, names);
    const [n, d, b] = await Promise.all([node, deno, browser]);
    expect(Object.keys(n).sort()).toEqual([...names].sort());
    expect(names.length).toBeGreaterThan(20);
    expect(d).toEqual(n);
    expect(b).toEqual(n);
  });
});

/** Bundles digests.mjs for the browser with esbuild (resolving `rtclab` from the project) and runs it in a page. */
async function inChromium(dir: string, names: readonly string[]): Promise<Digests> {
  const bundle = await build({
    stdin: { contents: "import { digests } from './digests.mjs'; globalThis.rtclabDigests = digests;", resolveDir: dir, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const code = bundle.outputFiles[0]!.text;
  // nothing in the bundle may reach for Node: a browser has no node: modules
  expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/);
  const profile = mkdtempSync(join(tmpdir(), 'rtclab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('about:blank');
    await page.addScriptTag({ content: code });
    const out = await page.evaluate((n) => (globalThis as unknown as { rtclabDigests: (names: string[]) => Digests }).rtclabDigests(n), [...names]);
    expect(errors).toEqual([]);
    return out;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
