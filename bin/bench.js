#!/usr/bin/env node
// npm run bench: loads the TypeScript benchmarks through tsx (see bench/README.md for what each measures).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../bench/main.ts');
process.exitCode = await main(process.argv.slice(2));
