import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, CHROMIUM, openApp, startSession, type Session } from './harness.ts';

// The statistics under the ladder in Chromium, at 1280×800 and 1440×900: opened from the strip's toggle, the bit
// rate of each stream and pair is drawn over the ladder's time span with the cursor; the metric switches to round
// trips; a click on the graph moves the cursor there; CSV and JSON download the report the worker computed.

type GraphsHandle = { report?: { bucketMs: number; streams: unknown[]; pairs: unknown[] }; ready: Promise<void>; open: boolean };
type AppHandle = { now: number; graphs: GraphsHandle; ladder: { frames: number } };

const graphsState = (page: Page): Promise<{ streams: number; pairs: number; bucketMs: number; now: number }> =>
  page.evaluate(async () => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    await a.graphs.ready;
    return { streams: a.graphs.report?.streams.length ?? -1, pairs: a.graphs.report?.pairs.length ?? -1, bucketMs: a.graphs.report?.bucketMs ?? 0, now: a.now };
  });

let s: Session;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('statistics under the ladder in Chromium', () => {
  beforeAll(async () => {
    s = await startSession();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  for (const [width, height] of [
    [1280, 800],
    [1440, 900],
  ] as const) {
    it(`call-p2p at ${width}×${height}: bit rate and round trips per stream and pair, the cursor, a click seeks, CSV and JSON download`, async () => {
      const { page, errors } = await openApp(s, '?scenario=call-p2p');
      await page.setViewportSize({ width, height });
      const toggle = page.locator('[data-testid=stats-toggle]');
      expect(await page.locator('[data-testid=stats-svg]').isVisible()).toBe(false);
      await toggle.click();
      const st = await graphsState(page);
      expect(st.streams).toBeGreaterThanOrEqual(4);
      expect(st.pairs).toBeGreaterThan(0);
      expect(st.bucketMs).toBe(100);
      // fit the whole call so every line is in the window
      await page.locator('#fit').click();
      await expect.poll(() => page.locator('[data-testid=stats-svg] path.stats-line').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
      expect(await page.locator('[data-testid=stats-note]').textContent()).toMatch(/100 ms buckets from \d+ stream\(s\), \d+ pair\(s\)/);
      const svg = page.locator('[data-testid=stats-svg]');
      const box = (await svg.boundingBox())!;
      expect(box.width).toBeGreaterThan(300);
      expect(box.y + box.height).toBeLessThanOrEqual(height);
      await page.screenshot({ path: artifact(`stats-bitrate-${width}x${height}.png`) });

      // a click two thirds of the way along the graph moves the cursor there (the ladder shows the whole call)
      const before = st.now;
      await svg.click({ position: { x: 58 + (box.width - 68) * (2 / 3), y: box.height / 2 } });
      await expect.poll(async () => (await graphsState(page)).now).toBeGreaterThan(before);
      await expect.poll(() => page.locator('[data-testid=stats-cursor]').count()).toBe(1);

      await page.locator('[data-testid=stats-metric]').selectOption('rtt');
      await expect.poll(() => page.locator('[data-testid=stats-svg] path.stats-line').count()).toBeGreaterThanOrEqual(2);
      const legend = await page.locator('[data-testid=stats-legend]').textContent();
      expect(legend).toMatch(/RTCP/);
      expect(legend).toMatch(/STUN/);
      // a legend entry hides its line
      const lines = await page.locator('[data-testid=stats-svg] path.stats-line').count();
      await page.locator('[data-testid=stats-legend] .stats-key').first().click();
      await expect.poll(() => page.locator('[data-testid=stats-svg] path.stats-line').count()).toBe(lines - 1);
      await page.screenshot({ path: artifact(`stats-rtt-${width}x${height}.png`) });

      const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=stats-csv]').click()]);
      const csvText = readFileSync((await csv.path())!, 'utf8');
      expect(csvText.split('\r\n')[0]).toMatch(/^entity,id,vantage,t_ms,packets_per_s,bits_per_s/);
      expect(csvText.split('\r\n').filter((l) => l.startsWith('stream,')).length).toBeGreaterThan(100);
      const [json] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=stats-json]').click()]);
      const report = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { streams: { rtcp: { rtt?: { minMs: number } } }[] };
      expect(report.streams.some((x) => (x.rtcp.rtt?.minMs ?? 0) >= 44 && (x.rtcp.rtt?.minMs ?? 0) < 44.1)).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    }, 300_000);
  }
});
