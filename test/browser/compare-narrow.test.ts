import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, sharedApp, WINDOW_SIZES } from './harness.ts';

// Compare mode at the window sizes learners have (issue 14): the two ladders' lane headers do not run into each
// other (six lanes in half the width: names take turns on two rows), and the ICE checklist and NAT tables beside them
// show every address, relay addresses included, whole (not cut with an ellipsis, not broken mid-port).

type Header = { lane: number; text: string; x0: number; x1: number; y: number };
type AppHandle = {
  p: { end: number };
  now: number;
  ladder: { laneHeaders: Header[]; canvas: HTMLCanvasElement };
  compare: { active: boolean; runA?: { ladder: { laneHeaders: Header[]; canvas: HTMLCanvasElement } } };
  moveTo(t: number): void;
};

/** Lane headers that overprint a neighbour on their row, or that were cut, as "a/b" names. */
function clashes(hs: readonly Header[]): string[] {
  const out: string[] = [];
  for (const h of hs) {
    if (h.text.endsWith('…')) out.push(`${h.text} cut`);
    for (const o of hs) if (o.lane > h.lane && o.y === h.y && o.x0 < h.x1 + 2) out.push(`${h.text}/${o.text}`);
  }
  return out;
}

/** Addresses in the state pane drawn narrower than their text (cut by an ellipsis or by their cell). */
const cutAddresses = (page: Page): Promise<string[]> =>
  page.locator('#panels .addr, #topology .addr').evaluateAll((els) =>
    els.filter((e) => (e as HTMLElement).offsetParent !== null && e.scrollWidth > e.clientWidth + 1).map((e) => `${e.textContent} (${e.clientWidth}/${e.scrollWidth} px)`),
  );

describeInChromium('compare mode at 1280×800 and 1440×900', (session) => {
  // one page of the two runs for both window sizes: the second resizes it and puts the cursor back where it opened
  const comparePage = sharedApp(session, '?scenario=ice-symmetric-turn&a=ice-symmetric-turn&aset=peers.bob.nat%3Dfull-cone');
  let start: number | undefined;
  for (const [w, h] of WINDOW_SIZES) {
    it(`${w}×${h}: lane headers apart and whole, relay addresses whole`, async () => {
      const { page, errors } = await comparePage();
      const app = (f: (a: AppHandle) => unknown): Promise<unknown> => page.evaluate(`(${f.toString()})(window.rtclab)`);
      start ??= (await app((x) => x.now)) as number;
      await page.evaluate((t) => (window as unknown as { rtclab: AppHandle }).rtclab.moveTo(t), start);
      await page.setViewportSize({ width: w, height: h });
      await expect.poll(() => app((a) => a.compare.active), { timeout: 120_000 }).toBe(true);
      await expect.poll(() => app((a) => a.compare.runA?.ladder.laneHeaders.length ?? 0), { timeout: 30_000 }).toBe(6);
      await page.waitForTimeout(500);
      const a = (await app((x) => x.compare.runA!.ladder.laneHeaders)) as Header[];
      const b = (await app((x) => x.ladder.laneHeaders)) as Header[];
      expect(b.map((x) => x.text)).toEqual(['alice', 'natA', 'internet', 'server', 'natB', 'bob']);
      expect(clashes(a), 'run A').toEqual([]);
      expect(clashes(b), 'run B').toEqual([]);
      // the ladders are side by side, each narrower than its six names in a row
      const widths = (await app((x) => [x.compare.runA!.ladder.canvas.clientWidth, x.ladder.canvas.clientWidth])) as number[];
      expect(Math.max(...widths)).toBeLessThan(w / 2);
      await page.screenshot({ path: artifact(`compare-narrow-01-headers-${w}x${h}.png`) });

      // at the end of the run: the ICE checklist with its relay pairs, the NAT tables with their mappings
      await app((x) => x.moveTo(x.p.end));
      await expect.poll(() => page.locator('#panels [data-testid=ice-checklist] .cand .addr').count(), { timeout: 30_000 }).toBeGreaterThan(4);
      const relays = await page.locator('#panels [data-testid=ice-checklist] .cand-relay').count();
      expect(relays).toBeGreaterThan(0);
      expect(await cutAddresses(page)).toEqual([]);
      await page.locator('#panels [data-testid=ice-checklist]').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`compare-narrow-02-ice-${w}x${h}.png`) });
      expect(errors).toEqual([]);
    }, 300_000);
  }
});
