import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, dropFiles, openApp, WINDOW_SIZES } from './harness.ts';

// A sweep's results file (rtclab sweep --out, JSON lines) dropped on the page: the sweep panel plots the success
// rate across a grid parameter with 95% intervals, one series per combination of the others, above the CLI's
// aggregate table; a point selects its row and its replay command. A bad line is refused naming its line, and the
// trace on screen stays. Checked at both window sizes, in English and Chinese.

const EXAMPLE = readFileSync(new URL('../../examples/sweep/ice-nat-loss-turn.jsonl', import.meta.url));

type AppHandle = { p?: { n: number } };
const hops = (page: Page): Promise<number | undefined> => page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.p?.n);

describeInChromium('the sweep panel in Chromium', (session) => {
  for (const [width, height] of WINDOW_SIZES) {
    it(`plots a dropped sweep's success rate with intervals and selects a combination's row (${width}×${height})`, async () => {
      const { page, errors } = await openApp(session(), '?scenario=nat-full-cone');
      await page.setViewportSize({ width, height });
      const before = await hops(page);
      await dropFiles(page, [{ name: 'ice.jsonl', bytes: EXAMPLE }]);
      const panel = page.locator('[data-testid=sweep-panel]');
      await expect.poll(() => panel.isVisible()).toBe(true);
      await expect.poll(() => page.locator('[data-testid=sweep-title]').textContent()).toBe('Sweep ice.jsonl: 180 runs, 30 combinations');
      // loss across (the parameter with most values); every combination has a success rate: 30 points, 6 series
      expect(await page.locator('[data-testid=sweep-x]').inputValue()).toBe('nodes.alice.link.loss');
      expect(await page.locator('[data-testid=sweep-point]').count()).toBe(30);
      expect(await page.locator('[data-testid=sweep-chart] .sweep-series').count()).toBe(6);
      expect(await page.locator('[data-testid=sweep-legend] .sweep-key').count()).toBe(6);
      expect(await page.locator('[data-testid=sweep-table] tbody tr').count()).toBe(30);
      // the panel fits the window: nothing of the chart is cut at the right edge
      const box = (await page.locator('[data-testid=sweep-chart]').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      // the trace loaded before is untouched
      expect(await hops(page)).toBe(before);
      await page.screenshot({ path: artifact(`sweep-success-${width}x${height}.png`) });

      // ICE setup time across the NAT: a categorical axis; combinations that never connected have no point
      await page.locator('[data-testid=sweep-x]').selectOption('peers.bob.nat');
      await page.locator('[data-testid=sweep-measure]').selectOption('ice');
      expect(await page.locator('[data-testid=sweep-point]').count()).toBe(20);
      expect(await page.locator('[data-testid=sweep-body]').textContent()).toContain('10 combinations have no value for this measure');
      const ticks = await page.locator('[data-testid=sweep-chart] .tick text').allTextContents();
      expect(ticks).toEqual(expect.arrayContaining(['full-cone', 'port-restricted-cone', 'symmetric']));

      // a point is a button: its combination's row is selected and shows the command that replays a failed seed
      const point = page.locator('[data-testid=sweep-point][data-combo="28"]');
      await point.click();
      const row = page.locator('[data-testid=sweep-table] tr.selected');
      expect(await row.count()).toBe(1);
      expect(await row.getAttribute('data-combo')).toBe("28");
      expect(await row.locator('.sweep-cmd').textContent()).toMatch(/^rtclab run SCENARIO --set peers\.bob\.nat=symmetric --set nodes\.alice\.link\.loss=0\.3 --set 'apps\[0\]\.users=\{"alice":"alice-secret","bob":"bob-secret"\}' --seed \d+$/);
      await page.screenshot({ path: artifact(`sweep-ice-${width}x${height}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('speaks Chinese, and refuses a results file with a bad line, naming the line, keeping what was shown', async () => {
    const { page, errors } = await openApp(session(), '?scenario=nat-full-cone');
    await page.setViewportSize({ width: 1280, height: 800 });
    const before = await hops(page);
    const lines = EXAMPLE.toString('utf8').split('\n');
    lines[2] = lines[2]!.replace('"outcome":"connected"', '"outcome":"sometimes"');
    await dropFiles(page, [{ name: 'broken.jsonl', bytes: new TextEncoder().encode(lines.join('\n')) }]);
    await expect.poll(() => page.locator('[data-testid=error-text]').textContent()).toContain('broken.jsonl:3: not a sweep result line: "outcome" is "sometimes"');
    expect(await page.locator('[data-testid=sweep-panel]').count()).toBe(0);
    expect(await hops(page)).toBe(before);

    await dropFiles(page, [{ name: 'ice.jsonl', bytes: EXAMPLE }]);
    await expect.poll(() => page.locator('[data-testid=sweep-panel]').isVisible()).toBe(true);
    await page.locator('[data-testid=lang-select]').selectOption('zh');
    await expect.poll(() => page.locator('[data-testid=sweep-title]').textContent()).toBe('扫描 ice.jsonl：180 次运行，30 种组合');
    expect(await page.locator('[data-testid=sweep-measure] option').allTextContents()).toEqual(['成功率', 'ICE 建立时间（均值）', '媒体丢包率（均值）']);
    expect(await page.locator('[data-testid=open-sweep]').textContent()).toBe('扫描');
    await page.screenshot({ path: artifact('sweep-zh-1280x800.png') });
    // closed, then opened again from the header with what it showed
    await page.locator('[data-testid=sweep-close]').click();
    expect(await page.locator('[data-testid=sweep-panel]').isVisible()).toBe(false);
    await page.locator('[data-testid=open-sweep]').click();
    expect(await page.locator('[data-testid=sweep-point]').count()).toBe(30);
    expect(errors).toEqual([]);
    await page.close();
  });
});
