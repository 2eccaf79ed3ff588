import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, dropFiles, openApp } from './harness.ts';

// The page's messages in Chinese (issue 14): the address bar's warnings, files that cannot be opened (not a capture,
// a damaged or truncated capture, a JSON file that is neither a scenario nor a trace), the key-log line under the
// status line, and the statistics strip's metric menu. Values from the link or the file (t=abc, the file's name, its
// first bytes, the reader's own problem) stay as they are; the sentence around them is Chinese.

const DIR = 'captures/dtls-srtp-openssl';
const CAPTURE = new Uint8Array(readFileSync(`${DIR}/dtls12-srtp.pcapng`));
const KEYS = new TextEncoder().encode(readFileSync(`${DIR}/dtls12-srtp.keylog.txt`, 'utf8'));

const textOf = (page: Page, id: string): Promise<string> => page.locator(`[data-testid=${id}]`).first().textContent().then((t) => t ?? '');
/** English sentences the page used to say; none may be left in Chinese mode. */
const ENGLISH = /\b(is not|could not|cannot|Cannot|Some of the|starts with|neither|packets read|Key log|entry|entries|matched|waiting for)\b/;

describeInChromium('the page\'s messages in Chinese', (session) => {
  it('lang=zh: the address bar\'s warnings, files that cannot be opened, the key-log line and the statistics menu are Chinese', async () => {
    const { page, errors } = await openApp(session(), '?lesson=nope&seed=-3&t=abc&hop=99999&compact=2&lang=zh');
    await page.setViewportSize({ width: 1280, height: 800 });
    // the address bar: each value that cannot be used, said in Chinese with the value as given
    await expect.poll(() => page.locator('[data-testid=error]').isVisible(), { timeout: 60_000 }).toBe(true);
    const bar = await textOf(page, 'error-text');
    expect(bar.split('\n')[0]).toBe('地址栏中有些内容无法使用：');
    expect(bar).toContain('seed=-3 不是种子（从 0 起的整数，最多 15 位）');
    expect(bar).toContain('t=abc 不是时间（例如 2.5s、61ms 或 300us）');
    expect(bar).toContain('compact=2 不是 1 或 0');
    expect(bar).toMatch(/lesson=nope 不是任何课程（现有课程：[a-z0-9-]+(, [a-z0-9-]+)+）/);
    expect(bar).toMatch(/hop=99999 不在本次运行中（跳编号为 0–\d+）/);
    expect(bar).not.toMatch(ENGLISH);
    await page.screenshot({ path: artifact('zh-messages-01-address-bar-1280x800.png') });
    // a key log dropped while a simulated run is shown waits for a capture
    const { page: other } = await openApp(session(), '?scenario=nat-full-cone&lang=zh');
    await dropFiles(other, [{ name: 'early.keylog', bytes: KEYS }]);
    await expect.poll(() => textOf(other, 'keylog')).toBe('密钥日志：early.keylog 正在等待抓包：打开或拖入一个 pcap 或 pcapng，就会用这些密钥解析它。');
    await other.close();

    // a file that is nothing the page reads: named with its first bytes
    await dropFiles(page, [{ name: 'notes.bin', bytes: new TextEncoder().encode('hello, world') }]);
    await expect.poll(() => textOf(page, 'error-text')).toBe('无法打开 notes.bin（开头的字节是 68 65 6c 6c 6f 2c 20 77）：它既不是抓包（pcap 或 pcapng），也不是 NSS 密钥日志（CLIENT_RANDOM … 行），也不是场景或轨迹（JSON）。');
    // two captures at once
    await dropFiles(page, [{ name: 'a.pcapng', bytes: CAPTURE }, { name: 'b.pcapng', bytes: CAPTURE }]);
    await expect.poll(() => textOf(page, 'error-text')).toBe('一次只能打开一个抓包或场景（可以附带它的密钥日志）：收到的是 a.pcapng, b.pcapng。');
    // a .pcap that is not one: the reader's own problem quoted, the sentence Chinese
    await dropFiles(page, [{ name: 'bad.pcap', bytes: new Uint8Array(64).fill(7) }]);
    await expect.poll(() => textOf(page, 'error-text'), { timeout: 30_000 }).toMatch(/^无法打开 bad\.pcap：bad\.pcap 无法按 pcap 或 pcapng 读取/);
    expect(await textOf(page, 'error-text')).toMatch(/第 0 字节处出错：/);
    // a JSON file that is neither a scenario nor a trace (a lesson file, say), and one that is not JSON
    await dropFiles(page, [{ name: 'lesson.json', bytes: new TextEncoder().encode('{"id":"x","checkpoints":[]}') }]);
    await expect.poll(() => textOf(page, 'error-text'), { timeout: 30_000 }).toMatch(/^无法打开 lesson\.json：lesson\.json 既不是场景，也不是 rtclab 轨迹：/);
    await dropFiles(page, [{ name: 'broken.json', bytes: new TextEncoder().encode('{"nodes": [') }]);
    await expect.poll(() => textOf(page, 'error-text'), { timeout: 30_000 }).toMatch(/^无法打开 broken\.json：broken\.json 不是 JSON：/);
    // a truncated capture: the packets before the cut are shown, the warning says where it stopped
    await dropFiles(page, [{ name: 'cut.pcapng', bytes: CAPTURE.subarray(0, Math.floor(CAPTURE.length * 0.6)) }]);
    await expect.poll(() => textOf(page, 'status'), { timeout: 60_000 }).toMatch(/^cut\.pcapng/);
    await expect.poll(() => textOf(page, 'error-text'), { timeout: 30_000 }).toMatch(/^cut\.pcapng：读取了 \d+ 个数据包，之后遇到问题：第 \d+ 字节处(出错|警告)：/);
    expect(await page.locator('[data-testid=error]').getAttribute('data-level')).toBe('warning');
    await page.screenshot({ path: artifact('zh-messages-02-truncated-1280x800.png') });

    // a capture with its key log: the key-log line
    await dropFiles(page, [{ name: 'dtls12-srtp.pcapng', bytes: CAPTURE }, { name: 'dtls12-srtp.keylog.txt', bytes: KEYS }]);
    await expect.poll(() => textOf(page, 'status'), { timeout: 60_000 }).toMatch(/^dtls12-srtp\.pcapng/);
    await expect.poll(() => textOf(page, 'keylog'), { timeout: 30_000 }).toBe('密钥日志：dtls12-srtp.keylog.txt · 1 条 · 其中 1 条与抓包中 1 个 DTLS 连接里的 1 个匹配（1 个已解密，2 个 Finished 校验通过）');

    // the statistics strip's metric menu
    const metrics = await page.locator('[data-testid=stats-metric] option').allTextContents();
    expect(metrics).toEqual(['码率 (bit/s)', '包速率 (pkt/s)', '丢包率 (%)', '抖动 (ms)', '往返时延 (ms)', '帧率 (fps)']);
    await page.screenshot({ path: artifact('zh-messages-03-keylog-1280x800.png') });

    // back in English: the same line and menu in English
    await page.locator('[data-testid=lang-select]').selectOption('en');
    expect(await textOf(page, 'keylog')).toBe('Key log: dtls12-srtp.keylog.txt · 1 entry · 1 entry matched 1 of 1 DTLS connection in the capture (1 decrypted, 2 Finished verified)');
    expect((await page.locator('[data-testid=stats-metric] option').allTextContents())[0]).toBe('bit rate (bit/s)');
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);
});
