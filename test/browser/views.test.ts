import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, CHROMIUM, dropFiles, openApp, QUICK_START, sharedApp, startSession, type Session } from './harness.ts';

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

  // one page of this run (16,000 hops) for both window sizes: each test resizes it and opens the panel anew
  const codecPage = sharedApp(() => s, '?scenario=call-no-common-audio-codec');
  for (const [width, height] of [
    [1280, 800],
    [1440, 900],
  ] as const) {
    it(`SDP side by side at ${width}×${height}: a rewritten offer as each side saw it, audio rejected, a line selects its hop`, async () => {
      const { page, errors } = await codecPage();
      await page.setViewportSize({ width, height });
      if (await page.locator('[data-testid=analysis-panel]').isVisible()) await page.locator('[data-testid=analysis-close]').click();
      await page.locator('[data-testid=open-analysis]').click();
      await page.locator('[data-testid=analysis-tab-sdp]').click();
      const panel = page.locator('[data-testid=analysis-panel]');
      await expect.poll(() => panel.locator('[data-testid=sdp-exchange]').count(), { timeout: 60_000 }).toBe(2);
      const first = panel.locator('[data-testid=sdp-exchange]').first();
      expect(await first.locator('h4').textContent()).toBe('Exchange 1, as the answerer saw it (the offer delivered, the answer it sent)');
      expect(await first.locator('[data-testid=sdp-problems]').textContent()).toContain('was rewritten on its way (hop #67');
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
      await expect.poll(async () => (await app(page)).selected).toBe(67);
      await mline.locator('td.sdp-line').nth(1).click();
      await expect.poll(async () => (await app(page)).selected).toBe(95);
      expect(errors).toEqual([]);
    });
  }

  it('SDP of a real Janus capture over WebSocket: one exchange, the answer line selects frame 32', async () => {
    const { page, errors } = await openApp(s, QUICK_START);
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
    it(`a real Chromium webrtc-internals dump beside its capture at ${width}×${height}: each PeerConnection's offer and answer in the SDP view, placed by its stats`, async () => {
      const { page, errors } = await openApp(s, QUICK_START);
      await page.setViewportSize({ width, height });
      const dir = 'captures/chromium-internals-dump';
      await dropFiles(page, [{ name: 'chromium-internals.pcapng', bytes: readFileSync(`${dir}/chromium-internals.pcapng`) }]);
      await expect.poll(() => page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.statusText()), { timeout: 60_000 }).toMatch(/chromium-internals\.pcapng/);
      // as Chromium saves it: gzip, named webrtc_internals_dump.gz
      await dropFiles(page, [{ name: 'webrtc_internals_dump.gz', bytes: readFileSync(`${dir}/chromium-internals.webrtc-internals.json.gz`) }]);
      const panel = page.locator('[data-testid=analysis-panel]');
      await expect.poll(() => panel.locator('[data-testid=sdp-exchange]').count(), { timeout: 120_000 }).toBe(1);
      const sides = panel.locator('.sdp-sides > div');
      expect(await sides.nth(0).textContent()).toMatch(/^offer: PC 9-1 → PC 9-2 at -0\.\d{6} s \(webrtc-internals updateLog: PC 9-1 createOfferOnSuccess \d\d:\d\d:\d\d\.\d{3}, PC 9-1 setLocalDescription .*, PC 9-2 setRemoteDescription /);
      expect(await panel.locator('[data-testid=sdp-trickled] summary').allTextContents()).toEqual(['2 candidates trickled after it (RFC 8838)', '2 candidates trickled after it (RFC 8838)']);
      expect(await panel.locator('[data-testid=sdp-result]').last().textContent()).toBe(' kept webrtc-datachannel; sendrecv → sendrecv; setup actpass → active; bundled (on mid 0)');
      expect(await panel.locator('tr[data-key="fingerprint"]').first().getAttribute('data-status')).toBe('differs');
      // the dump's stats drawn on the same axis, the offset stated
      await expect.poll(() => page.locator('[data-testid=stats-note]').textContent(), { timeout: 60_000 }).toMatch(/webrtc_internals_dump\.gz: webrtc-internals clock offset \S+ at the trace's 0 \(±\d+\.\d ms, \d+ counter samples of 4 stream\(s\) agree\)/);
      await panel.locator('[data-testid=sdp-trickled]').first().locator('summary').click();
      const box = (await panel.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      expect(box.y + box.height).toBeLessThanOrEqual(height);
      await page.screenshot({ path: artifact(`views-sdp-internals-${width}x${height}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    });
  }

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
      const { page, errors } = await openApp(s, QUICK_START);
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
  for (const [width, height] of [
    [1280, 800],
    [1440, 900],
  ] as const) {
    it(`DTLS 1.3 certificates at ${width}×${height}: decrypted with the run's keys and checked; a Chromium DTLS 1.3 capture without keys says what would open them`, async () => {
      const { page, errors } = await openApp(s, '?scenario=datachannel-dtls13');
      await page.setViewportSize({ width, height });
      await page.locator('[data-testid=open-analysis]').click();
      await page.locator('[data-testid=analysis-tab-certs]').click();
      const panel = page.locator('[data-testid=analysis-panel]');
      await expect.poll(() => panel.locator('[data-testid=cert]').count(), { timeout: 120_000 }).toBe(2);
      const heads = await panel.locator('[data-testid=cert] h4').allTextContents();
      expect(heads).toEqual([expect.stringMatching(/^DTLS 1\.3 server certificate from \S+ to \S+ hop #\d+ decrypted with the key log$/), expect.stringMatching(/^DTLS 1\.3 client certificate from \S+ to \S+ hop #\d+ decrypted with the key log$/)]);
      expect(await panel.locator('[data-testid=cert]').evaluateAll((l) => l.map((e) => e.getAttribute('data-status')))).toEqual(['match', 'match']);
      expect(await panel.locator('td[data-field="subject"]').allTextContents()).toEqual(['CN = alice', 'CN = bob']);
      expect(await panel.locator('[data-testid=cert-hidden]').count()).toBe(0);
      const box = (await panel.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      expect(box.y + box.height).toBeLessThanOrEqual(height);
      await page.screenshot({ path: artifact(`views-certs-dtls13-${width}x${height}.png`) });
      // the certificate's hop: the decrypted DTLS 1.3 record that completed its Certificate message
      await panel.locator('[data-testid=cert]').first().locator('[data-testid=cert-hop]').first().click();
      const hop = Number(/hop #(\d+)/.exec(heads[0]!)![1]);
      await expect.poll(async () => (await app(page)).selected).toBe(hop);
      // Chromium with itself: DTLS 1.3, no key log exists; the view names the handshake and the secrets it needs
      await dropFiles(page, [{ name: 'chromium-host.pcapng', bytes: readFileSync('captures/chromium-loopback-call/chromium-host.pcapng') }]);
      await expect.poll(() => panel.locator('[data-testid=cert-hidden]').count(), { timeout: 120_000 }).toBe(1);
      expect(await panel.locator('[data-testid=cert-hidden]').textContent()).toMatch(/^DTLS 1\.3 handshake 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ hop #6: certificates not read: DTLS 1\.3 encrypts its Certificate messages \(RFC 8446 §4\.4\.2, RFC 9147 §5\): a key log with its CLIENT_HANDSHAKE_TRAFFIC_SECRET and SERVER_HANDSHAKE_TRAFFIC_SECRET lines for client random [0-9a-f]{16}… opens them$/);
      await page.screenshot({ path: artifact(`views-certs-dtls13-hidden-${width}x${height}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
