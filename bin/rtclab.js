#!/usr/bin/env node
// The rtclab command. It runs the bundle in dist/cli/ (made by `npm run build:cli`, which `npm install` and
// `npm test` run) when that is there and newer than every source file, so nothing is compiled at start-up;
// otherwise, or with RTCLAB_TSX=1, it loads the TypeScript sources through tsx, so an edit is never run stale.
import { existsSync, readdirSync, statSync } from 'node:fs';

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

let main;
if (process.env.RTCLAB_TSX !== '1' && existsSync(built) && statSync(built).mtimeMs >= newestSource()) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
