import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { PcapngEncoder } from '../../sim/wire/pcap/pcapng-encode.ts';
import { readCapture } from '../../sim/wire/pcap/capture-reader.ts';
import { traceKeyLog } from '../../sim/wire/pcap/pcapng-writer.ts';
import { artifact, CHROMIUM, openApp, sharedApp, startSession, type Session, dropFiles } from './harness.ts';

// The visualizer's panels and failure paths in Chromium: the scenario panel's TURN / ICE-lite / trickle switches
// re-run the call in place; the key log and the pcapng download and tshark decrypts the DTLS handshake with them;
// a bad scenario in the address bar, a file that is no capture, a truncated capture and a scenario file with a
// wrong field each leave a clear message on screen while the previous run stays usable; the SRTP panel counts
// each stream at the cursor; the ICE checklist fits a 1280×800 window; a 100 MB capture shows its progress; and
// the notes inferred from real captures fill the ICE, DTLS and SRTP panels.

type AppHandle = {
  p?: { n: number; lanes: string[]; end: number };
  now: number;
  srtpStreams?: { streams: unknown[] };
  renderPanels(): void;
  seek(t: number): void;
};

const SHARED = '/work/shared/captures';
const CHROMIUM_CAPTURE = `${SHARED}/chromium-loopback-call/chromium-host.pcapng`;
const COTURN_CAPTURE = `${SHARED}/stun-turn-coturn/stun-turn-coturn.pcapng`;

const appState = (page: Page): Promise<{ n: number; lanes: string[]; now: number; srtp: number | undefined }> =>
  page.evaluate(() => {
    const a = (window as unknown as { rtclab: AppHandle }).rtclab;
    return { n: a.p?.n ?? 0, lanes: a.p?.lanes ?? [], now: a.now, srtp: a.srtpStreams?.streams.length };
  });

const status = (page: Page): Promise<string> => page.locator('[data-testid=status]').textContent().then((t) => t ?? '');
const errorText = (page: Page): Promise<string> => page.locator('[data-testid=error-text]').textContent().then((t) => t ?? '');

async function expectBusyNever(page: Page): Promise<void> {
  // whatever failed, the page does not stay on a "working" message
  await expect.poll(() => status(page), { timeout: 30_000 }).not.toMatch(/…$/);
}

