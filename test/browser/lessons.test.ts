import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, CHROMIUM, openApp, startSession, type Session } from './harness.ts';

// The teaching layer in Chromium, at the window sizes learners have (1280×800 and 1440×900): every lesson is run in
// the page, every checkpoint is clicked and must frame a readable packet (selected, its label drawn, single arrows,
// the list row in view), every question is answered through the page with the answer computed from the run, and
// every checkpoint is seen again in Chinese (no English sentence in the lesson pane, nothing wider than it); and the
// defects of issue 14 stay fixed (layout, notice, selection ↔ cursor, Home, URL values, compare mode, …).

type Box = { left: number; right: number; top: number; bottom: number; width: number; height: number };
type LessonView = { id: string; checkpoints: { question?: { kind: string } }[] };
type AppHandle = {
  p?: { n: number; t: Float64Array; arrive: Float64Array; end: number; packet: Int32Array };
  now: number;
  selected: number;
  allLessons: LessonView[];
  lessons: { settled: Promise<void>; computed?: { value: string; hop?: number }; pick(id: string): Promise<void> };
  ladder: { selected: number; aggregated: boolean; labelled: Map<number, string>; labelBoxes: readonly number[]; hopPoint(i: number): { x: number; y: number }; onScreen(t: number): boolean; canvas: HTMLCanvasElement; frames: number };
  compare: { active: boolean };
  select(i: number, reveal: boolean): void;
};

const SIZES = [
  [1280, 800],
  [1440, 900],
] as const;

const app = <T>(page: Page, f: (a: AppHandle) => T): Promise<T> => page.evaluate(f as unknown as (a: unknown) => T, undefined as unknown);

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.lessons.settled);
  // two frames: the ladder and the panels draw on animation frames
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

const box = (page: Page, sel: string): Promise<Box | undefined> =>
  page.evaluate((s) => {
    const e = document.querySelector(s);
    if (!e) return undefined;
    const r = e.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
  }, sel);

const inside = (a: Box, b: Box): boolean => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
const overlap = (a: Box, b: Box): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * A screenshot of the window as a PNG file, by the DevTools protocol with Chromium's fast PNG encoder: the same
 * pixels, a larger file, in about half the time of Playwright's screenshot (measured on a 1280×800 page on the
 * loaded machine: 1.2-1.3 s against 2.0-2.9 s). The walk takes one a checkpoint.
 */
async function shoot(page: Page, path: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { data } = await cdp.send('Page.captureScreenshot', { format: 'png', optimizeForSpeed: true });
    writeFileSync(path, Buffer.from(data, 'base64'));
  } finally {
    await cdp.detach();
  }
}

/** English prose: three English words in a row that are not a protocol, field or message name. */
const PROSE = /\b(the|and|of|is|are|to|that|which|with|from|this|when|what|will|does|how|why|your|you|its|it|on|in|for|a|an)\s+[a-z]+\s+[a-z]+\b/;

type Edges = { left: number; right: number; top: number; bottom: number };
type Placed = { b: Edges; pane: { top: number; bottom: number } | undefined } | undefined;
type ViewFacts = {
  readable: { hop: number; ladderSel: number; aggregated: boolean; label: string | undefined; pt: { x: number; y: number }; w: number; h: number; row: { top: number; bottom: number } | undefined; list: { top: number; bottom: number }; over: number[][] };
  placed: Record<string, Placed>;
  notice: boolean;
  pane: { english: string[]; wide: string[] } | undefined;
};

/**
 * What a view's checks read, in one trip to the page after two animation frames (the ladder and the panels draw on
 * them): the frame (the selected packet, its arrow, label and list row, overlapping labels), where each of `sels` is
 * drawn and the part of its scrolling pane in view, whether the notice shows, and with `prose` the lesson pane's
 * English sentences and what in it is wider than it.
 */
