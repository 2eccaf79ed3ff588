import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { loadCapture } from '../../viz/model/capture-load.ts';
import { KeyedDetail } from '../../viz/model/keyed-detail.ts';
import { artifact, describeInChromium, dropFiles, openApp } from './harness.ts';

// Issue 11 in Chromium, at 1280×800: a click on a keyed capture's hop shows its decrypted layers in the packet
// detail (the worker's short replay checked against the one pass): SRTP on the candidate pair Chromium moved the
// association to, and a DCEP OPEN whose handshake began on another pair (the flow replay left both closed).

const C = 'captures/';

type AppHandle = { select(i: number, reveal: boolean): void };

/**
 * The capture and key log, and the first hop (as the page numbers them) off the flow of the handshake's first
 * Finished with a layer whose keyed summary (as the detail makes it here) matches `want`.
 */
function pick(file: string, keys: string, want: RegExp): { files: { name: string; bytes: Uint8Array }[]; hop: number } {
  const bytes = new Uint8Array(readFileSync(C + file));
  const text = readFileSync(C + keys, 'utf8');
  const r = loadCapture(bytes, file, undefined, { name: keys, text });
  const kd = new KeyedDetail(r.trace.hops, r.keyLogs, r.vantages, true, () => r.flows, () => r.signatures);
  const first = r.trace.hops.findIndex((_, i) => /Finished/.test(kd.packet(i)?.summary ?? ''));
  const hop = r.trace.hops.findIndex((_, i) => r.flows[i] !== r.flows[first] && !!kd.packet(i)?.layers.some((l) => want.test(l.summary)));
  return { files: [{ name: file.split('/').pop()!, bytes }, { name: keys.split('/').pop()!, bytes: new TextEncoder().encode(text) }], hop };
}

async function clickAndRead(page: Page, hop: number): Promise<void> {
  await page.evaluate((i) => (window as unknown as { rtclab: AppHandle }).rtclab.select(i, true), hop);
}

describeInChromium('the keyed packet detail (Chromium, 1280×800)', (session) => {
  for (const c of [
    { name: 'SRTP on the moved pair', file: 'chromium-rtclab-dtls12/chromium-rtclab.pcapng', keys: 'chromium-rtclab-dtls12/chromium-rtclab.keylog.txt', want: /^RTP PT \d+ ssrc/, shows: [/RTP PT \d+ ssrc 0x[0-9a-f]+ seq \d+/, /plaintext/, /payload type/i] },
    { name: 'a DCEP OPEN', file: 'chromium-rtclab-datachannel/chromium-datachannel.pcapng', keys: 'chromium-rtclab-datachannel/chromium-datachannel.keylog.txt', want: /^DCEP DATA_CHANNEL_OPEN/, shows: [/DCEP DATA_CHANNEL_OPEN/, /from-chromium/, /plaintext/] },
  ]) {
    it(`${c.name}: its decrypted fields show in the detail`, async () => {
      const { files, hop } = pick(c.file, c.keys, c.want);
      expect(hop).toBeGreaterThanOrEqual(0);
      const { page, errors } = await openApp(session(), '?scenario=nat-full-cone');
      await page.setViewportSize({ width: 1280, height: 800 });
      await dropFiles(page, files);
      await expect.poll(() => page.locator('[data-testid=status]').first().textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^${files[0]!.name.replace('.', '\\.')} · \\d+ packets`));
      await clickAndRead(page, hop);
      for (const re of c.shows) await expect.poll(() => page.locator('#detail').textContent(), { timeout: 20_000 }).toMatch(re);
      const box = await page.locator('#detail').boundingBox();
      expect(box && box.width > 200 && box.y < 800).toBe(true);
      await page.screenshot({ path: artifact(`keyed-detail-${c.name.replace(/\W+/g, '-')}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);
  }
});
