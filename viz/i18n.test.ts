import { describe, expect, it } from 'vitest';
import { UI_STRINGS } from './i18n.ts';

// The page's string table: every string exists in English and Simplified Chinese, the two carry the same
// placeholders (trf fills them by name), and a Chinese string is Chinese unless it is only a protocol word.

const SAME_IN_BOTH = new Set(['thFlight', 'profile']);
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

describe('the string table', () => {
  it('has every string in both languages with the same placeholders', () => {
    const keys = Object.keys(UI_STRINGS);
    expect(keys.length).toBeGreaterThan(100);
    for (const k of keys) {
      const t = UI_STRINGS[k]!;
      expect(t.en.trim(), k).not.toBe('');
      expect(t.zh.trim(), k).not.toBe('');
      expect(placeholders(t.zh), k).toEqual(placeholders(t.en));
      if (SAME_IN_BOTH.has(k)) expect(t.zh, k).toBe(t.en);
      else expect(t.zh, `${k} is Chinese`).toMatch(/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/);
    }
  });
});
