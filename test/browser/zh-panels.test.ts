import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artifact, describeInChromium, openApp } from './harness.ts';

// The page in Chinese beyond the state panels (issue 14): the scenario panel (its form and ICE switches), the
// diagnosis panel, the follow panel and the compare pane, and every tooltip (title), accessible name (aria-label) and
// placeholder in the page. The diagnosis's findings are worded in Chinese from their figures (viz/i18n-diagnosis.ts),
// the English sentence the CLI prints kept as their tooltip. What the run says stays as the run says it (note texts,
// addresses, SDP lines, payloads); what the page says is Chinese, but for protocol, message and field names, as the RFCs and
// the scenario format spell them. Switching back to English puts the English strings back.

/** Words a Chinese string may keep: protocol, message and field names, tools, units, keys, scenario values. */
const KEPT = new RegExp(
  [
    // protocols and their parts
    'ICE-lite', 'ICE', 'DTLS', 'SRTP', 'SRTCP', 'RTP', 'RTCP', 'STUN', 'TURN', 'SDP', 'UDP', 'TCP', 'TLS', 'NAT', 'ICMP', 'IP', 'SCTP', 'HTTP',
    'JSON', 'CSV', 'SVG', 'PNG', 'SSRC', 'RFC', 'REQ', 'SYN', 'FIN', 'RST', 'ROC', 'NSS', 'PT', 'EIM',
    'pcapng', 'pcap', 'Decryption Secrets Block', 'Certificate', 'ClientHello', 'getStats', 'tshark', 'rtclab', 'dissect', 'keylog_file', 'FILE',
    'Trickle', 'trickle', 'host', 'srflx', 'prflx', 'relayed', 'relay', 'server-reflexive', 'peer-reflexive', 'controlling',
    'mapping', 'filtering', 'hairpinning', 'offer', 'answer', 'm-section', 'a=fingerprint', 'profile', 'rollover counter', 'flight',
    'sha-256', 'worker', 'stun', 'rtp,streams', 'auto', 'datachannel', 'websocket', 'signaling', 'http', 'tls', 'tcp', 'udp',
    // the runs A and B, units, keys
    'A', 'B', 'ms', 's', 'µs', 'x', 'e\\.g\\.',
  ]
    .map((w) => `(?<![A-Za-z])${w}(?![A-Za-z])`)
    .join('|'),
  'g',
);
/** Dotted field paths (natA.mapping, apps[2].turn, udp.stream, tls.keylog_file), option switches, file names. */
const PATHS = /[A-Za-z_][\w-]*(\[\d+\])?(\.[A-Za-z_][\w-]*(\[\d+\])?)+|--[a-z-]+|-[a-z]\b|\S+\.(md|ts|json)\b/g;

/** Every string the page itself says inside `roots` (texts, title, aria-label, placeholder), minus the run's data. */
async function pageStrings(page: Page, roots: readonly string[], data: readonly string[]): Promise<string[]> {
  return page.evaluate(
    ({ roots, data }) => {
      const out: string[] = [];
      const isData = (e: Element): boolean => data.some((d) => e.closest(d) !== null);
      for (const sel of roots) {
        for (const root of document.querySelectorAll(sel)) {
          for (const e of [root, ...root.querySelectorAll('*')]) {
            if ((e as HTMLElement).hidden || e.tagName === 'OPTION' || isData(e)) continue;
            for (const a of ['title', 'aria-label', 'placeholder']) {
              const v = e.getAttribute(a);
              if (v) out.push(`${a}: ${v}`);
            }
            for (const n of e.childNodes) if (n.nodeType === Node.TEXT_NODE && n.textContent!.trim()) out.push(n.textContent!.trim());
          }
        }
      }
      return [...new Set(out)];
    },
    { roots, data },
  );
}

/** The strings still in English: a Latin word left once protocol names, field names, addresses and values are taken out. */
function english(strings: readonly string[]): string[] {
  return strings.filter((s) => /[A-Za-z]{2,}/.test(s.replace(/^(title|aria-label|placeholder): /, '').replace(PATHS, ' ').replace(KEPT, ' ')));
}

