#!/usr/bin/env node
// The rtclab command: loads the TypeScript CLI through tsx, so no build step stands between a clone and a run.
import { register } from 'tsx/esm/api';

register();
// a closed pipe (`rtclab … | head`) ends the command quietly, as other command-line tools do
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
