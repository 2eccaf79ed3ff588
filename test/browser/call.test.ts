import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, CHROMIUM, openApp, startSession, type Session } from './harness.ts';

// The webrtc-call lesson in Chromium: stepping to after ICE completes shows the selected pair in the ICE panel
// and a connected DTLS endpoint, and stepping back to before the selection takes the ★ away again.

let s: Session;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('a full call in the visualizer', () => {
  beforeAll(async () => {
    s = await startSession();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('after ICE completes the ICE panel shows the selected pair and the DTLS panel shows connected', async () => {
    const { page, errors } = await openApp(s, '?lesson=webrtc-call');
    await expect.poll(() => page.locator('#lesson-select').inputValue()).toBe('webrtc-call');
    const ice = page.locator('[data-testid=panel-ice]');
    const dtls = page.locator('[data-testid=panel-dtls]');

    // "ICE selects a pair" (checkpoint 4 asks first: the panels show the moment once it is answered): the
    // controlling agent's ★ row is there, DTLS has started but not finished.
    const answer = async (): Promise<void> => {
      await expect.poll(() => page.locator('[data-testid=question]').count()).toBe(1);
      const value = await page.evaluate(() => (window as unknown as { rtclab: { lessons: { computed?: { value: string } } } }).rtclab.lessons.computed?.value);
      await page.locator(`[data-testid=question] input[value="${value}"]`).check();
      await page.locator('[data-testid=check]').click();
    };
    await page.locator('[data-testid=checkpoint-4]').click();
    await answer();
    await expect.poll(() => ice.locator('[data-testid=ice-selected]').count()).toBeGreaterThanOrEqual(1);
    expect(await ice.locator('tr[data-selected=true] td.state').first().textContent()).toContain('succeeded');

    // "The first SRTP packet": alice's handshake is complete.
    await page.locator('[data-testid=checkpoint-6]').click();
    await answer();
    await expect.poll(() => dtls.locator('[data-testid=dtls-state]').allTextContents()).toContain('connected');
    expect(await ice.locator('[data-testid=ice-state]').allTextContents()).toEqual(['completed', 'completed']);
    expect(await dtls.locator('[data-testid=dtls-fingerprint]').first().textContent()).toContain('✓');
    await expect.poll(() => page.locator('[data-testid=panel-srtp]').textContent()).toContain('SRTP_AES128_CM_HMAC_SHA1_80');
    await page.screenshot({ path: artifact('call-01-after-ice-dtls.png') });
    await page.locator('.state-panels').screenshot({ path: artifact('call-02-state-panels.png') });

    // Back to when bob forms his pairs: no pair is selected yet (with libwebrtc's nomination the first check that
    // works already selects, so the checkpoint before any check is the one without a ★).
    await page.locator('[data-testid=checkpoint-2]').click();
    await expect.poll(() => ice.locator('[data-testid=ice-selected]').count()).toBe(0);
    expect(await dtls.textContent()).not.toContain('connected');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
