// The sandboxed processor when the CLI runs from its TypeScript sources: BullMQ's child process knows no TypeScript,
// so this registers tsx there, then hands over cli/sweep-processor.ts (the built CLI uses dist/cli/sweep-processor.js).
import { register } from 'tsx/esm/api';

register();
const { default: processSweepJob } = await import('./sweep-processor.ts');
export default processSweepJob;