function viewFacts(page: Page, sels: readonly string[], prose?: string): Promise<ViewFacts> {
  return page.evaluate(
    async ({ sels, prose }) => {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const a = (window as unknown as { rtclab: AppHandle }).rtclab;
      const hop = a.selected;
      const pt = hop >= 0 ? a.ladder.hopPoint(hop) : { x: -1, y: -1 };
      const c = a.ladder.canvas.getBoundingClientRect();
      const row = document.querySelector(`.list-row[data-hop="${hop}"]`)?.getBoundingClientRect();
      const list = document.querySelector('.list-scroll')!.getBoundingClientRect();
      // labels printed over each other (hop labels, drop reasons, note marks): pairs of boxes that overlap
      const b = a.ladder.labelBoxes;
      const over: number[][] = [];
      for (let i = 0; i < b.length; i += 4) for (let j = i + 4; j < b.length; j += 4) if (b[i]! < b[j + 1]! && b[j]! < b[i + 1]! && b[i + 2]! < b[j + 3]! && b[j + 2]! < b[i + 3]!) over.push([...b.slice(i, i + 4), ...b.slice(j, j + 4)]);
      const readable = { hop, ladderSel: a.ladder.selected, aggregated: a.ladder.aggregated, label: a.ladder.labelled.get(hop), pt, w: c.width, h: c.height, row: row ? { top: row.top, bottom: row.bottom } : undefined, list: { top: list.top, bottom: list.bottom }, over };
      const placed: Record<string, { b: { left: number; right: number; top: number; bottom: number }; pane: { top: number; bottom: number } | undefined } | undefined> = {};
      for (const s of sels) {
        const e = document.querySelector(s);
        if (!e) {
          placed[s] = undefined;
          continue;
        }
        const r = e.getBoundingClientRect();
        let pane: DOMRect | undefined;
        for (let p = e.parentElement; p; p = p.parentElement) {
          const o = getComputedStyle(p).overflowY;
          if (o === 'auto' || o === 'scroll') {
            pane = p.getBoundingClientRect();
            break;
          }
        }
        placed[s] = { b: { left: r.left, right: r.right, top: r.top, bottom: r.bottom }, pane: pane && { top: pane.top, bottom: pane.bottom } };
      }
      // as Playwright's isVisible: a box that is not empty, not visibility:hidden
      const n = document.querySelector('[data-testid=notice]') as HTMLElement | null;
      const nr = n?.getBoundingClientRect();
      const notice = !!n && !!nr && nr.width > 0 && nr.height > 0 && getComputedStyle(n).visibility !== 'hidden';
      let pane: { english: string[]; wide: string[] } | undefined;
      if (prose !== null) {
        const re = new RegExp(prose);
        const lp = document.querySelector('[data-testid=lesson]') as HTMLElement;
        const english: string[] = [];
        const wide: string[] = [];
        const right = lp.getBoundingClientRect().right;
        for (const e of lp.querySelectorAll<HTMLElement>('*')) {
          if (e.closest('code, pre, [data-testid=answer], .lesson-index-box') || e.offsetParent === null) continue;
          for (const t of e.childNodes) if (t.nodeType === Node.TEXT_NODE && re.test(t.textContent ?? '')) english.push((t.textContent ?? '').trim());
          if (e.getBoundingClientRect().right > right + 0.5 || e.scrollWidth > e.clientWidth + 1) wide.push(`${e.tagName}.${e.className}: ${(e.textContent ?? '').slice(0, 40)}`);
        }
        pane = { english: [...new Set(english)], wide: [...new Set(wide)] };
      }
      return { readable, placed, notice, pane };
    },
    { sels: [...sels], prose: prose ?? null },
  );
}

/** The frame checks: the packet the checkpoint names is selected, drawn as a single arrow with its label, listed. */
function expectReadableFacts(f: ViewFacts['readable'], what: string): void {
  expect(f.hop, `${what}: a packet is selected`).toBeGreaterThanOrEqual(0);
  expect(f.ladderSel, what).toBe(f.hop);
  expect(f.aggregated, `${what}: single arrows, not density bands`).toBe(false);
  expect(f.label, `${what}: the selected packet's label is drawn`).toBeDefined();
  expect(f.label!.length, `${what}: a readable label (${f.label})`).toBeGreaterThanOrEqual(8);
  expect(f.pt.x > 0 && f.pt.x < f.w && f.pt.y > 40 && f.pt.y < f.h, `${what}: the arrow is on screen ${JSON.stringify(f.pt)}`).toBe(true);
  expect(f.over, `${what}: no label over another`).toEqual([]);
  expect(f.row, `${what}: the list shows its row`).toBeDefined();
  expect(f.row!.top >= f.list.top - 1 && f.row!.bottom <= f.list.bottom + 1, `${what}: its row is in view`).toBe(true);
}

