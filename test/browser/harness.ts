import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, inject, vi } from 'vitest';
import './viz-build.ts';

// A browser test drives a whole page (a run, a capture's dissection, redraws): on a machine whose two cores are busy
// with the rest of the suite it takes several times what it takes alone (13 s → over 60 s seen), so every file that
// uses this harness gets three minutes a test and a hook
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/**
 * Browser-test plumbing: the visualizer on a free localhost port (the project's own vite.config.ts: `vite preview` of
 * the run's build, or the dev server), and Debian's chromium driven by playwright-core with a fresh profile and no
 * network beyond localhost.
 */
export const ROOT = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Session {
  readonly server: ViteDevServer | PreviewServer;
  readonly url: string;
  readonly browser: Browser;
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * `built` (the default inside vitest when the live project's global setup built the app, test/browser/viz-build.ts):
 * `vite preview` of that build; `production`: `vite build` into a temporary folder and `vite preview` it (what the
 * benchmark measures); `dev`: the dev server (no build step; RTCLAB_VIZ=dev, or outside vitest).
 */
export async function startSession(mode: 'dev' | 'production' | 'built' = builtApp() ? 'built' : 'dev'): Promise<Session> {
  const built = mode === 'built' ? builtApp() : undefined;
  if (mode === 'built' && !built) throw new Error('no built visualizer: the live project\'s global setup (test/browser/viz-build.ts) did not run');
  const tmpOut = mode === 'production' ? mkdtempSync(join(tmpdir(), 'rtclab-viz-build-')) : undefined;
  if (tmpOut) await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'error', build: { outDir: tmpOut, emptyOutDir: true } });
  const outDir = built ?? tmpOut;
  const server = outDir
    ? await preview({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false, open: false } })
    : await createServer({
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: (process.env.VITE_LOG as 'info' | undefined) ?? 'error',
    // Others edit the tree while tests run: no file watching, no HMR reloads in the middle of a test.
    server: { port: 0, host: '127.0.0.1', strictPort: false, open: false, hmr: false, watch: null },
    // Scan the worker too, so dependencies are optimized before the first page load instead of reloading it.
    optimizeDeps: { entries: ['index.html', 'worker.ts'] },
  });
  if ('listen' in server) await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite did not report a port');
  const url = `http://127.0.0.1:${addr.port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'rtclab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  // the first load of a page makes the dev server transform the app and its worker: on the loaded machine with
  // another test file beside it, more than Playwright's 30 s (every test of three files timed out in page.goto)
  context.setDefaultNavigationTimeout(120_000);
  const browser = context.browser() as Browser;
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    server,
    url,
    browser,
    context,
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
      if (tmpOut) rmSync(tmpOut, { recursive: true, force: true });
    },
  };
}

/** The build the live project's global setup made for this run, if any (none outside vitest or with RTCLAB_VIZ=dev). */
function builtApp(): string | undefined {
  try {
    return inject('vizBuild');
  } catch {
    return undefined; // outside a vitest worker (the benchmark)
  }
}

/**
 * The address for a page that loads a capture (or another file) right away: an 18-hop preset that runs and draws in
 * a fraction of a second, instead of the default lesson's call (12,000 hops; 5-20 s in a page on the loaded machine)
 * that the capture replaces at once.
 */
export const QUICK_START = '?scenario=nat-full-cone';

/**
 * Opens the app and waits until its first trace is loaded and drawn; collects page errors. `freshStorage`: the page
 * starts with an empty localStorage (what earlier tests of the file saved there is gone) and keeps what it saves
 * itself across its reloads, without a load, a clear and a reload first.
 */
export async function openApp(s: Session, query = '', waitForTrace = true, opts: { freshStorage?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await s.context.newPage();
  if (opts.freshStorage) {
    // before the app's scripts, on this tab's first load only (sessionStorage lives as long as the tab)
    await page.addInitScript(() => {
      if (sessionStorage.getItem('rtclab-test-fresh') !== null) return;
      localStorage.clear();
      sessionStorage.setItem('rtclab-test-fresh', '1');
    });
  }
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${s.url}${query}`);
  if (!waitForTrace) return { page, errors };
  await page.waitForFunction(() => {
    const app = (window as unknown as { rtclab?: { p?: { n: number }; ladder: { frames: number } } }).rtclab;
    return app?.p !== undefined && app.ladder.frames > 0;
  }, undefined, { timeout: 120_000 });
  return { page, errors };
}

/**
 * One page on `query`, opened by the first test that asks for it and shared by the tests of the describe block that
 * calls this (closed after the last): for tests of the same run that need not pay for it again (a call's run is
 * 12,000 hops). Each test puts back what it relies on (window size, cursor, filters); `errors` gathers all of theirs.
 */
export function sharedApp(session: () => Session, query: string): () => Promise<{ page: Page; errors: string[] }> {
  let opened: Promise<{ page: Page; errors: string[] }> | undefined;
  afterAll(async () => {
    const r = await opened?.catch(() => undefined);
    await r?.page.close().catch(() => undefined);
  });
  return () => (opened ??= openApp(session(), query));
}

/** Drops files on the page together, as one drag from a file manager (dragover, then drop, on the window). */
export async function dropFiles(page: Page, files: readonly { name: string; bytes: Uint8Array }[]): Promise<void> {
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.data)], f.name));
    window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files.map((f) => ({ name: f.name, data: [...f.bytes] })));
}

export function artifact(name: string): string {
  return join(ARTIFACTS, name);
}

/** The window sizes learners have: every layout check runs at both. */
export const WINDOW_SIZES = [
  [1280, 800],
  [1440, 900],
] as const;

/**
 * A describe block whose tests share one session (a dev server and a Chromium), started before the first test and
 * closed after the last; `session()` is that session inside a test. Skipped where there is no Chromium, except in
 * CI, where a missing Chromium fails the file instead of passing it unseen.
 */
export function describeInChromium(title: string, body: (session: () => Session) => void): void {
  let s: Session | undefined;
  describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(title, () => {
    beforeAll(async () => {
      s = await startSession();
    }, 120_000);

    afterAll(async () => {
      await s?.close();
    });

    body(() => {
      if (!s) throw new Error('the Chromium session did not start');
      return s;
    });
  });
}