function tsharkInstalled(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let s: Session;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('visualizer panels, exports and errors in Chromium', () => {
  beforeAll(async () => {
    s = await startSession();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('a bad scenario in the address bar, a non-capture, a truncated capture and a wrong scenario file each say what and where; the run underneath stays', async () => {
    const { page, errors } = await openApp(s, '?scenario=nat-full-cone&set=nodes.natA.nat.mapping=sideways');
    // the address bar's scenario fails its check: the message names the field, and the default lesson is shown
    const box = page.locator('[data-testid=error]');
    await expect.poll(() => box.isVisible()).toBe(true);
    expect(await errorText(page)).toMatch(/nodes\.natA\.nat\.mapping: expected one of .*got "sideways"/);
    expect(await page.locator('#lesson-select').inputValue()).toBe('webrtc-call');
    await expectBusyNever(page);
    await page.screenshot({ path: artifact('panels-01-bad-url-scenario.png') });
    const call = await appState(page);
    expect(call.n).toBeGreaterThan(1000);

    // a text file dropped as a capture: refused at byte 0, the call stays loaded and steps still work
    await dropFiles(page, [{ name: 'notes.pcap', bytes: new TextEncoder().encode('these are my notes, not a capture\n') }]);
    await expect.poll(() => errorText(page)).toMatch(/Cannot open notes\.pcap: notes\.pcap could not be read as pcap or pcapng \(error at byte 0: .+\) — the previous trace is still shown/);
    await expectBusyNever(page);
    expect((await appState(page)).n).toBe(call.n);
    expect((await appState(page)).lanes).toEqual(call.lanes);
    const before = (await appState(page)).now;
    await page.locator('[data-testid=step-forward]').click();
    await expect.poll(async () => (await appState(page)).now).toBeGreaterThan(before);
    await page.screenshot({ path: artifact('panels-02-not-a-capture.png') });

    // the error stays until dismissed
    await page.waitForTimeout(500);
    expect(await box.isVisible()).toBe(true);
    await page.locator('[data-testid=error-close]').click();
    expect(await box.isVisible()).toBe(false);

    // a capture cut in the middle of a block: the packets before the cut load, with a warning saying where
    const whole = new Uint8Array(readFileSync(existsSync(CHROMIUM_CAPTURE) ? CHROMIUM_CAPTURE : 'sim/wire/pcap/testdata/chromium-host.pcapng'));
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6) + 3);
    await dropFiles(page, [{ name: 'cut.pcapng', bytes: cut }]);
    await expect.poll(() => status(page), { timeout: 30_000 }).toMatch(/cut\.pcapng · \d+ packets/);
    const partial = await appState(page);
    expect(partial.n).toBeGreaterThan(100);
    expect(partial.n).toBeLessThan(1030);
    expect(await box.getAttribute('data-level')).toBe('warning');
    expect(await errorText(page)).toMatch(/cut\.pcapng: \d+ packets read, then (error|warning) at byte \d+: /);
    await page.screenshot({ path: artifact('panels-03-truncated-capture.png') });

    // a scenario file with a misspelt node kind: the message names the field; the capture stays
    await dropFiles(page, [{ name: 'my-scenario.json', bytes: new TextEncoder().encode(JSON.stringify({ name: 'mine', nodes: { internet: { kind: 'router' }, alice: { kind: 'hots', uplink: 'internet' } } })) }]);
    await expect.poll(() => errorText(page)).toMatch(/nodes\.alice\.kind/);
    expect(await box.getAttribute('data-level')).toBe('error');
    await expectBusyNever(page);
    expect((await appState(page)).n).toBe(partial.n);

    // the scenario panel's JSON with a wrong field: named in the panel and in the box; the capture stays
    await page.locator('[data-testid=tab-scenario]').click();
    await page.locator('.scenario-panel details summary').click();
    await page.locator('[data-testid=scenario-json]').fill(JSON.stringify({ ...findPreset('nat-full-cone')!.build(), duration: 'soon' }));
    await page.getByRole('button', { name: 'Run JSON' }).click();
    await expect.poll(() => errorText(page)).toMatch(/duration: expected a duration/);
    expect(await page.locator('[data-testid=scenario-error]').textContent()).toMatch(/duration/);
    expect((await appState(page)).n).toBe(partial.n);
    await page.screenshot({ path: artifact('panels-04-wrong-scenario-field.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  // the default lesson's call (12,000 hops) is run once for the next three tests: the SRTP panel and the ICE checklist
  // read it at the cursor, then the switches re-run it in place
  const callPage = sharedApp(() => s, '?lesson=webrtc-call');

  it('the SRTP panel counts each stream at the cursor and shows the keys; the key log and pcapng decrypt in tshark', async () => {
    const { page, errors } = await callPage();
    const srtp = page.locator('[data-testid=panel-srtp]');
    await expect.poll(async () => (await appState(page)).srtp, { timeout: 60_000 }).toBeGreaterThan(0);
    await page.keyboard.press('End');
    const cards = srtp.locator('[data-testid=srtp-stream]');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(4);
    const video = srtp.locator('[data-testid=srtp-stream][data-kind=SRTP]').filter({ hasText: 'video' }).first();
    const protectedText = (await video.locator('[data-counter=protected]').textContent()) ?? '';
    expect(Number(protectedText.split(' ')[0])).toBeGreaterThan(100);
    expect(await video.locator('[data-counter=authFailures]').textContent()).toBe('0');
    expect(await video.locator('[data-counter=replayDrops]').textContent()).toBe('0');
    expect(await video.locator('[data-counter=roc]').textContent()).toMatch(/^\d+$/);
    expect(await video.textContent()).toMatch(/alice → bob|bob → alice/);
    expect(await srtp.textContent()).toContain('SRTP_AES128_CM_HMAC_SHA1_80');
    expect(await srtp.locator('.srtp-keys code').first().textContent()).toMatch(/^[0-9a-f]{32}$/);
    await srtp.screenshot({ path: artifact('panels-05-srtp-streams.png') });
    // half way the counters are lower; at the start there is no stream yet
    const end = await appState(page);
    await page.evaluate(() => {
      const a = (window as unknown as { rtclab: AppHandle }).rtclab;
      a.seek(a.p!.end / 2);
      a.renderPanels();
    });
    const halfText = (await video.locator('[data-counter=protected]').textContent()) ?? '';
    expect(Number(halfText.split(' ')[0])).toBeLessThan(Number(protectedText.split(' ')[0]));
    await page.keyboard.press('Home');
    await expect.poll(() => cards.count()).toBe(0);
    expect(end.n).toBeGreaterThan(0);

    // downloads: the key log is the CLI's text for the same run; the pcapng carries it in a DSB
    const [keylogDl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export-keylog]').click()]);
    const keylogPath = artifact('webrtc-call.keylog.txt');
    await keylogDl.saveAs(keylogPath);
    const [pcapDl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export-pcapng]').click()]);
    const pcapPath = artifact('webrtc-call.pcapng');
    await pcapDl.saveAs(pcapPath);
    const keylog = readFileSync(keylogPath, 'utf8');
    const preset = parseScenario(findPreset('call-p2p')!.build());
    expect(keylog).toBe(traceKeyLog(runScenario(preset).trace));
    expect(keylog).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n/);
    const dsb = readCapture(new Uint8Array(readFileSync(pcapPath))).secrets.map((x) => x.text ?? '').join('');
    expect(dsb).toBe(keylog);
    if (tsharkInstalled() || process.env.CI) {
      const finished = (extra: string[]): string[] =>
        execFileSync('tshark', ['-r', pcapPath, ...extra, '-Y', 'dtls.handshake.type == 20', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.trim() !== '');
      // with the downloaded key log, and from the file alone (its Decryption Secrets Block)
      expect(finished(['-o', `tls.keylog_file:${keylogPath}`]).length).toBeGreaterThanOrEqual(2);
      expect(finished([]).length).toBeGreaterThanOrEqual(2);
    }
    expect(errors).toEqual([]);
  }, 240_000);

  it('at 1280×800 the ICE checklist fits its panel: short type tags, abbreviated priority, coloured states, the selected pair marked', async () => {
    // the SRTP test's page (it left the cursor at the start, a download button focused)
    const { page, errors } = await callPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('End');
    const table = page.locator('[data-testid=ice-checklist]').first();
    // generous under load: the call's simulation and the panel render must both have reached the selected pair
    await expect.poll(() => table.locator('tr.pair').count(), { timeout: 60_000 }).toBeGreaterThan(1);
    await expect.poll(() => table.locator('tr.pair.selected').count(), { timeout: 60_000 }).toBe(1);
    const fit = await page.evaluate(() => {
      const right = document.querySelector('.right') as HTMLElement;
      const t = document.querySelector('[data-testid=ice-checklist]') as HTMLElement;
      return { scroll: right.scrollWidth, client: right.clientWidth, table: t.getBoundingClientRect().right, panel: right.getBoundingClientRect().right };
    });
    expect(fit.scroll).toBeLessThanOrEqual(fit.client);
    expect(fit.table).toBeLessThanOrEqual(fit.panel);
    const prio = table.locator('td.prio').first();
    expect(await prio.textContent()).toMatch(/^\d\.\d\de1[0-9]$/);
    expect(await prio.getAttribute('title')).toMatch(/^priority \d{15,20}$/);
    expect(await table.locator('.tag').first().textContent()).toMatch(/^(host|srflx|prflx|relay)$/);
    const selected = table.locator('tr.pair.selected');
    expect(await selected.count()).toBe(1);
    expect(await selected.locator('td.flags').textContent()).toBe('✓★');
    // polled: a row the panel redrew in between has no computed colour
    await expect.poll(() => selected.evaluate((r) => getComputedStyle(r.querySelector('td.state')!).color)).toBe('rgb(46, 158, 79)');
    await page.locator('.right').screenshot({ path: artifact('panels-08-ice-1280x800.png') });
    await page.screenshot({ path: artifact('panels-09-1280x800.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('the TURN, ICE-lite and trickle switches re-run the call in place', async () => {
    // the last of the three on the shared page: it changes the run
    const { page, errors } = await callPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.locator('[data-testid=tab-scenario]').click({ timeout: 90_000 });
    const alice = page.locator('[data-testid=ice-switches-alice]');
    const bob = page.locator('[data-testid=ice-switches-bob]');
    expect(await alice.locator('[data-switch=turn]').isChecked()).toBe(true);
    expect(await alice.locator('[data-switch=trickle]').isChecked()).toBe(true);
    expect(await bob.locator('[data-switch=lite]').isChecked()).toBe(false);
    await page.screenshot({ path: artifact('panels-06-ice-switches.png') });

    // TURN off for both, trickle off for alice: no relayed candidate; alice's description carries all candidates
    await alice.locator('[data-switch=turn]').uncheck();
    await bob.locator('[data-switch=turn]').uncheck();
    await alice.locator('[data-switch=trickle]').uncheck();
    await page.locator('[data-testid=rerun]').click();
    await expect.poll(async () => JSON.parse((await page.locator('[data-testid=scenario-json]').inputValue()) || '{}').apps?.[1]?.trickle, { timeout: 60_000 }).toBe(false);
    const json = JSON.parse(await page.locator('[data-testid=scenario-json]').inputValue()) as { apps: { turn?: unknown[] }[] };
    expect(json.apps[1]!.turn).toBeUndefined();
    expect(json.apps[2]!.turn).toBeUndefined();
    await page.locator('[data-tab=state]').click();
    await page.keyboard.press('End');
    const ice = page.locator('[data-testid=panel-ice]');
    await expect.poll(() => ice.locator('[data-testid=ice-state]').allTextContents()).toEqual(['completed', 'completed']);
    expect(await ice.locator('.tag.cand-relay').count()).toBe(0);

    // TURN back on (the account is remembered) and bob ICE-lite behind his NAT: the call cannot connect
    await page.locator('[data-testid=tab-scenario]').click();
    expect(await alice.locator('[data-switch=turn]').isDisabled()).toBe(false);
    await alice.locator('[data-switch=turn]').check();
    await bob.locator('[data-switch=lite]').check();
    await page.locator('[data-testid=rerun]').click();
    await expect.poll(async () => JSON.parse((await page.locator('[data-testid=scenario-json]').inputValue()) || '{}').apps?.[2]?.lite, { timeout: 60_000 }).toBe(true);
    const again = JSON.parse(await page.locator('[data-testid=scenario-json]').inputValue()) as { apps: { turn?: { username: string }[] }[] };
    expect(again.apps[1]!.turn?.[0]?.username).toBe('alice');
    await page.locator('[data-tab=state]').click();
    await page.keyboard.press('End');
    await expect.poll(() => ice.locator('[data-testid=ice-agent]').filter({ hasText: 'lite' }).count()).toBe(1);
    expect(await ice.locator('[data-testid=ice-selected]').count()).toBe(0);
    await page.screenshot({ path: artifact('panels-07-bob-ice-lite.png') });
    expect(errors).toEqual([]);
  }, 240_000);

  it.skipIf(!existsSync(CHROMIUM_CAPTURE))('real captures: the Chromium call fills the ICE, DTLS and SRTP panels from inferred notes; coturn shows its allocations', async () => {
    const { page, errors } = await openApp(s, '?lesson=nat-basics');
    await page.locator('#file').setInputFiles(CHROMIUM_CAPTURE);
    await expect.poll(() => status(page), { timeout: 60_000 }).toMatch(/chromium-host\.pcapng · \d+ packets/);
    await page.keyboard.press('End');
    const ice = page.locator('[data-testid=panel-ice]');
    await expect.poll(() => ice.locator('[data-testid=ice-selected]').count()).toBeGreaterThanOrEqual(1);
    // one agent per local address the checks came from; the one whose nominated pair succeeded is connected
    expect(await ice.locator('[data-testid=ice-state]').allTextContents()).toContain('connected');
    expect(await ice.textContent()).toContain('inferred from the STUN checks');
    expect(await page.locator('[data-testid=panel-dtls]').textContent()).toContain('DTLS 1.3');
    await expect.poll(() => page.locator('[data-testid=panel-srtp] [data-testid=srtp-stream]').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: artifact('panels-10-chromium-capture.png') });

    await page.locator('#file').setInputFiles(COTURN_CAPTURE);
    await expect.poll(() => status(page), { timeout: 60_000 }).toMatch(/stun-turn-coturn\.pcapng · \d+ packets/);
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('[data-testid=event-log]').textContent()).toContain('TURN server');
    await page.screenshot({ path: artifact('panels-11-coturn-capture.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it.skipIf(!existsSync(CHROMIUM_CAPTURE))('a 100 MB capture shows a progress bar while it is read and dissected', async () => {
    const path = artifact('big-100mb.pcapng');
    writeBigCapture(CHROMIUM_CAPTURE, path, 100 << 20);
    try {
      const { page, errors } = await openApp(s, '?lesson=nat-basics');
      await page.evaluate(() => {
        const bar = document.getElementById('progress') as HTMLProgressElement;
        const seen: number[] = [];
        (window as unknown as { progressSeen: number[] }).progressSeen = seen;
        new MutationObserver(() => {
          if (!bar.hidden) seen.push(bar.value);
        }).observe(bar, { attributes: true });
        const tick = (): void => {
          if (!bar.hidden) seen.push(bar.value);
          requestAnimationFrame(tick);
        };
        tick();
      });
      const started = Date.now();
      await page.locator('#file').setInputFiles(path);
      await expect.poll(() => status(page), { timeout: 20_000, interval: 50 }).toMatch(/Reading big-100mb\.pcapng/);
      await page.screenshot({ path: artifact('panels-12-progress.png') });
      await expect.poll(() => status(page), { timeout: 300_000, interval: 500 }).toMatch(/big-100mb\.pcapng · \d+ packets/);
      const seconds = (Date.now() - started) / 1000;
      const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
      const partial = seen.filter((v) => v > 0 && v < 1);
      expect(partial.length).toBeGreaterThan(3);
      expect([...partial].sort((a, b) => a - b)).toEqual(partial);
      expect(await page.locator('#progress').isHidden()).toBe(true);
      const n = (await appState(page)).n;
      expect(n).toBeGreaterThan(250_000);
      console.log(`100 MB capture: ${n} packets read, dissected and drawn in ${seconds.toFixed(1)} s; ${partial.length} progress steps seen`);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rmSync(path, { force: true });
    }
  }, 400_000);
});

/** The capture's packets repeated (later copies shifted in time) until the file holds `size` bytes. */
function writeBigCapture(from: string, to: string, size: number): void {
  const cap = readCapture(new Uint8Array(readFileSync(from)));
  const first = cap.packets[0]!.time!.us;
  const span = cap.packets[cap.packets.length - 1]!.time!.us - first + 1000;
  const enc = new PcapngEncoder(true);
  enc.sectionHeader({ userappl: 'rtclab test' });
  cap.interfaces.forEach((i) => enc.interfaceDescription({ linkType: i.linkType, tsresol: 6 }));
  writeFileSync(to, enc.take());
  let written = statSync(to).size;
  for (let round = 0; written < size; round++) {
    for (const p of cap.packets) enc.enhancedPacket({ interfaceId: p.interfaceId, ticks: BigInt(p.time!.us + round * span), data: p.data });
    const chunk = enc.take();
    writeFileSync(to, chunk, { flag: 'a' });
    written += chunk.length;
  }
}
