import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { artifact, CHROMIUM, openApp, startSession, type Session, dropFiles } from './harness.ts';

// Issue 7 in Chromium: a key log is a first-class input (dropped with its capture, after it, or before it; told
// apart by content), the DTLS panel and the packet detail show what it decrypted or that it is the wrong key; and
// the address bar records Scenario-tab edits as set= assignments, so a reload reproduces the same bytes.

const DIR = 'captures/dtls-srtp-openssl';
const CAPTURE = new Uint8Array(readFileSync(`${DIR}/dtls12-srtp.pcapng`));
const KEYS = readFileSync(`${DIR}/dtls12-srtp.keylog.txt`, 'utf8');
const WRONG = KEYS.replace(/^(CLIENT_RANDOM [0-9a-f]{64} )([0-9a-f])/m, (_m, head: string, d: string) => `${head}${d === '0' ? '1' : '0'}`);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

type AppHandle = {
  p?: { n: number; end: number; bytes: Uint8Array };
  labels?: { get(i: number): { summary: string } };
  renderPanels(): void;
  seek(t: number): void;
  select(i: number, reveal: boolean): void;
};

const textOf = (page: Page, id: string): Promise<string> => page.locator(`[data-testid=${id}]`).first().textContent().then((t) => t ?? '');

/** The DTLS panel at the end of the trace. */
async function dtlsAtEnd(page: Page): Promise<{ text: string; outcome: string | null }> {
  await page.evaluate(() => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    a.seek(a.p!.end);
    a.renderPanels();
  });
  const d = page.locator('[data-testid=dtls-decryption]').first();
  return { text: (await d.textContent()) ?? '', outcome: await d.getAttribute('data-outcome') };
}

/** Selects the first hop whose label is an Application Data record; the detail's field tree text once it is keyed. */
async function selectAppData(page: Page): Promise<number> {
  return page.evaluate(() => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    for (let i = 0; i < a.p!.n; i++) {
      if (a.labels!.get(i).summary.startsWith('Application Data')) {
        a.select(i, true);
        return i;
      }
    }
    return -1;
  });
}

