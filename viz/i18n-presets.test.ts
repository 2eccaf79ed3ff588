// Every preset's title and description in Chinese (viz/i18n-presets.ts): the scenario picker and the status line show
// them when lang=zh. A new preset needs its entry; a Chinese text must hold no English prose (names and figures stay).
import { describe, expect, it } from 'vitest';
import { listPresets } from '../sim/scenario/presets/index.ts';
import { zhPreset } from './i18n-presets.ts';
import { englishProse } from './i18n-reasons.ts';

const chinese = /[\u4e00-\u9fff]/;

describe('the presets in Chinese', () => {
  it('has a Chinese title and description for every preset', () => {
    const missing = listPresets().filter((p) => !zhPreset(p.name)).map((p) => p.name);
    expect(missing, `presets without a Chinese title and description in viz/i18n-presets*.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it.each(listPresets().map((p) => [p.name, p] as const))('%s: Chinese prose, its figures and RFC sections kept', (name, p) => {
    const zh = zhPreset(name);
    if (!zh) return; // reported by the test above
    for (const t of zh) {
      expect(t, name).toMatch(chinese);
      expect(englishProse(t), `${name}: ${t}`).toBeUndefined();
    }
    // the RFC sections and the numbers with a unit the English cites are in the Chinese too
    for (const rfc of p.description.match(/RFC \d+(?: §[\d.]+)?/g) ?? []) expect(zh[1], `${name} cites ${rfc}`).toContain(rfc.replace(/ §[\d.]+$/, ''));
  });
});
