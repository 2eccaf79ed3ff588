import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, CHROMIUM, openApp, startSession, type Session, dropFiles } from './harness.ts';

// Issue 7 + 6 in Chromium: with keys, the packet list and the ladder label hops with what the keyed, stateful
// dissection in the worker found (the Finished record decrypted and verified), sent after the trace; the list marks
// those rows as decrypted and the text filter finds them by their decrypted words.

const DIR = 'captures/dtls-srtp-openssl';
const CAPTURE = new Uint8Array(readFileSync(`${DIR}/dtls12-srtp.pcapng`));
const KEYS = readFileSync(`${DIR}/dtls12-srtp.keylog.txt`, 'utf8');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Hop 5 of the capture: the server's ChangeCipherSpec and encrypted Finished (flight 6). */
const FINISHED = 5;

type AppHandle = {
  p?: { n: number };
  labelOverrides: Promise<void>;
  labels?: { get(i: number): { summary: string; keyed?: { decrypted: boolean } } };
};

const summaryCell = (page: Page, hop: number) => page.locator(`#list .list-row[data-hop="${hop}"] .summary`);

let s: Session;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('keyed labels in the packet list (Chromium)', () => {
  beforeAll(async () => {
    s = await startSession();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('the openssl DTLS capture with its key log: the encrypted Finished row reads "decrypted: Finished, verify_data verified", tagged', async () => {
    const { page, errors } = await openApp(s, '?scenario=nat-full-cone');
    await dropFiles(page, [
      { name: 'dtls12-srtp.pcapng', bytes: CAPTURE },
      { name: 'dtls12-srtp.keylog.txt', bytes: text(KEYS) },
    ]);
    await expect.poll(() => page.locator('[data-testid=status]').first().textContent(), { timeout: 30_000 }).toMatch(/^dtls12-srtp\.pcapng · \d+ packets/);
    const cell = summaryCell(page, FINISHED);
    const summary = 'Flight 6: ChangeCipherSpec, Finished (encrypted) [decrypted: Finished, verify_data verified]';
    // the cell holds the tag, then the keyed summary
    await expect.poll(() => cell.textContent(), { timeout: 15_000 }).toBe(`decrypted${summary}`);
    expect(await cell.getAttribute('data-keyed')).toBe('decrypted');
    expect(await cell.locator('.keyed-tag').textContent()).toBe('decrypted');
    expect(await cell.getAttribute('title')).toContain('decrypted with the key log');
    // rows the keys say nothing more about stay as they were, unmarked
    expect(await summaryCell(page, 0).getAttribute('data-keyed')).toBeNull();
    await page.screenshot({ path: artifact('keyed-labels-01-finished.png') });

    // the ladder reads the same labels
    const label = await page.evaluate((hop) => (window as unknown as { rtclab: AppHandle }).rtclab.labels!.get(hop), FINISHED);
    expect(label.summary).toContain('[decrypted: Finished, verify_data verified]');
    expect(label.keyed).toEqual({ decrypted: true });

    // the text filter (in the worker) finds rows by what the keys revealed
    await page.locator('[data-testid=filter-text]').fill('verify_data verified');
    await expect.poll(() => page.locator('#list .list-row[data-hop]').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.hop))), { timeout: 15_000 }).toEqual([4, 5]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the default lesson (a simulated call, its own DTLS secrets): both Finished flights are labelled decrypted once the overrides arrive', async () => {
    const { page, errors } = await openApp(s);
    const keyed = await page.evaluate(async () => {
      const a = (window as unknown as { rtclab: AppHandle }).rtclab;
      await a.labelOverrides;
      const out: string[] = [];
      for (let i = 0; i < a.p!.n; i++) {
        const l = a.labels!.get(i);
        if (l.keyed?.decrypted) out.push(l.summary);
      }
      return out;
    });
    // flights 5 and 6, each on the four links it crosses (alice-lan, natA-wan, natB-wan, bob-lan)
    expect(keyed.filter((t) => t.includes('[decrypted: Finished, verify_data verified]')).length).toBe(8);
    expect(keyed.some((t) => /^S?RTC?P\b/.test(t))).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the same capture without a key log: the Finished row is not marked decrypted', async () => {
    const { page, errors } = await openApp(s, '?scenario=nat-full-cone');
    await dropFiles(page, [{ name: 'dtls12-srtp.pcapng', bytes: CAPTURE }]);
    await expect.poll(() => page.locator('[data-testid=status]').first().textContent(), { timeout: 30_000 }).toMatch(/^dtls12-srtp\.pcapng · \d+ packets/);
    await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.labelOverrides);
    const cell = summaryCell(page, FINISHED);
    await expect.poll(() => cell.textContent(), { timeout: 15_000 }).toContain('Finished (encrypted)');
    expect(await cell.textContent()).not.toContain('decrypted');
    expect(await cell.getAttribute('data-keyed')).not.toBe('decrypted');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
