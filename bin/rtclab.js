#!/usr/bin/env node
// The rtclab command. It runs the bundle in dist/cli/ (made by `npm run build:cli`, which `npm install` and
// `npm test` run) when that is there and newer than every source file it was built from, so nothing is compiled
// at start-up; otherwise, or with RTCLAB_TSX=1, it loads the TypeScript sources through tsx, so an edit is never
// run stale.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// a closed pipe (`rtclab … | head`) ends the command quietly, as other command-line tools do
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const root = new URL('../', import.meta.url);
const built = new URL('dist/cli/main.js', root);

/** The newest modification time of the TypeScript sources the bundle is made from (0 when they are not here). */
function newestSource() {
  let newest = 0;
  for (const dir of ['sim', 'cli']) {
    const base = new URL(`${dir}/`, root);
    if (!existsSync(base)) continue;
    for (const e of readdirSync(base, { recursive: true, withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.ts')) newest = Math.max(newest, statSync(`${e.parentPath}/${e.name}`).mtimeMs);
    }
  }
  return newest;
}

/**
 * The files the bundle was built from, as esbuild's metafile (dist/cli.meta.json, written by build:cli beside
 * dist/cli/ so the package does not ship it) lists them, packages left out; undefined when there is no metafile.
 * A file added since the build matters only once a listed file imports it, and that file is then newer than the
 * bundle. Parsing the metafile (~300 KB) costs more than the stats, so its list is kept beside it in
 * dist/cli.inputs.txt, one path a line, remade when the metafile is newer.
 */
function bundleInputs() {
  const metaUrl = new URL('dist/cli.meta.json', root);
  const listUrl = new URL('dist/cli.inputs.txt', root);
  const meta = statSync(metaUrl, { throwIfNoEntry: false });
  if (!meta) return undefined;
  const list = statSync(listUrl, { throwIfNoEntry: false });
  if (list && list.mtimeMs >= meta.mtimeMs) return readFileSync(listUrl, 'utf8').split('\n').filter((p) => p !== '');
  let inputs;
  try {
    inputs = Object.keys(JSON.parse(readFileSync(metaUrl, 'utf8')).inputs).filter((p) => !p.startsWith('node_modules/') && !p.includes('/node_modules/'));
  } catch {
    return undefined;
  }
  try {
    writeFileSync(listUrl, `${inputs.join('\n')}\n`);
  } catch {
    // a read-only install: the metafile is read again next time
  }
  return inputs;
}

/**
 * Whether the bundle is at least as new as its sources: the files the metafile lists (~540 stats, no directory
 * walk), or without a metafile every .ts under sim/ and cli/ (~820 files, tests included; none in an installed
 * package). A listed file that is gone is passed over, as a missing folder is: an installed package has the bundle
 * and no sources, and a file deleted in a checkout leaves its importers edited, so newer.
 */
function bundleIsFresh() {
  const builtAt = statSync(built).mtimeMs;
  const inputs = bundleInputs();
  if (!inputs) return builtAt >= newestSource();
  const base = fileURLToPath(root);
  for (const p of inputs) {
    const s = statSync(base + p, { throwIfNoEntry: false });
    if (s && s.mtimeMs > builtAt) return false;
  }
  return true;
}

let main;
if (process.env.RTCLAB_TSX !== '1' && existsSync(built) && bundleIsFresh()) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
