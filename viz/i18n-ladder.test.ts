import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MARK_LABELS_ZH } from './i18n-ladder.ts';

// The ladder's state-change marks in Chinese: every label model/note-marks.ts draws has its Chinese form.
describe('the ladder marks in Chinese', () => {
  it('has a Chinese label for every mark note-marks.ts draws', () => {
    const src = readFileSync(new URL('./model/note-marks.ts', import.meta.url), 'utf8');
    const labels = [...src.matchAll(/label: '([^']+)'/g)].map((m) => m[1]!);
    expect(labels.length).toBeGreaterThan(15);
    expect(labels.filter((l) => !MARK_LABELS_ZH.includes(l))).toEqual([]);
  });
});
