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
    // the first page of a cold dev server on a loaded machine waits for its dependencies to be optimised
    s.context.setDefaultNavigationTimeout(150_000);
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
      await page.locator('[data-testid=open-analysis]').click();
      await page.locator('[data-testid=analysis-tab-sdp]').click();
      const panel = page.locator('[data-testid=analysis-panel]');
      await expect.poll(() => panel.locator('[data-testid=sdp-exchange]').count(), { timeout: 60_000 }).toBe(2);
      const first = panel.locator('[data-testid=sdp-exchange]').first();
      expect(await first.locator('h4').textContent()).toBe('Exchange 1, as the answerer saw it (the offer delivered, the answer it sent)');
      expect(await first.locator('[data-testid=sdp-problems]').textContent()).toContain('was rewritten on its way (hop #65');
      expect(await first.locator('[data-testid=sdp-result]').nth(0).textContent()).toBe(' rejected: no audio');
      const mline = first.locator('tr[data-key="m"]').first();
      expect(await mline.getAttribute('data-status')).toBe('rejected');
      // the header keeps one line (one Analysis button, not one per view)
      expect((await page.locator('header.top').boundingBox())!.height).toBeLessThan(50);
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
    await page.locator('[data-testid=open-analysis]').click();
      await page.locator('[data-testid=analysis-tab-sdp]').click();
    const panel = page.locator('[data-testid=analysis-panel]');
    await expect.poll(() => panel.locator('[data-testid=sdp-exchange]').count(), { timeout: 60_000 }).toBe(1);
    expect(await panel.locator('[data-testid=sdp-result]').allTextContents()).toEqual([' kept opus/48000, PCMU/8000; sendrecv → sendrecv; setup actpass → passive; bundled (tagged)', ' kept VP8/90000, rtx/90000; sendrecv → sendrecv; setup actpass → passive; bundled (on mid 0)']);
    await panel.locator('tr[data-key="setup"] td.sdp-line').nth(1).click();
    await expect.poll(async () => (await app(page)).selected).toBe(31);
    await page.screenshot({ path: artifact('views-sdp-janus-capture.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const [width, height] of [
    [1280, 800],
    [1440, 900],
  ] as const) {
    it(`certificates at ${width}×${height}: a substituted certificate parsed, its mismatch and the diagnosis finding, a click to its hop`, async () => {
      const { page, errors } = await openApp(s, '?scenario=dtls-mitm-fingerprint-mismatch');
      await page.setViewportSize({ width, height });
      await page.locator('[data-testid=open-analysis]').click();
      await page.locator('[data-testid=analysis-tab-certs]').click();
      const panel = page.locator('[data-testid=analysis-panel]');
      await expect.poll(() => panel.locator('[data-testid=cert]').count(), { timeout: 60_000 }).toBe(1);
      const cert = panel.locator('[data-testid=cert]').first();
      expect(await cert.getAttribute('data-status')).toBe('mismatch');
      expect(await cert.locator('td[data-field="signature"]').textContent()).toBe('ecdsa-with-SHA256');
      expect(await cert.locator('td[data-field="public key"]').textContent()).toBe('id-ecPublicKey, 256 bit, prime256v1');
      expect(await cert.locator('td[data-field="SHA-256"]').textContent()).toMatch(/^1B:EE:24:C8:/);
      expect(await cert.locator('[data-testid=cert-check]').textContent()).toMatch(/^✗ does not match: alice\/dtls-peer was signaled a=fingerprint:sha-256 68:CF:10:B6/);
      expect(await cert.locator('[data-testid=cert-finding]').textContent()).toMatch(/^Diagnosis dtls\.fingerprint-mismatch: alice got a DTLS certificate/);
      await page.screenshot({ path: artifact(`views-certs-${width}x${height}.png`) });
      await cert.locator('[data-testid=cert-hop]').click();
      await expect.poll(async () => (await app(page)).selected).toBe(7);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  for (const [width, height] of [
    [1280, 800],
    [1440, 900],
  ] as const) {
    it(`RTP streams at ${width}×${height}: Chromium's six streams as tshark counts them; a row filters the list to its stream and selects its first packet`, async () => {
      const { page, errors } = await openApp(s, '?scenario=nat-full-cone');
      await page.setViewportSize({ width, height });
      await dropFiles(page, [{ name: 'chromium-rtclab.pcapng', bytes: readFileSync('captures/chromium-rtclab-dtls12/chromium-rtclab.pcapng') }]);
      await expect.poll(() => page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.statusText()), { timeout: 60_000 }).toMatch(/chromium-rtclab\.pcapng/);
      await page.locator('[data-testid=open-analysis]').click();
      await page.locator('[data-testid=analysis-tab-streams]').click();
      const panel = page.locator('[data-testid=analysis-panel]');
      await expect.poll(() => panel.locator('[data-testid=stream-row]').count(), { timeout: 60_000 }).toBe(6);
      const video = panel.locator('[data-testid=stream-row][data-ssrc="0x3e41ac39"]');
      // tshark -z rtp,streams: 261 packets, none lost, max delta 34.585 ms, max jitter 1.563 ms, mean 0.336 ms
      expect((await video.locator('td').allTextContents()).slice(0, 12)).toEqual(['127.0.0.1', '44907', '127.0.0.1', '35272', '0x3e41ac39', 'PT 96 (SRTP)', '261', '0 (0.0%)', '34.585', '1.563', '0.336', '0']);
      await page.screenshot({ path: artifact(`views-streams-${width}x${height}.png`) });
      await video.click();
      await expect.poll(() => page.locator('[data-testid=filter-display]').inputValue()).toBe('rtp.ssrc == 0x3e41ac39 && ip.src == 127.0.0.1 && udp.srcport == 44907 && ip.dst == 127.0.0.1 && udp.dstport == 35272');
      await expect.poll(async () => (await app(page)).selected, { timeout: 60_000 }).toBe(13);
      expect(await page.locator('.list-row[data-hop]').count()).toBeGreaterThan(5);
      await expect.poll(() => page.evaluate(() => location.search)).toContain('filter=rtp.ssrc+%3D%3D+0x3e41ac39');
      await page.evaluate(() => localStorage.clear());
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('the address bar carries the display filter and columns: applied at start, and a bad one shows the caret error', async () => {
    const { page, errors } = await openApp(s, `?scenario=stun-binding-restricted-cone&filter=${encodeURIComponent('stun.type == 0x0101')}&cols=stun.att.port`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => page.locator('[data-testid=filter-display]').inputValue()).toBe('stun.type == 0x0101');
    await expect.poll(() => page.locator('.list-row[data-hop] .proto').allTextContents(), { timeout: 60_000 }).toEqual(expect.arrayContaining(['STUN']));
    const summaries = await page.locator('.list-row[data-hop]').allTextContents();
    expect(summaries.length).toBeGreaterThan(0);
    for (const row of summaries) expect(row).toContain('Binding Success');
    expect(await page.locator('[data-testid=list-head]').textContent()).toContain('stun.att.port');
    await page.close();
    const bad = await openApp(s, `?scenario=stun-binding-restricted-cone&filter=${encodeURIComponent('stun.type == ')}`);
    await expect.poll(() => bad.page.locator('[data-testid=filter-error]').isVisible()).toBe(true);
    expect(await bad.page.locator('[data-testid=filter-error]').textContent()).toContain('^');
    await expect.poll(() => bad.page.locator('[data-testid=error-text]').textContent()).toContain('filter=stun.type ==  is not a valid display filter (the filter box says where)');
    await bad.page.screenshot({ path: artifact('views-url-bad-filter.png') });
    await bad.page.evaluate(() => localStorage.clear());
    expect([...errors, ...bad.errors]).toEqual([]);
    await bad.page.close();
  });
});
