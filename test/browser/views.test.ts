import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, CHROMIUM, dropFiles, openApp, startSession, type Session } from './harness.ts';

// An engineer's views in Chromium at 1280×800 and 1440×900: the SDP offer and answer side by side (a simulated run
// whose signaling server rewrote the offer, and a real Janus capture), each line a way back to its hop.

type AppHandle = { selected: number; now: number; p?: { n: number }; statusText(): string };

const app = (page: Page): Promise<{ selected: number; now: number; n: number }> =>
  page.evaluate(() => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    return { selected: a.selected, now: a.now, n: a.p?.n ?? 0 };
  });

let s: Session;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("an engineer's views in Chromium", () => {
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
    it(`SDP side by side at ${width}×${height}: a rewritten offer as each side saw it, audio rejected, a line selects its hop`, async () => {
      const { page, errors } = await openApp(s, '?scenario=call-no-common-audio-codec');
      await page.setViewportSize({ width, height });
      await page.locator('[data-testid=open-sdp]').click();
      const panel = page.locator('[data-testid=analysis-panel]');
      await expect.poll(() => panel.locator('[data-testid=sdp-exchange]').count(), { timeout: 60_000 }).toBe(2);
      const first = panel.locator('[data-testid=sdp-exchange]').first();
      expect(await first.locator('h4').textContent()).toBe('Exchange 1, as the answerer saw it (the offer delivered, the answer it sent)');
      expect(await first.locator('[data-testid=sdp-problems]').textContent()).toContain('was rewritten on its way (hop #65');
      expect(await first.locator('[data-testid=sdp-result]').nth(0).textContent()).toBe(' rejected: no audio');
      const mline = first.locator('tr[data-key="m"]').first();
      expect(await mline.getAttribute('data-status')).toBe('rejected');
      const box = (await panel.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      expect(box.y + box.height).toBeLessThanOrEqual(height);
      await page.screenshot({ path: artifact(`views-sdp-${width}x${height}.png`) });
      // the offer's line selects the hop that carried the offer as delivered; the answer's the hop of the answer sent
      await mline.locator('td.sdp-line').nth(0).click();
      await expect.poll(async () => (await app(page)).selected).toBe(65);
      await mline.locator('td.sdp-line').nth(1).click();
      await expect.poll(async () => (await app(page)).selected).toBe(91);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('SDP of a real Janus capture over WebSocket: one exchange, the answer line selects frame 32', async () => {
    const { page, errors } = await openApp(s, '?scenario=call-p2p');
    await page.setViewportSize({ width: 1280, height: 800 });
    await dropFiles(page, [{ name: 'janus-websocket.pcapng', bytes: readFileSync('captures/signaling/janus-websocket.pcapng') }]);
    await expect.poll(() => page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.statusText()), { timeout: 60_000 }).toMatch(/janus-websocket\.pcapng/);
    await page.locator('[data-testid=open-sdp]').click();
    const panel = page.locator('[data-testid=analysis-panel]');
    await expect.poll(() => panel.locator('[data-testid=sdp-exchange]').count(), { timeout: 60_000 }).toBe(1);
    expect(await panel.locator('[data-testid=sdp-result]').allTextContents()).toEqual([' kept opus/48000, PCMU/8000; sendrecv → sendrecv; setup actpass → passive; bundled (tagged)', ' kept VP8/90000, rtx/90000; sendrecv → sendrecv; setup actpass → passive; bundled (on mid 0)']);
    await panel.locator('tr[data-key="setup"] td.sdp-line').nth(1).click();
    await expect.poll(async () => (await app(page)).selected).toBe(31);
    await page.screenshot({ path: artifact('views-sdp-janus-capture.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