/** The loaded trace's hop count and a hash of all its bytes. */
const fingerprint = (page: Page): Promise<{ n: number; length: number; hash: number }> =>
  page.evaluate(() => {
    const p = (window as unknown as { rtclab: AppHandle }).rtclab.p!;
    let h = 0x811c9dc5;
    for (const b of p.bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return { n: p.n, length: p.bytes.length, hash: h };
  });

let s: Session;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('key logs and reproducible links in Chromium', () => {
  beforeAll(async () => {
    s = await startSession();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('a capture dropped with its key log decrypts; a wrong key log after it says "wrong key"; the right one again decrypts', async () => {
    const { page, errors } = await openApp(s, '?scenario=nat-full-cone');
    await dropFiles(page, [
      { name: 'dtls12-srtp.pcapng', bytes: CAPTURE },
      { name: 'dtls12-srtp.keylog.txt', bytes: text(KEYS) },
    ]);
    await expect.poll(() => textOf(page, 'status'), { timeout: 30_000 }).toMatch(/^dtls12-srtp\.pcapng · \d+ packets/);
    expect(await textOf(page, 'keylog')).toBe('Key log: dtls12-srtp.keylog.txt · 1 entry · 1 entry matched 1 of 1 DTLS connection in the capture (1 decrypted, 2 Finished verified)');
    const ok = await dtlsAtEnd(page);
    expect(ok.outcome).toBe('ok');
    expect(ok.text).toContain('client Finished verified, server Finished verified');
    const hop = await selectAppData(page);
    expect(hop).toBeGreaterThan(0);
    await expect.poll(() => textOf(page, 'field-tree'), { timeout: 15_000 }).toMatch(/plaintext: 68 65 6c 6c 6f .*"hello from (server|client)·"/);
    await page.screenshot({ path: artifact('keylog-01-decrypted.png') });

    // a wrong key log dropped alone: the loaded capture is dissected again with it
    await dropFiles(page, [{ name: 'wrong.keylog', bytes: text(WRONG) }]);
    await expect.poll(() => textOf(page, 'keylog'), { timeout: 30_000 }).toContain('Key log: wrong.keylog');
    expect(await textOf(page, 'keylog')).toContain('1 entry matched 1 of 1 DTLS connection in the capture (1 wrong key)');
    expect(await page.locator('[data-testid=keylog]').getAttribute('data-level')).toBe('problem');
    const wrong = await dtlsAtEnd(page);
    expect(wrong.outcome).toBe('wrong-key');
    expect(wrong.text).toMatch(/wrong key/);
    await selectAppData(page);
    await page.waitForTimeout(500);
    expect(await textOf(page, 'field-tree')).not.toContain('plaintext');
    await page.screenshot({ path: artifact('keylog-02-wrong-key.png') });

    // the right one again, after the capture
    await dropFiles(page, [{ name: 'right.txt', bytes: text(KEYS) }]);
    await expect.poll(() => textOf(page, 'keylog'), { timeout: 30_000 }).toContain('Key log: right.txt');
    expect((await dtlsAtEnd(page)).outcome).toBe('ok');
    await selectAppData(page);
    await expect.poll(() => textOf(page, 'field-tree'), { timeout: 15_000 }).toContain('hello from');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a key log dropped first waits for the capture; a file that is none of the kinds is refused by content', async () => {
    const { page, errors } = await openApp(s, '?scenario=nat-full-cone');
    await dropFiles(page, [{ name: 'sslkeys', bytes: text(KEYS) }]);
    await expect.poll(() => textOf(page, 'keylog')).toContain('Key log: sslkeys is waiting for a capture');
    await page.screenshot({ path: artifact('keylog-03-waiting.png') });
    // the capture alone now: read with the waiting key log
    await dropFiles(page, [{ name: 'dtls12-srtp.pcapng', bytes: CAPTURE }]);
    await expect.poll(() => textOf(page, 'status'), { timeout: 30_000 }).toMatch(/^dtls12-srtp\.pcapng · \d+ packets/);
    expect(await textOf(page, 'keylog')).toContain('Key log: sslkeys · 1 entry · 1 entry matched 1 of 1 DTLS connection');
    expect((await dtlsAtEnd(page)).outcome).toBe('ok');

    // neither a capture, a key log nor JSON: refused, saying what it starts with; the capture stays
    await dropFiles(page, [{ name: 'notes.txt', bytes: text('these are my notes\n') }]);
    await expect.poll(() => textOf(page, 'error-text')).toBe('Cannot open notes.txt (it starts with 74 68 65 73 65 20 61 72): not a capture (pcap or pcapng), an NSS key log (CLIENT_RANDOM … lines) nor a scenario or trace (JSON).');
    expect(await textOf(page, 'status')).toMatch(/^dtls12-srtp\.pcapng/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('an edited run is written to the address bar as set= and a reload reproduces the same bytes', async () => {
    const { page, errors } = await openApp(s, '?scenario=call-p2p');
    // the preset's own run, before the edit (a page opened on the same link would run these same bytes again)
    const plain = await fingerprint(page);
    await page.locator('[data-testid=tab-scenario]').click();
    await page.locator('[data-key="natA.mapping"]').selectOption('address-and-port-dependent');
    await page.locator('[data-testid=rerun]').click();
    // the preset leaves natA's nat fields to its NAT preset: the assignment sets the object (compare.ts assignmentsFor)
    await expect.poll(() => decodeURIComponent(page.url()), { timeout: 60_000 }).toContain('set=nodes.natA.nat={"mapping":"address-and-port-dependent"}');
    const edited = await fingerprint(page);
    const url = page.url();
    expect(url).toContain('scenario=call-p2p');
    expect(await textOf(page, 'link-note')).toBe('');

    const again = await openApp(s, url.slice(s.url.length));
    expect(await fingerprint(again.page)).toEqual(edited);
    // and it is not the preset's own run
    expect(plain.n).toBeGreaterThan(0);
    expect(plain).not.toEqual(edited);
    expect([...errors, ...again.errors]).toEqual([]);
    await Promise.all([page.close(), again.page.close()]);
  }, 180_000);

  it('set= beyond the address bar limits is refused with a clear error; a scenario file that is no preset says it cannot be linked', async () => {
    const many = Array.from({ length: 65 }, (_, i) => `set=nodes.natA.nat.lifetime%3D${i + 1}s`).join('&');
    const { page, errors } = await openApp(s, `?scenario=nat-full-cone&${many}`);
    await expect.poll(() => textOf(page, 'error-text')).toBe("The address bar's scenario is not valid: 65 set= assignments; a link holds at most 64");
    const long = await openApp(s, `?scenario=nat-full-cone&set=name%3D${'x'.repeat(2100)}`);
    await expect.poll(() => textOf(long.page, 'error-text')).toMatch(/^The address bar's scenario is not valid: set= #1 \(name=x+…\) is 2105 characters long; at most 2000$/);

    // a scenario file not based on a preset: run and shown, the page says the link cannot hold it
    const scenario = { ...findPreset('nat-full-cone')!.build(), name: 'my-own' };
    await dropFiles(page, [{ name: 'mine.json', bytes: text(JSON.stringify(scenario)) }]);
    await expect.poll(() => textOf(page, 'link-note'), { timeout: 30_000 }).toBe('This run cannot be put in a link: the scenario is not based on a built-in preset. The address bar keeps the rest (seed, position).');
    await expect.poll(() => page.url()).toMatch(/\?seed=\d+&t=/);
    expect(page.url()).not.toContain('scenario=');
    await page.screenshot({ path: artifact('keylog-04-unlinkable.png') });
    expect([...errors, ...long.errors]).toEqual([]);
    await Promise.all([page.close(), long.page.close()]);
  }, 120_000);
});
