import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The visualizer built once for this run (`vite build`), which every browser file serves with `vite preview`. */
    vizBuild: string;
  }
}

/**
 * The live project's global setup: builds the visualizer once for the whole run, so that each browser file serves
 * the same bundle instead of starting a dev server that transforms the app and its worker module by module again
 * (measured on the loaded machine: a page load from the dev server 8-15 s, from the build 3-6 s; the build ~15 s).
 * RTCLAB_VIZ=dev keeps the dev server (no build step: what a local run of one file may prefer).
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  if (process.env.RTCLAB_VIZ === 'dev') return undefined;
  const root = resolve(import.meta.dirname, '../..');
  const outDir = mkdtempSync(join(tmpdir(), 'rtclab-viz-build-'));
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  project.provide('vizBuild', outDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}
