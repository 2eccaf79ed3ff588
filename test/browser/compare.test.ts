import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, CHROMIUM, openApp, startSession, type Session, dropFiles } from './harness.ts';

// Cause-and-effect links and side-by-side comparison in a real Chromium. A call between two NATs: selecting a
// Binding request draws a link to its response and the detail lists it; keeping the run as A, making natA's
// mapping endpoint-dependent and re-running shows both ladders, a diff naming the changed field and the changed
// selected pair, and a URL that reproduces the comparison. A capture dropped while comparing becomes B.

type Rel = { kind: string; cause: number; effect: number };
type AppHandle = {
  p?: { n: number };
  selected: number;
  ladder: { hopPoint(i: number): { x: number; y: number }; exportSvg(): string; zoomTo(t0: number, t1: number): void; canvas: HTMLCanvasElement };
  relations: { ready: Promise<void>; relations: readonly Rel[]; setShowAll(on: boolean): void };
  relationsReady: Promise<readonly Rel[]>;
  compare: { active: boolean; runA?: { p: { n: number }; ladder: { canvas: HTMLCanvasElement } } };
};

const SHARED = '/work/shared/captures';
const capturePath = (rel: string): string => (existsSync(`${SHARED}/${rel}`) ? `${SHARED}/${rel}` : `sim/wire/pcap/testdata/${rel.split('/').pop()}`);

/** The number of line segments the exported ladder draws in a colour (links have their own colours). */
const strokes = (svg: string, colour: string): number => svg.split(`stroke="${colour}"`).length - 1;

async function relations(page: Page): Promise<Rel[]> {
  return page.evaluate(async () => [...(await (window as unknown as { rtclab: AppHandle }).rtclab.relationsReady)]);
}

async function clickHop(page: Page, hop: number): Promise<void> {
  const pt = await page.evaluate((i) => (window as unknown as { rtclab: AppHandle }).rtclab.ladder.hopPoint(i), hop);
  const box = (await page.locator('[data-testid=ladder] .ladder-canvas').boundingBox())!;
  await page.mouse.click(box.x + pt.x, box.y + pt.y);
}

const svgOf = (page: Page): Promise<string> => page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.ladder.exportSvg());

