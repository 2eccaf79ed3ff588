import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIVE, MEASURED } from './lanes.ts';

const ROOT = join(import.meta.dirname, '..');

describe('the lane sequencer', () => {
  it('has CI durations only for live files that exist (a renamed or deleted file would fall back to the size guess unseen)', () => {
    const live = LIVE.map((g) => new RegExp(`^${g.replace(/\./g, '\\.').replace(/\*\*\//g, '(.+/)?').replace(/\*/g, '[^/]*')}$`));
    for (const file of Object.keys(MEASURED)) {
      expect(existsSync(join(ROOT, file)), file).toBe(true);
      expect(live.some((re) => re.test(file)), `${file} is a live file`).toBe(true);
    }
  });
});
