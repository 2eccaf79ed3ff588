import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, dropFiles, sharedApp, WINDOW_SIZES } from './harness.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { traceCollector } from '../../sim/stats/trace.ts';
import { fabricateDump } from '../support/stats-dump.ts';

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

/** What a test before changed on the shared page, put back: no series hidden, the first metric, the graphs closed, the cursor where the page opened. */
async function putBack(page: Page, start: { now: number; metric: string }): Promise<void> {
  const metric = page.locator('[data-testid=stats-metric]');
  if (await page.locator('[data-testid=stats-svg]').isVisible()) {
    for (const m of await metric.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))) {
      await metric.selectOption(m);
      const off = page.locator('[data-testid=stats-legend] .stats-key.off');
      while ((await off.count()) > 0) await off.first().click();
    }
    await page.locator('[data-testid=stats-toggle]').click();
  }
  await metric.selectOption(start.metric);
  await page.evaluate((t) => (window as unknown as { rtclab: { seek(t: number): void } }).rtclab.seek(t), start.now);
  await expect.poll(async () => (await graphsState(page)).now).toBe(start.now);
}

describeInChromium('statistics under the ladder in Chromium', (session) => {
  // one page of call-p2p (12,000 hops) for the three tests: each puts back what the one before changed
  const callPage = sharedApp(session, '?scenario=call-p2p');
  let start: { now: number; metric: string } | undefined;
  const openCall = async (): Promise<{ page: Page; errors: string[] }> => {
    const r = await callPage();
    start ??= { now: (await graphsState(r.page)).now, metric: await r.page.locator('[data-testid=stats-metric]').inputValue() };
    await putBack(r.page, start);
    return r;
  };

  for (const [width, height] of WINDOW_SIZES) {
    it(`call-p2p at ${width}×${height}: bit rate and round trips per stream and pair, the cursor, a click seeks, CSV and JSON download`, async () => {
      const { page, errors } = await openCall();
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
    }, 300_000);
  }

  it('a webrtc-internals dump dropped beside the call: drawn dashed on the same axis, the clock offset stated; a malformed one says where', async () => {
    // the page's call-p2p is the preset's run: the same trace here, its time 0 put at a known instant
    const trace = runScenario(parseScenario(findPreset('call-p2p')!.build())).trace;
    const collector = traceCollector(trace, { keepTimes: true });
    const streams = collector.report().streams.filter((x) => x.analysis.packets > 100);
    const out = streams.filter((x) => x.dst.startsWith('10.0.2.10:')).map((x) => Number(x.ssrc));
    const inb = streams.filter((x) => x.dst.startsWith('10.0.1.10:')).map((x) => Number(x.ssrc));
    const dump = fabricateDump(Date.UTC(2026, 11, 7, 1, 0, 0), collector.packetTimes(), out, inb, trace.hops[trace.hops.length - 1]!.t);
    const { page, errors } = await openCall();
    await page.setViewportSize({ width: 1280, height: 800 });
    await dropFiles(page, [{ name: 'webrtc_internals_dump.txt.json', bytes: new TextEncoder().encode(JSON.stringify(dump)) }]);
    const note = page.locator('[data-testid=stats-note]');
    await expect.poll(() => note.textContent(), { timeout: 120_000 }).toMatch(/webrtc_internals_dump\.txt\.json: webrtc-internals clock offset 2026-12-07T0(0:59:59|1:00:00)\.\d{3}Z at the trace's 0 \(±\d+\.\d ms/);
    await page.locator('#fit').click();
    await page.locator('[data-testid=stats-metric]').selectOption('packets');
    await expect.poll(() => page.locator('[data-testid=stats-svg] path.stats-line.imported').count()).toBe(4);
    expect(await page.locator('[data-testid=stats-svg] path.stats-line:not(.imported)').count()).toBeGreaterThanOrEqual(4);
    await page.screenshot({ path: artifact('stats-imported-1280x800.png') });

    await dropFiles(page, [{ name: 'broken.json', bytes: new TextEncoder().encode(JSON.stringify({ PeerConnections: { '4242-1': { stats: { 'OT01V1-packetsSent': { startTime: '2026-12-07T01:00:00Z', endTime: '2026-12-07T01:00:02Z', values: '[1,2,' } } } } })) }]);
    await expect.poll(() => page.locator('[data-testid=error-text]').textContent()).toMatch(/broken\.json: PeerConnections\["4242-1"\]\.stats\["OT01V1-packetsSent"\]\.values: is not JSON/);
    expect(errors).toEqual([]);
  }, 300_000);
});
