import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, sharedApp, WINDOW_SIZES } from './harness.ts';

// Notes on the ladder and the full event list in Chromium, at 1280×800 and 1440×900: state changes (mapping created,
// pair succeeded, DTLS connected, keys derived) are drawn as marks on their lanes; the event list holds every note,
// filters by text and family, dims those after the cursor, and a click on one moves the cursor to it.

type AppHandle = { now: number; p?: { notes: { t: number; kind: string }[] }; ladder: { marksDrawn: number; frames: number } };
const app = (page: Page): Promise<{ now: number; marks: number; notes: number }> =>
  page.evaluate(() => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    return { now: a.now, marks: a.ladder.marksDrawn, notes: a.p?.notes.length ?? 0 };
  });

describeInChromium('notes on the ladder and the event list in Chromium', (session) => {
  // one page of call-p2p for both window sizes (its run is 12,000 hops): each test resizes it and puts back what the
  // one before changed (the filter, the family, the cursor where the page opened)
  const callPage = sharedApp(session, '?scenario=call-p2p');
  let start: number | undefined;

  for (const [width, height] of WINDOW_SIZES) {
    it(`call-p2p at ${width}×${height}: marks on the lanes, every note listed and filtered, a click seeks`, async () => {
      const { page, errors } = await callPage();
      start ??= (await app(page)).now;
      await page.setViewportSize({ width, height });
      await page.locator('[data-testid=event-filter]').fill('');
      await page.locator('[data-testid=event-family]').selectOption('');
      await page.evaluate((t) => (window as unknown as { rtclab: { seek(t: number): void } }).rtclab.seek(t), start);
      await expect.poll(async () => (await app(page)).now).toBe(start);
      await expect.poll(async () => (await app(page)).marks, { timeout: 30_000 }).toBeGreaterThan(0);
      await page.screenshot({ path: artifact(`notes-ladder-${width}x${height}.png`) });
      const { notes } = await app(page);
      const count = page.locator('[data-testid=event-count]');
      await expect.poll(() => count.textContent()).toBe(`${notes} of ${notes}`);
      expect(notes).toBeGreaterThan(12);
      await page.locator('[data-testid=event-filter]').fill('mapping created');
      await expect.poll(() => count.textContent()).toMatch(/^\d+ of \d+$/);
      const rows = page.locator('[data-testid=event-log] li[data-note]');
      expect(await rows.count()).toBeGreaterThan(0);
      expect(await rows.count()).toBeLessThan(notes);
      for (const text of await rows.allTextContents()) expect(text.toLowerCase()).toContain('mapping created');
      await page.locator('[data-testid=event-filter]').fill('');
      await page.locator('[data-testid=event-family]').selectOption('dtls');
      const dtls = await rows.allTextContents();
      expect(dtls.length).toBeGreaterThan(3);
      expect(dtls.every((t) => /\bdtls\./.test(t))).toBe(true);
      // a click on the last DTLS note moves the cursor to its time; the rows after it stay dimmed
      const last = rows.last();
      await last.scrollIntoViewIfNeeded();
      await last.click();
      const want = await page.evaluate((i) => (window as unknown as { rtclab: AppHandle }).rtclab.p!.notes[i]!.t, Number(await last.getAttribute('data-note')));
      await expect.poll(async () => (await app(page)).now).toBe(want);
      await expect.poll(() => last.getAttribute('class')).toMatch(/current/);
      await page.screenshot({ path: artifact(`notes-events-${width}x${height}.png`) });
      expect(errors).toEqual([]);
    }, 300_000);
  }
});
