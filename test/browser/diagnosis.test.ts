import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, openApp, WINDOW_SIZES } from './harness.ts';

// The Diagnosis panel in Chromium at 1280×800 and 1440×900: a run of symmetric NATs without TURN lists why ICE
// failed, with the fix; clicking a hop of its evidence selects that hop on the ladder, clicking a note moves the
// cursor to it; a run that works shows no Diagnosis panel at all.

type AppHandle = { p?: { n: number; notes: { t: number }[] }; now: number; selected: number };

const state = (page: Page): Promise<{ selected: number; now: number }> =>
  page.evaluate(() => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    return { selected: a.selected, now: a.now };
  });

describeInChromium('the Diagnosis panel in Chromium', (session) => {
  for (const [width, height] of WINDOW_SIZES) {
    it(`at ${width}×${height}: lists the causes of a failed run, and its evidence selects hops and notes`, async () => {
      const { page, errors } = await openApp(session(), '?scenario=fail-symmetric-no-turn');
      await page.setViewportSize({ width, height });
      const panel = page.locator('[data-testid=panel-diagnosis]');
      await expect.poll(() => panel.isVisible(), { timeout: 60_000 }).toBe(true);
      const findings = panel.locator('.finding');
      expect(await findings.count()).toBe(2);
      const first = findings.first();
      expect(await first.getAttribute('data-cause')).toBe('ice.nat-mapping');
      expect(await first.textContent()).toContain('make natA map endpoint-independently');
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`diagnosis-${width}x${height}-01-panel.png`) });
      // a hop of the evidence: selected on the ladder, the detail shows it
      const hopButton = first.locator('.evidence-hop').first();
      const hop = Number((await hopButton.textContent())!.replace(/^hop #/, ''));
      await hopButton.click();
      await expect.poll(async () => (await state(page)).selected).toBe(hop);
      await page.screenshot({ path: artifact(`diagnosis-${width}x${height}-02-hop-selected.png`) });
      // a note of the evidence: the cursor goes to its moment
      const noteButton = first.locator('.evidence-note').first();
      const note = Number((await noteButton.textContent())!.replace(/^note #/, ''));
      const t = await page.evaluate((i) => (window as unknown as { rtclab: AppHandle }).rtclab.p!.notes[i]!.t, note);
      await noteButton.click();
      await expect.poll(async () => (await state(page)).now).toBe(t);
      // the panel fits the window's width: no horizontal overflow of the page
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);
  }

  it('a run that works has no Diagnosis panel', async () => {
    const { page, errors } = await openApp(session(), '?scenario=ice-trickle');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForFunction(() => (window as unknown as { rtclab: AppHandle }).rtclab.p !== undefined);
    const panel = page.locator('[data-testid=panel-diagnosis]');
    await expect.poll(() => panel.count()).toBe(1);
    expect(await panel.isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