describeInChromium('the scenario, diagnosis, follow and compare panels and the tooltips in Chinese', (session) => {
  it('lang=zh: no English string of the page is left in those panels nor in any tooltip or accessible name; the switch puts English back', async () => {
    const { page, errors } = await openApp(session(), '?scenario=fail-symmetric-no-turn&lang=zh');
    await page.setViewportSize({ width: 1280, height: 800 });
    const diagnosis = page.locator('[data-testid=panel-diagnosis]');
    await expect.poll(() => diagnosis.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await diagnosis.locator('h3').textContent()).toBe('诊断');
    expect(await diagnosis.locator('.severity').first().textContent()).toBe('失败');
    expect(await diagnosis.locator('.evidence-hop').first().textContent()).toMatch(/^第 #\d+ 跳$/);
    // each finding in Chinese, its figures (hosts, counts, NATs) filled in; the CLI's English as the tooltip
    const finding = diagnosis.locator('.finding').first();
    expect(await finding.getAttribute('data-cause')).toBe('ice.nat-mapping');
    expect(await finding.locator('.finding-text').textContent()).toMatch(/^(alice|bob) 的 ICE 在 [\d.]+ 秒失败：全部 \d+ 个候选对都失败了；对称 NAT 为每个对端分配了不同的端口/);
    expect(await finding.locator('.finding-text').getAttribute('title')).toMatch(/'s ICE failed at/);
    expect(await finding.locator('.finding-fix-text').textContent()).toMatch(/^让 nat[AB] 采用与端点无关的映射（RFC 4787 REQ-1），或者给 (alice|bob) 配置一个 TURN 服务器$/);
    expect(await diagnosis.locator('[data-untranslated]').count()).toBe(0);
    // the scenario panel: its form, its buttons, its ICE switches
    await page.locator('[data-testid=tab-scenario]').click();
    await expect.poll(() => page.locator('[data-testid=rerun]').textContent()).toBe('重新运行');
    expect(await page.locator('.scenario-panel').textContent()).toContain('映射（mapping）');
    // the compare pane: keep the run as A, run it again with another seed as B
    await page.locator('[data-testid=keep-as-a]').click();
    await page.locator('[data-testid=seed]').fill('2');
    await page.locator('[data-testid=rerun]').click();
    await expect.poll(() => page.locator('[data-testid=compare-diff]').textContent(), { timeout: 90_000 }).toMatch(/结果：\d+ 项事实中有 \d+ 项不同/);
    expect(await page.locator('[data-testid=compare-leave]').textContent()).toBe('退出对比');
    // the follow panel on a selected packet
    await page.locator('.list-row[data-hop]').first().click();
    await page.locator('[data-testid=follow]').click();
    await expect.poll(() => page.locator('[data-testid=follow-panel]').isVisible()).toBe(true);
    await expect.poll(() => page.locator('[data-testid=follow-panel] strong').first().textContent()).toMatch(/^(跟踪|跟踪流)/);
    await page.screenshot({ path: artifact('zh-panels-compare-follow-1280x800.png') });

    const panels = ['[data-testid=panel-diagnosis]', '.scenario-panel', '[data-testid=follow-panel]', '[data-testid=compare]'];
    // what the run says: finding sentences and fixes, node names, values compared, payloads and frame notes
    const data = ['.finding-text', '.finding-subject', '.finding-fix-text', '.finding-detail', 'code', 'legend', '.compare-table td', '.compare-caption', '.compare-title', '.follow-body pre', '.follow-chunk-head', 'textarea'];
    const texts = await pageStrings(page, panels, data);
    expect(texts.length).toBeGreaterThan(20);
    expect(english(texts)).toEqual([]);
    // the finding's fix line: its label is Chinese, the fix itself is the run's sentence
    expect(await diagnosis.locator('.finding-fix strong').first().textContent()).toBe('修复：');
    // every tooltip, accessible name and placeholder of the page, but those naming the run's data (a finding's
    // sentence, fix, subject and detail lines keep the CLI's English as their tooltip) and the language menu's own
    // ("Language / 语言" in both, for whoever cannot read the page's current language)
    const attrs = (await pageStrings(page, ['body'], ['.finding-text', '.finding-fix-text', '.finding-subject', '.finding-detail', '[data-testid=lang-select]', '.list-row:not(.list-head)', 'tr.pair', '.stats-legend', '#ladder .compare-caption', '.event-log', '[data-testid^=nat-table-] tr', '.topology li', 'textarea'])).filter((s) => /^(title|aria-label|placeholder): /.test(s));
    expect(attrs.length).toBeGreaterThan(30);
    expect(english(attrs)).toEqual([]);
    // the check itself sees English: back in English, the same walk finds it
    await page.locator('[data-testid=lang-select]').selectOption('en');
    await expect.poll(() => page.locator('[data-testid=compare-leave]').textContent()).toBe('Leave compare');
    expect(await diagnosis.locator('h3').textContent()).toBe('Diagnosis');
    expect(await finding.locator('.finding-fix-text').textContent()).toMatch(/^make nat[AB] map endpoint-independently/);
    expect(await finding.locator('.finding-text').getAttribute('title')).toBeNull();
    expect(await page.locator('[data-testid=rerun]').textContent()).toBe('Re-run');
    const back = english(await pageStrings(page, panels, data));
    expect(back).toEqual(expect.arrayContaining(['Diagnosis', 'Re-run', 'Leave compare']));
    expect(english((await pageStrings(page, ['header', '.timeline'], [])).filter((s) => s.startsWith('title: ')))).toEqual(expect.arrayContaining(['title: Whole trace (f)', 'title: Play / pause (space)']));
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
