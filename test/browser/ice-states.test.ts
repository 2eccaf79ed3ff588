import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, sharedApp, WINDOW_SIZES } from './harness.ts';

// The ICE checklist's state column (issue 14): every pair state (frozen, waiting, in-progress, succeeded, failed)
// shows whole on one line, never cut to "in…" (nor the addresses and priorities beside it), at 1280×800 and 1440×900,
// in English and in Chinese, all along a
// call in which every state occurs (a symmetric NAT with TURN: host, srflx and relayed pairs, some fail).

type AppHandle = { p?: { end: number; notes: { t: number; kind: string; data: { state?: string } }[] }; seek(t: number): void; renderPanels(): void };

/** The state cells on screen that do not show their whole text on one line, and the states seen. */
async function cutStates(page: Page): Promise<{ cut: string[]; seen: string[] }> {
  return page.evaluate(() => {
    const cut: string[] = [];
    const seen: string[] = [];
    for (const td of document.querySelectorAll<HTMLElement>('[data-testid=ice-checklist] td.state')) {
      const state = td.closest('tr')!.getAttribute('data-state') ?? '';
      seen.push(state);
      const r = document.createRange();
      r.selectNodeContents(td);
      const rects = [...r.getClientRects()].filter((x) => x.width > 0);
      const lines = new Set(rects.map((x) => Math.round(x.top))).size;
      const text = r.getBoundingClientRect();
      const cell = td.getBoundingClientRect();
      const style = getComputedStyle(td);
      const inner = cell.right - parseFloat(style.paddingRight);
      if (!td.textContent!.includes(state) || lines !== 1 || text.right > inner + 0.5 || td.scrollWidth > td.clientWidth) cut.push(`${state}: "${td.textContent}" ${lines} line(s), text right ${text.right.toFixed(1)} > cell ${inner.toFixed(1)}`);
    }
    // and the columns the states took room from: every priority inside its cell; a private IPv4 address and port
    // (10.0.1.10:54635) whole, a longer one cut with an ellipsis but whole in its tooltip
    for (const a of document.querySelectorAll<HTMLElement>('[data-testid=ice-checklist] .addr, [data-testid=ice-checklist] td.prio, [data-testid=ice-checklist] td.flags')) {
      // the text's own width against the box's (scrollWidth rounds: an ellipsis can hide under a pixel)
      const range = document.createRange();
      range.selectNodeContents(a);
      const box = a.getBoundingClientRect();
      const cs = getComputedStyle(a);
      const room = box.width - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth);
      const whole = range.getBoundingClientRect().width <= room + 0.01 && a.scrollWidth <= a.clientWidth;
      if (a.matches('.addr') && a.textContent!.length > 15) {
        if (!whole && a.title !== a.textContent) cut.push(`"${a.textContent}" cut without a tooltip`);
      } else if (!whole) cut.push(`"${a.textContent}" cut (${range.getBoundingClientRect().width.toFixed(2)} > ${room.toFixed(2)})`);
    }
    return { cut, seen: [...new Set(seen)] };
  });
}

describeInChromium('the ICE checklist\'s states in Chromium', (session) => {
  // one page for both window sizes: each test sets the language and the cursor itself at every step
  const turnPage = sharedApp(session, '?scenario=ice-symmetric-turn');
  for (const [width, height] of WINDOW_SIZES) {
    it(`at ${width}×${height}, in English and Chinese: every pair state shows whole on one line`, async () => {
      const { page, errors } = await turnPage();
      await page.setViewportSize({ width, height });
      // the moments a pair changed state: each state as it first appears, and the end
      const times = await page.evaluate(() => {
        const p = (window as unknown as { rtclab: AppHandle }).rtclab.p!;
        const firsts = new Map<string, number>();
        for (const n of p.notes) if (n.kind === 'ice.pair.state' && n.data.state && !firsts.has(n.data.state)) firsts.set(n.data.state, n.t);
        return [...firsts.values(), p.end];
      });
      const seen = new Set<string>();
      for (const lang of ['en', 'zh']) {
        await page.locator('[data-testid=lang-select]').selectOption(lang);
        for (const t of times) {
          await page.evaluate((at) => {
            const a = (window as unknown as { rtclab: AppHandle }).rtclab;
            a.seek(at);
            a.renderPanels();
          }, t);
          const r = await cutStates(page);
          for (const s of r.seen) seen.add(s);
          expect(r.cut, `${lang} at ${t} µs`).toEqual([]);
        }
        await page.locator('[data-testid=ice-checklist]').first().screenshot({ path: artifact(`ice-states-${lang}-${width}x${height}.png`) });
        // as the screenshot shows it (scrolled into view)
        expect((await cutStates(page)).cut, `${lang} as shot`).toEqual([]);
      }
      expect([...seen].sort()).toEqual(expect.arrayContaining(['failed', 'in-progress', 'succeeded', 'waiting']));
      expect(errors).toEqual([]);
    }, 300_000);
  }
});