async function expectReadable(page: Page, what: string): Promise<void> {
  expectReadableFacts((await viewFacts(page, [])).readable, what);
}

/** The element is drawn, inside the window and inside the part of its scrolling pane that is in view. */
function expectPlaced(r: Placed, w: number, h: number, what: string): void {
  expect(r, `${what} is on the page`).toBeDefined();
  const { b, pane } = r!;
  expect(b.left >= -0.5 && b.right <= w + 0.5 && b.top >= -0.5 && b.top < h, `${what} inside the ${w}×${h} window ${JSON.stringify(b)}`).toBe(true);
  // a long notice may run below its pane's fold; its start must be in view
  if (pane) expect(b.top >= pane.top - 0.5 && b.top < pane.bottom, `${what} in view in its pane ${JSON.stringify(r)}`).toBe(true);
}

async function expectInWindow(page: Page, sel: string, w: number, h: number, what: string): Promise<void> {
  expectPlaced((await viewFacts(page, [sel])).placed[sel], w, h, what);
}

/** Answers the open question through the page with the answer computed from the run; returns the verdict. */
async function answer(page: Page, kind: string): Promise<string | null> {
  const computed = await app(page, () => (window as unknown as { rtclab: AppHandle }).rtclab.lessons.computed);
  expect(computed).toBeDefined();
  if (kind === 'choice') await page.locator(`[data-testid=question] input[value="${computed!.value}"]`).check();
  else if (kind === 'number') await page.locator('[data-testid=number-answer]').fill(computed!.value);
  else {
    // click the packet's arrow on the ladder, as a learner does
    const pt = await page.evaluate((h) => {
      const a = (window as unknown as { rtclab: AppHandle }).rtclab;
      const p = a.ladder.hopPoint(h);
      const c = a.ladder.canvas.getBoundingClientRect();
      return { x: c.left + p.x, y: c.top + p.y };
    }, computed!.hop!);
    await page.mouse.click(pt.x, pt.y);
    await expect.poll(() => page.locator('[data-testid=picked]').textContent()).toMatch(/#\d+/);
  }
  await page.locator('[data-testid=check]').click();
  await expect.poll(() => page.locator('[data-testid=verdict]').count()).toBe(1);
  return page.locator('[data-testid=verdict]').getAttribute('data-right');
}

let s: Session;

/**
 * The file's two pages, each loaded once and kept from test to test (a page load makes the dev server serve the
 * app and its worker again and runs the lesson's scenario again: ~20 s each on the loaded machine). `call` opens on
 * the webrtc-call lesson and carries the layout checks, the cursor checks and the walk through every lesson; `nat`
 * opens with bad address-bar values and carries the what-if and language tests on nat-basics. Each is opened by the
 * first test that needs it, so a test run alone (-t) still gets it; a test leaves its page in a state the next one
 * starts from (it picks its lesson, size and language itself).
 */
type Shared = { page: Page; errors: string[] };
const pages: { call?: Shared; nat?: Shared } = {};

async function callPage(): Promise<Shared> {
  pages.call ??= await openApp(s, '?lesson=webrtc-call');
  return pages.call;
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('lessons in Chromium', () => {
  beforeAll(async () => {
    s = await startSession();
    // the first page of a dev session waits for vite's first transforms: slow on a loaded machine
    s.context.setDefaultNavigationTimeout(120_000);
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it(`at ${SIZES.map(([w, h]) => `${w}×${h}`).join(' and ')}: the controls fit their column, the list shows summaries, tables never break an address, ladder labels never overlap`, async () => {
    const { page, errors } = await callPage();
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      // the layout after the resize: two frames
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.keyboard.press('Home');
      const view: Box = { left: 0, top: 0, right: w, bottom: h, width: w, height: h };
      const center = (await box(page, '.center'))!;
      for (const id of ['step-back', 'play', 'step-forward', 'scrubber', 'clock', 'jump-kind', 'jump']) {
        const b = (await box(page, `[data-testid=${id}]`))!;
        expect(inside(b, center), `${w}×${h}: ${id} inside the ladder column ${JSON.stringify(b)} ${JSON.stringify(center)}`).toBe(true);
        expect(inside(b, view), `${w}×${h}: ${id} inside the window`).toBe(true);
      }
      const right = (await box(page, '.right'))!;
      expect(overlap((await box(page, '[data-testid=jump-kind]'))!, right)).toBe(false);
      expect(inside((await box(page, '.bottom'))!, view), `${w}×${h}: the bottom pane is inside the window`).toBe(true);
      const summary = (await box(page, '.list-row[data-hop] .summary'))!;
      expect(summary.width, `${w}×${h}: the summary column`).toBeGreaterThanOrEqual(140);
      // the end of the call: the ICE checklist and NAT tables full; no address or priority wraps inside itself
      await page.keyboard.press('End');
      await expect.poll(() => page.locator('[data-testid=ice-checklist] tr.pair').count()).toBeGreaterThan(1);
      const broken = await page.evaluate(() =>
        [...document.querySelectorAll('.right span.addr, .right td.prio')]
          .filter((e) => {
            // the lines the text is laid out on: one, whatever its cell's height
            const r = document.createRange();
            r.selectNodeContents(e);
            return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size > 1;
          })
          .map((e) => e.textContent),
      );
      expect(broken, `${w}×${h}`).toEqual([]);
      expect(await page.locator('[data-testid=ice-checklist] td.prio').first().textContent()).not.toMatch(/\s/);
      // and the side panel never scrolls sideways
      const side = await page.evaluate(() => {
        const r = document.querySelector('.right') as HTMLElement;
        return { scroll: r.scrollWidth, client: r.clientWidth };
      });
      expect(side.scroll, `${w}×${h}`).toBeLessThanOrEqual(side.client);
      // labels: none overlaps another, none over the lane headers or outside the canvas
      for (const t of [0.05, 0.1, 2.3]) {
        await page.evaluate((sec) => (window as unknown as { rtclab: { seek(t: number): void } }).rtclab.seek(sec * 1e6), t);
        const boxes = await page.evaluate(() => [...(window as unknown as { rtclab: AppHandle }).rtclab.ladder.labelBoxes]);
        const cw = await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.ladder.canvas.getBoundingClientRect().width);
        for (let i = 0; i < boxes.length; i += 4) {
          expect(boxes[i]!).toBeGreaterThanOrEqual(0);
          expect(boxes[i + 1]!).toBeLessThanOrEqual(cw);
          expect(boxes[i + 2]!).toBeGreaterThanOrEqual(40);
          for (let j = i + 4; j < boxes.length; j += 4) {
            const a = { left: boxes[i]!, right: boxes[i + 1]!, top: boxes[i + 2]!, bottom: boxes[i + 3]!, width: 0, height: 0 };
            const b = { left: boxes[j]!, right: boxes[j + 1]!, top: boxes[j + 2]!, bottom: boxes[j + 3]!, width: 0, height: 0 };
            expect(overlap(a, b), `${w}×${h} at ${t} s: labels ${i / 4} and ${j / 4} overlap`).toBe(false);
          }
        }
      }
      await page.screenshot({ path: artifact(`lessons-layout-${w}x${h}.png`) });
    }
    expect(errors).toEqual([]);
  }, 180_000);

  it('a checkpoint shows its notice; selecting a packet moves the cursor to it; the list follows the cursor; Home brings the cursor back on screen', async () => {
    const { page, errors } = await callPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('[data-testid=checkpoint-3]').click();
    await settle(page);
    await expect.poll(() => page.locator('[data-testid=notice]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid=notice]').textContent()).toContain('Binding request crossed both NATs');
    await expectReadable(page, 'checkpoint 3');
    // the DTLS Finished checkpoint: its packet selected, the cursor where it arrived, the DTLS panel past it
    await page.locator('[data-testid=checkpoint-5]').click();
    await settle(page);
    const fin = await app(page, () => {
      const a = (window as unknown as { rtclab: AppHandle }).rtclab;
      return { hop: a.selected, now: a.now, arrive: a.p!.arrive[a.selected]! };
    });
    expect(fin.now).toBeGreaterThanOrEqual(fin.arrive);
    // the simulated run's DTLS records open in the detail with the run's own key log
    await expect.poll(() => page.locator('#detail').textContent(), { timeout: 20_000 }).toMatch(/plaintext/);
    // a click on a list row selects and moves the cursor to the hop's arrival
    const row = page.locator('.list-row[data-hop]').nth(3);
    const hop = Number(await row.getAttribute('data-hop'));
    await row.click();
    await expect.poll(() => app(page, () => (window as unknown as { rtclab: AppHandle }).rtclab.now)).toBe(await page.evaluate((i) => (window as unknown as { rtclab: AppHandle }).rtclab.p!.arrive[i]!, hop));
    // stepping forward: the list scrolls with the cursor
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await expect.poll(() => app(page, () => (window as unknown as { rtclab: AppHandle }).rtclab.now)).toBe(0);
    expect(await app(page, () => (window as unknown as { rtclab: AppHandle }).rtclab.ladder.onScreen(0))).toBe(true);
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
    const follow = await page.evaluate(() => {
      const a = (window as unknown as { rtclab: AppHandle }).rtclab;
      const rows = [...document.querySelectorAll('.list-row[data-hop]')].map((r) => Number((r as HTMLElement).dataset.hop));
      let last = 0;
      for (let i = 0; i < a.p!.n && a.p!.t[i]! <= a.now; i++) last = i;
      return { rows, last };
    });
    expect(follow.rows).toContain(follow.last);
    await page.keyboard.press('End');
    expect(await app(page, () => (window as unknown as { rtclab: AppHandle }).rtclab.ladder.onScreen((window as unknown as { rtclab: AppHandle }).rtclab.p!.end))).toBe(true);
    await page.screenshot({ path: artifact('lessons-cursor-follow.png') });
    expect(errors).toEqual([]);
  }, 180_000);

  it('bad address-bar values are each reported; the error box sits under the status line and a later run clears it', async () => {
    pages.nat ??= await openApp(s, '?lesson=nope&t=abc&hop=99999&seed=-3&lang=xx');
    const { page, errors } = pages.nat;
    await expect.poll(() => page.locator('[data-testid=error]').isVisible()).toBe(true);
    const text = (await page.locator('[data-testid=error-text]').textContent()) ?? '';
    expect(text).toMatch(/lesson=nope names no lesson/);
    expect(text).toMatch(/t=abc is not a time/);
    expect(text).toMatch(/hop=99999 is not in this run/);
    expect(text).toMatch(/seed=-3 is not a seed/);
    expect(text).toMatch(/lang=xx is not en or zh/);
    expect(overlap((await box(page, '[data-testid=error]'))!, (await box(page, '[data-testid=status]'))!)).toBe(false);
    await page.locator('[data-testid=lesson-select]').selectOption('nat-basics');
    await expect.poll(() => page.locator('[data-testid=error]').isVisible()).toBe(false);
    await expect.poll(() => page.locator('[data-testid=status]').textContent()).toMatch(/Restricted cone NAT · seed 1/);
    // what the bad values made the page log is theirs; the tests after this one on the page start clean
    errors.length = 0;
  }, 120_000);

  it('a what-if step keeps the run as A beside the changed run B, with the lesson still on screen; answers and progress are kept', async () => {
    pages.nat ??= await openApp(s, '?lesson=nat-basics');
    const { page, errors } = pages.nat;
    if ((await page.locator('[data-testid=lesson-select]').inputValue()) !== 'nat-basics') {
      await page.locator('[data-testid=lesson-select]').selectOption('nat-basics');
      await settle(page);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => localStorage.clear());
    await page.locator('[data-testid=checkpoint-5]').click();
    await settle(page);
    expect(await app(page, () => (window as unknown as { rtclab: AppHandle }).rtclab.compare.active)).toBe(true);
    const left = (await box(page, '.left'))!;
    expect(left.width).toBeGreaterThan(150);
    // the narrower ladder column of compare mode: the clock and the jump menu still side by side without overlap
    const center = (await box(page, '.center'))!;
    for (const id of ['clock', 'jump-kind', 'jump', 'scrubber']) expect(inside((await box(page, `[data-testid=${id}]`))!, center), id).toBe(true);
    expect(overlap((await box(page, '[data-testid=clock]'))!, (await box(page, '.timeline-jump'))!)).toBe(false);
    expect(await page.locator('[data-testid=question]').isVisible()).toBe(true);
    expect(await answer(page, 'number')).toBe('true');
    await expectReadable(page, 'what-if');
    // the diff pane's values are never cut inside a word ("79.12" over "4s")
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=compare-diff] td')]
        .filter((e) => {
          const r = document.createRange();
          r.selectNodeContents(e);
          const text = e.textContent ?? '';
          return !/\s/.test(text.trim()) && new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size > 1;
        })
        .map((e) => e.textContent),
    );
    expect(cut).toEqual([]);
    await expect.poll(() => page.evaluate(() => localStorage.getItem('rtclab.progress.v1'))).toContain('"5":{"right":true');
    await page.locator('[data-testid=lesson-index] summary').click();
    expect(await page.locator('[data-testid=lesson-progress-nat-basics]').textContent()).toMatch(/^1\/\d+$/);
    await page.screenshot({ path: artifact('lessons-what-if-1280x800.png') });
    expect(errors).toEqual([]);
  }, 180_000);

  it('the language switch puts the lesson and the page in Chinese and the link keeps it; lang=zh opens in Chinese', async () => {
    pages.nat ??= await openApp(s, '?lesson=nat-basics');
    const { page, errors } = pages.nat;
    if ((await page.locator('[data-testid=lesson-select]').inputValue()) !== 'nat-basics') {
      await page.locator('[data-testid=lesson-select]').selectOption('nat-basics');
      await settle(page);
    }
    await page.locator('[data-testid=lang-select]').selectOption('zh');
    await expect.poll(() => page.locator('[data-testid=checkpoint-0]').textContent()).toContain('alice 从私有地址发送');
    expect(await page.locator('[data-testid=step-back]').textContent()).toBe('◀ 后退');
    await expect.poll(() => page.evaluate(() => location.search)).toContain('lang=zh');
    expect(errors).toEqual([]);
    // a fresh load of the link (the same page, loaded again: its last use in this file)
    await page.goto(`${s.url}?lesson=nat-basics&lang=zh`);
    await page.waitForFunction(() => {
      const a = (window as unknown as { rtclab?: { p?: unknown; ladder: { frames: number } } }).rtclab;
      return a?.p !== undefined && a.ladder.frames > 0;
    }, undefined, { timeout: 120_000 });
    await expect.poll(() => page.locator('#lesson h2').first().textContent()).toContain('NAT 基础');
    await page.locator('[data-testid=checkpoint-1]').click();
    await settle(page);
    expect(await page.locator('[data-testid=question] .prompt').textContent()).toContain('公网端口');
    expect(errors).toEqual([]);
    await page.close();
    delete pages.nat;
  }, 120_000);

  // Every lesson at both window sizes and in both languages on one page, each lesson's scenarios run once: each
  // checkpoint is seen twice, in English at 1440×900 and in Chinese at 1280×800 (issue 14: the narrower window with
  // the language whose lines wrap differently), in an order that costs one resize and one language switch a checkpoint
  // (the views alternate ends). Each view clicks the checkpoint (the run on screen is kept: a click only frames it) and
  // answers its question through the page from the run. In both, the controls stay inside the window, the notice and
  // the Check button are visible and the packet is readable; in Chinese, the lesson pane (title, checkpoints, notice,
  // question, verdict) also has no English sentence left and nothing wider than its column. Each lesson's last
  // checkpoint is saved in English (test-artifacts/lessons-run-<lesson>-1440x900.png) and every checkpoint in Chinese
  // (test-artifacts/lessons-zh/<lesson>-<n>.png). The English pages at 1280×800 are held by the tests above.
  // RTCLAB_LESSONS=id,id runs only those.
  const only = process.env.RTCLAB_LESSONS?.split(',').filter(Boolean);
  it(`${only ? only.join(', ') : 'every lesson'} runs in English at 1440×900 and in Chinese at 1280×800; every checkpoint frames a readable packet in both; every question is answered from the run; the Chinese lesson pane has no English sentence and nothing wider than it`, async () => {
    mkdirSync(artifact('lessons-zh'), { recursive: true });
    const { page, errors } = await callPage();
    await page.setViewportSize({ width: SIZES[1][0], height: SIZES[1][1] });
    const all = await app(page, () => (window as unknown as { rtclab: AppHandle }).rtclab.allLessons.map((l) => ({ id: l.id, kinds: l.checkpoints.map((c) => c.question?.kind ?? '') })));
    expect(all.length).toBeGreaterThanOrEqual(16);
    const lessons = only ? all.filter((l) => only.includes(l.id)) : all;
    expect(lessons.map((l) => l.id).sort()).toEqual([...(only ?? all.map((l) => l.id))].sort());
    // the two views of a checkpoint, as a path: one end is where the last checkpoint left the page
    type View = { size: 0 | 1; zh: boolean };
    const path: View[] = [
      { size: 1, zh: false },
      { size: 0, zh: true },
    ];
    let at: View = path[0]!;
    let questions = 0;
    let checked = 0;
    let zhChecked = 0;
    const problems: string[] = [];
    const started = Date.now();
    for (const l of lessons) {
      await page.locator('[data-testid=lesson-select]').selectOption(l.id);
      await settle(page);
      for (const [i, kind] of l.kinds.entries()) {
        const views = at === path[0] ? path : [...path].reverse();
        for (const v of views) {
          if (v.size !== at.size) await page.setViewportSize({ width: SIZES[v.size][0], height: SIZES[v.size][1] });
          if (v.zh !== at.zh) {
            await page.locator('[data-testid=lang-select]').selectOption(v.zh ? 'zh' : 'en');
            await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toMatch(v.zh ? /^zh/ : /^en/);
          }
          at = v;
          const [w, h] = SIZES[v.size];
          const what = `${l.id} checkpoint ${i} at ${w}×${h}${v.zh ? ' in Chinese' : ''}`;
          await page.locator(`[data-testid=checkpoint-${i}]`).click();
          await settle(page);
          expect(await page.locator('[data-testid=checkpoint-error]').count(), what).toBe(0);
          if (kind) {
            await expectInWindow(page, '[data-testid=check]', w, h, `${what}: the Check button`);
            expect(await answer(page, kind), `${what}: answered right`).toBe('true');
            if (v === path[0]) questions++;
          }
          // the notice, the controls and the frame, in one read of the page (again when the notice is not up yet)
          const sels = ['[data-testid=notice]', ...['step-forward', 'jump', 'clock'].map((id) => `[data-testid=${id}]`)];
          let f = await viewFacts(page, sels, v.zh ? PROSE.source : undefined);
          if (!f.notice) {
            await expect.poll(() => page.locator('[data-testid=notice]').isVisible()).toBe(true);
            f = await viewFacts(page, sels, v.zh ? PROSE.source : undefined);
          }
          if (v.zh) {
            for (const e of f.pane!.english) problems.push(`${what}: English: ${e}`);
            for (const x of f.pane!.wide) problems.push(`${what}: too wide: ${x}`);
            await shoot(page, artifact(`lessons-zh/${l.id}-${i}.png`));
            zhChecked++;
          }
          expectPlaced(f.placed['[data-testid=notice]'], w, h, `${what}: the notice`);
          for (const id of ['step-forward', 'jump', 'clock']) expectPlaced(f.placed[`[data-testid=${id}]`], w, h, `${what}: ${id}`);
          expectReadableFacts(f.readable, what);
          checked++;
          if (!v.zh && i === l.kinds.length - 1) await shoot(page, artifact(`lessons-run-${l.id}-${w}x${h}.png`));
        }
      }
    }
    const checkpoints = lessons.reduce((n, l) => n + l.kinds.length, 0);
    expect(questions).toBeGreaterThanOrEqual(only ? 2 : 40);
    expect(checked).toBe(2 * checkpoints);
    expect(zhChecked).toBe(checkpoints);
    expect(problems).toEqual([]);
    // the time of the whole pass, for the report of a slow run
    console.log(`lessons: ${lessons.length} lessons, ${checked} checkpoint views at two sizes and ${zhChecked} in Chinese in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(errors).toEqual([]);
    await page.close();
  }, 1_800_000);
});
