import type { Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { capturePath } from '../captures.ts';
import { artifact, describeInChromium, openApp, QUICK_START, sharedApp, WINDOW_SIZES, type Session } from './harness.ts';

// The Diagnosis panel in Chromium at 1280×800 and 1440×900: a run of symmetric NATs without TURN lists why ICE
// failed, with the fix; clicking a hop of its evidence selects that hop on the ladder, clicking a note moves the
// cursor to it; a run that works shows no Diagnosis panel at all.

type AppHandle = { p?: { n: number; notes: { t: number }[] }; now: number; selected: number };

const state = (page: Page): Promise<{ selected: number; now: number }> =>
  page.evaluate(() => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    return { selected: a.selected, now: a.now };
  });

/** Opens the page (the query's run, else the capture opened on a quick start page) at a window size and waits for its Diagnosis panel. */
async function openPanel(session: Session, query: string, width: number, height: number, capture?: string): Promise<{ page: Page; errors: string[]; panel: Locator }> {
  const { page, errors } = await openApp(session, query);
  await page.setViewportSize({ width, height });
  if (capture) {
    await page.locator('#file').setInputFiles(capture);
    // the capture's panel, not the start page's run's
    const name = capture.split('/').pop()!;
    await expect.poll(() => page.locator('[data-testid=status]').first().textContent(), { timeout: 60_000 }).toContain(`${name} · `);
  }
  const panel = page.locator('[data-testid=panel-diagnosis]');
  await expect.poll(() => panel.isVisible(), { timeout: 60_000 }).toBe(true);
  return { page, errors, panel };
}

/** Clicks an evidence hop button ("hop #N"): hop N is selected on the ladder. Returns N. */
async function clickHop(page: Page, button: Locator): Promise<number> {
  const hop = Number((await button.textContent())!.replace(/^hop #/, ''));
  await button.click();
  await expect.poll(async () => (await state(page)).selected).toBe(hop);
  return hop;
}

/** The panel fits the window's width (no horizontal overflow of the page), the page raised no error; closes it unless shared. */
async function fitsAndCloses(page: Page, errors: string[], close = true): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(errors).toEqual([]);
  if (close) await page.close();
}

describeInChromium('the Diagnosis panel in Chromium', (session) => {
  for (const [width, height] of WINDOW_SIZES) {
    it(`at ${width}×${height}: lists the causes of a failed run, and its evidence selects hops and notes`, async () => {
      const { page, errors, panel } = await openPanel(session(), '?scenario=fail-symmetric-no-turn', width, height);
      const findings = panel.locator('.finding');
      expect(await findings.count()).toBe(2);
      const first = findings.first();
      expect(await first.getAttribute('data-cause')).toBe('ice.nat-mapping');
      expect(await first.textContent()).toContain('make natA map endpoint-independently');
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`diagnosis-${width}x${height}-01-panel.png`) });
      // a hop of the evidence: selected on the ladder, the detail shows it
      await clickHop(page, first.locator('.evidence-hop').first());
      await page.screenshot({ path: artifact(`diagnosis-${width}x${height}-02-hop-selected.png`) });
      // a note of the evidence: the cursor goes to its moment
      const noteButton = first.locator('.evidence-note').first();
      const note = Number((await noteButton.textContent())!.replace(/^note #/, ''));
      const t = await page.evaluate((i) => (window as unknown as { rtclab: AppHandle }).rtclab.p!.notes[i]!.t, note);
      await noteButton.click();
      await expect.poll(async () => (await state(page)).now).toBe(t);
      await fitsAndCloses(page, errors);
    }, 180_000);
  }

  // one page of this call (12,000 hops) for both window sizes: the second resizes it and selects hop 0 again with the
  // cursor where the page opened, so that the evidence's hop button has something to change
  const ssrcPage = sharedApp(session, '?scenario=fail-unknown-ssrc');
  let start: number | undefined;
  for (const [width, height] of WINDOW_SIZES) {
    it(`at ${width}×${height}: an SSRC bob does not know is named with its hop, and the hop selects`, async () => {
      const { page, errors } = await ssrcPage();
      start ??= (await state(page)).now;
      await page.evaluate((t) => {
        const a = (window as unknown as { rtclab: AppHandle & { select(i: number, reveal: boolean, moveCursor: boolean): void; seek(t: number): void } }).rtclab;
        a.select(0, false, false);
        a.seek(t);
      }, start);
      await page.setViewportSize({ width, height });
      const panel = page.locator('[data-testid=panel-diagnosis]');
      await expect.poll(() => panel.isVisible(), { timeout: 60_000 }).toBe(true);
      const findings = panel.locator('.finding');
      expect(await findings.count()).toBe(1);
      const f = findings.first();
      expect(await f.getAttribute('data-cause')).toBe('media.unknown-ssrc');
      const text = (await f.locator('.finding-text').textContent()) ?? '';
      expect(text).toMatch(/bob dropped all \d+ of the \d+ RTP packets it received from alice/);
      expect(text).toMatch(/SSRC 0x[0-9a-f]{8} \(payload type 111\), first on hop #\d+/);
      expect(await f.locator('.finding-fix-text').textContent()).toContain('remove rtpFaults from alice');
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`diagnosis-unknown-ssrc-${width}x${height}.png`) });
      const hop = await clickHop(page, f.locator('.evidence-hop').first());
      expect(text).toContain(`hop #${hop} `);
      await fitsAndCloses(page, errors, false);
    }, 180_000);
  }

  for (const [width, height] of WINDOW_SIZES) {
    it(`at ${width}×${height}: an opened capture shows its DTLS alert as a fact (level, description, sender) with the refused certificate`, async () => {
      const { page, errors, panel } = await openPanel(session(), QUICK_START, width, height, capturePath('chromium-fingerprint-mismatch', 'chromium-fingerprint-mismatch.pcapng'));
      // the finding now comes from the packets themselves: who refused what, with the alert's description
      const f = panel.locator('.finding').first();
      expect(await f.getAttribute('data-cause')).toBe('dtls.certificate-rejected');
      expect(await f.locator('.finding-text').textContent()).toContain('192.0.2.2:50549 refused the DTLS certificate');
      expect(await f.locator('.finding-text').textContent()).toContain('fatal certificate_unknown alert');
      const facts = panel.locator('[data-testid=diagnosis-alerts]');
      expect(await facts.textContent()).toContain('DTLS alerts in the capture (1)');
      const alert = facts.locator('.alert-fact');
      expect(await alert.count()).toBe(1);
      expect(await alert.getAttribute('data-level')).toBe('2');
      expect(await alert.getAttribute('data-description')).toBe('46');
      expect(await alert.textContent()).toMatch(/fatal certificate_unknown \(46\) sent by 192\.0\.2\.2:50549 to [\d.]+:\d+/);
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`diagnosis-capture-alert-${width}x${height}.png`) });
      // its hop button selects the alert's packet on the ladder (frame 21 of the capture)
      expect(await clickHop(page, alert.locator('.evidence-hop'))).toBe(20);
      await fitsAndCloses(page, errors);
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