let s: Session;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('cause-and-effect links and compare mode in Chromium', () => {
  beforeAll(async () => {
    s = await startSession();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('selecting a STUN request draws a link to its response and the detail lists it', async () => {
    const { page, errors } = await openApp(s, '?scenario=call-p2p');
    const rels = await relations(page);
    // a request and its response (the signaling's HTTP upgrade, a STUN Binding …)
    const responses = rels.filter((x) => x.kind === 'response');
    expect(responses.length).toBeGreaterThan(0);
    const before = strokes(await svgOf(page), '#ff79c6');
    // the whole call is aggregated on screen: zoom on the first 300 ms, where single packets are drawn
    await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.ladder.zoomTo(0, 300_000));
    // the first request whose arrow is not covered by another one sent at the same instant (the signaling's TCP
    // handshakes and the first STUN requests all leave at 0 ms)
    let r = responses[0]!;
    for (const candidate of responses.slice(0, 12)) {
      await clickHop(page, candidate.cause);
      r = candidate;
      if ((await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.selected)) === candidate.cause) break;
    }
    expect(await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.selected)).toBe(r.cause);
    await expect.poll(async () => strokes(await svgOf(page), '#ff79c6')).toBeGreaterThan(before + 4);
    const item = page.locator('[data-testid=relations] button[data-kind=response]').first();
    await expect.poll(() => item.textContent()).toMatch(new RegExp(`^answered by #${r.effect} \\([A-Za-z ]+ Response\\) after \\d+\\.\\d ms \\(round trip\\)$`));
    await page.screenshot({ path: artifact('compare-01-binding-response-link.png') });
    // the listed response is a button: it selects the response, whose detail names the request
    await item.click();
    expect(await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.selected)).toBe(r.effect);
    await expect.poll(() => page.locator('[data-testid=relations] button[data-kind=response]').first().textContent()).toMatch(new RegExp(`^response to #${r.cause} after`));
    // all links in view (l): more than the selected packet's
    await page.keyboard.press('l');
    await expect.poll(() => page.locator('[data-testid=links-all]').isChecked()).toBe(true);
    const all = await svgOf(page);
    expect(strokes(all, '#c792ea') + strokes(all, '#f1fa8c') + strokes(all, '#50fa7b')).toBeGreaterThan(0);
    await page.screenshot({ path: artifact('compare-02-all-links.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('compare mode: natA made endpoint-dependent shows both ladders and a diff naming the field and the new pair', async () => {
    const { page, errors } = await openApp(s, '?scenario=call-p2p');
    await page.locator('[data-testid=tab-scenario]').click();
    await page.locator('[data-testid=keep-as-a]').click();
    await expect.poll(() => page.locator('[data-testid=compare]').isVisible()).toBe(true);
    await expect.poll(() => page.locator('[data-testid=compare-diff]').textContent()).toContain('Same scenario and seed');
    await page.locator('[data-key="natA.mapping"]').selectOption('address-and-port-dependent');
    await page.locator('[data-testid=rerun]').click();
    const changes = page.locator('[data-testid=scenario-changes]');
    await expect.poll(() => changes.textContent(), { timeout: 60_000 }).toContain('nodes.natA.nat');
    expect(await changes.textContent()).toContain('address-and-port-dependent');
    const outcome = page.locator('[data-testid=outcome-changes]');
    const selRow = outcome.locator('tr', { hasText: 'alice/webrtc-peer selected pair' }).first();
    expect(await selRow.textContent()).toContain('srflx → srflx');
    expect(await selRow.textContent()).toContain('relay');
    expect(await outcome.textContent()).toContain('natA created');
    // two ladders side by side, A on the left, one time axis and zoom
    const a = (await page.locator('[data-testid=ladder-a] canvas').boundingBox())!;
    const b = (await page.locator('[data-testid=ladder] canvas').boundingBox())!;
    expect(a.width).toBeGreaterThan(200);
    expect(a.x + a.width).toBeLessThanOrEqual(b.x + 1);
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.wheel(0, -400);
    const zooms = () => page.evaluate(() => [...document.querySelectorAll('canvas.ladder-canvas')].map((c) => (c as unknown as { __zoom: { k: number; y: number } }).__zoom).map((z) => `${z.k.toFixed(6)} ${z.y.toFixed(3)}`));
    await expect.poll(async () => new Set(await zooms()).size).toBe(1);
    await page.screenshot({ path: artifact('compare-03-symmetric-natA.png') });
    // the address bar reproduces the comparison: run A and B's assignment
    await expect.poll(() => page.evaluate(() => location.search)).toContain('a=call-p2p');
    const search = await page.evaluate(() => location.search);
    expect(decodeURIComponent(search)).toContain('set=nodes.natA.nat={"mapping":"address-and-port-dependent"}');
    const again = await openApp(s, search);
    await expect.poll(() => again.page.locator('[data-testid=scenario-changes]').textContent(), { timeout: 60_000 }).toContain('nodes.natA.nat');
    expect(await again.page.locator('[data-testid=outcome-changes]').textContent()).toContain('relay');
    await again.page.close();
    // leaving returns to the single view
    await page.bringToFront();
    await page.locator('[data-testid=compare-leave]').click();
    expect(await page.locator('[data-testid=ladder-a]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.compare.active)).toBe(false);
    await expect.poll(() => page.evaluate(() => location.search)).not.toContain('a=');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('a capture dropped while comparing becomes B beside the kept run', async () => {
    const { page, errors } = await openApp(s, '?scenario=turn-relay');
    await page.locator('[data-testid=tab-scenario]').click();
    await page.locator('[data-testid=keep-as-a]').click();
    const bytes = readFileSync(capturePath('stun-turn-coturn/stun-turn-coturn.pcapng'));
    await dropFiles(page, [{ name: 'stun-turn-coturn.pcapng', bytes }]);
    await expect.poll(() => page.locator('[data-testid=compare-diff]').textContent(), { timeout: 30_000 }).toContain('One side is a capture');
    expect(await page.locator('[data-testid=compare]').textContent()).toContain('stun-turn-coturn.pcapng');
    const rows = await page.locator('[data-testid=outcome-changes]').textContent();
    expect(rows).toContain('datagrams');
    expect(await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.compare.runA!.p.n)).toBeGreaterThan(0);
    await page.screenshot({ path: artifact('compare-04-capture-as-b.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
