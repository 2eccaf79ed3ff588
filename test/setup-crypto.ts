// Every test runs with the crypto backend the CLI injects (node:crypto). The @noble default is checked against it
// on every preset and capture by test/golden/backends.test.ts, and under Deno by test/determinism.test.ts.
import { useNodeCrypto } from '../cli/node-crypto.ts';

useNodeCrypto();
