// Node only: the network namespace a kernel bridge test runs in (its own loopback, up), made before the tests of the
// `describe` it is called in and deleted after them with the test's temporary folder. Call it inside `describe`.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';

export function useTestNamespace(ns: string, dir: string, skip: boolean): void {
  if (!skip) {
    // a namespace left by a crashed run of the same pid would make `add` fail
    spawnSync('ip', ['netns', 'del', ns]);
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  }
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });
}
