import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { englishProse } from '../../viz/i18n-reasons.ts';
import { artifact, describeInChromium, dropFiles, openApp } from './harness.ts';

// Switching the language while a message is on screen (issue 14): the error box, the status line and the page title
// are worded again in the language just chosen, not left in the one they were written in. And what sim/ says that the
// page quotes (the diagnosis's subjects and detail lines, a hop's drop reason, the presets' titles and descriptions)
// reads in Chinese when lang=zh.

const textOf = (page: Page, id: string): Promise<string> => page.locator(`[data-testid=${id}]`).first().textContent().then((t) => t ?? '');
const switchTo = (page: Page, lang: 'en' | 'zh'): Promise<string[]> => page.locator('[data-testid=lang-select]').selectOption(lang);

describeInChromium('messages follow a language switch', (session) => {
  it('the error box, the status line and the page title are worded again when the language changes', async () => {
    const { page, errors } = await openApp(session(), '?scenario=nat-full-cone&t=abc&hop=99999');
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => page.locator('[data-testid=error]').isVisible(), { timeout: 60_000 }).toBe(true);
    const en = await textOf(page, 'error-text');
    expect(en.split('\n')[0]).toBe('Some of the address bar could not be used:');
    expect(en).toContain('t=abc is not a time');
    expect(await textOf(page, 'status')).toMatch(/^Full cone NAT · seed 1 · \d+ hops · ran in \d+ ms/);
    expect(await page.title()).toBe('rtclab · Full cone NAT');

    await switchTo(page, 'zh');
    const zh = await textOf(page, 'error-text');
    expect(zh.split('\n')[0]).toBe('地址栏中有些内容无法使用：');
    expect(zh).toContain('t=abc 不是时间（例如 2.5s、61ms 或 300us）');
    expect(zh).toMatch(/hop=99999 不在本次运行中（跳编号为 0–\d+）/);
    expect(zh).not.toMatch(/is not|could not/);
    expect(await textOf(page, 'status')).toMatch(/^完全锥形 NAT · 种子 1 · \d+ 跳 · 运行用时 \d+ 毫秒/);
    expect(await page.title()).toBe('rtclab · 完全锥形 NAT');
    // the scenario picker: the presets' titles, and the chosen one's description, in Chinese
    await page.locator('[data-testid=tab-scenario]').click();
    expect(await page.locator('[data-testid=preset] option:checked').textContent()).toBe('nat-full-cone — 完全锥形 NAT');
    expect(await textOf(page, 'preset-description')).toMatch(/^与端点无关的映射和过滤/);
    await page.screenshot({ path: artifact('zh-switch-01-error-box-1280x800.png') });

    // and back: English again, the same values
    await switchTo(page, 'en');
    expect(await textOf(page, 'error-text')).toBe(en);
    expect(await textOf(page, 'status')).toMatch(/^Full cone NAT · seed 1/);
    expect(await textOf(page, 'preset-description')).toMatch(/^Endpoint-independent mapping and filtering/);

    // an error about a file, shown in English, is worded again in Chinese
    await dropFiles(page, [{ name: 'broken.json', bytes: new TextEncoder().encode('{"nodes": [') }]);
    await expect.poll(() => textOf(page, 'error-text'), { timeout: 30_000 }).toMatch(/^Cannot open broken\.json: broken\.json is not JSON: /);
    await switchTo(page, 'zh');
    expect(await textOf(page, 'error-text')).toMatch(/^无法打开 broken\.json：broken\.json 不是 JSON：/);
    // a capture's status line too
    const capture = new Uint8Array(readFileSync('captures/dtls-srtp-openssl/dtls12-srtp.pcapng'));
    await dropFiles(page, [{ name: 'dtls12-srtp.pcapng', bytes: capture }]);
    await expect.poll(() => textOf(page, 'status'), { timeout: 60_000 }).toMatch(/^dtls12-srtp\.pcapng · \d+ 个数据包 · 读取用时/);
    await switchTo(page, 'en');
    expect(await textOf(page, 'status')).toMatch(/^dtls12-srtp\.pcapng · \d+ packets · read in/);
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);

  it('lang=zh: the diagnosis names its subjects and details, and a hop its drop reason, in Chinese', async () => {
    const { page, errors } = await openApp(session(), '?scenario=fail-symmetric-no-turn&lang=zh');
    await page.setViewportSize({ width: 1440, height: 900 });
    await expect.poll(() => page.locator('[data-testid=diagnosis-list] .finding').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const details = page.locator('[data-testid=diagnosis-list] .finding-detail');
    expect(await details.count()).toBeGreaterThan(3);
    for (const d of await details.allTextContents()) {
      expect(d).toMatch(/[\u4e00-\u9fff]/);
      expect(englishProse(d), d).toBeUndefined();
    }
    expect((await details.first().textContent()) ?? '').toMatch(/^– (host|srflx|relay) \S+ → (host|srflx|relay) \S+：\d+ 个检查或应答在 \S+ 被丢弃（/);
    // a dropped hop: the detail's reason and the list's summary are Chinese
    const dropped = await page.evaluate(() => {
      const app = (window as unknown as { rtclab: { p: { n: number; drop: Int32Array; dropReasons: string[] }; select(i: number, reveal: boolean): void } }).rtclab;
      for (let i = 0; i < app.p.n; i++) if (app.p.drop[i]! >= 0 && app.p.dropReasons[app.p.drop[i]!]!.includes('NAT filtering')) {
        app.select(i, true);
        return i;
      }
      return -1;
    });
    expect(dropped).toBeGreaterThanOrEqual(0);
    await expect.poll(() => textOf(page, 'drop-reason')).toMatch(/^被丢弃：nat[AB]：NAT 过滤：与地址和端口相关的过滤：从未见过从 \S+ 发往 \S+ 的出站数据包$/);
    await expect.poll(() => page.locator(`[data-hop="${dropped}"]`).first().textContent(), { timeout: 30_000 }).toContain('— 被丢弃：nat');
    await page.screenshot({ path: artifact('zh-switch-02-diagnosis-1440x900.png') });
    // the same in English after a switch
    await switchTo(page, 'en');
    expect(await textOf(page, 'drop-reason')).toMatch(/^Dropped: nat[AB]: NAT filtering: address-and-port-dependent filtering: no outbound packet/);
    expect((await details.first().textContent()) ?? '').toMatch(/checks or answers were dropped at/);
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);

  it('lang=zh: two hosts named by one finding are joined in Chinese', async () => {
    const { page, errors } = await openApp(session(), '?scenario=fail-dtls-both-passive&lang=zh');
    await expect.poll(() => page.locator('[data-cause="dtls.both-server"] .finding-subject').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.locator('[data-cause="dtls.both-server"] .finding-subject').textContent()).toMatch(/^(alice 和 bob|bob 和 alice)$/);
    expect(errors).toEqual([]);
    await page.close();
  }, 200_000);
});
