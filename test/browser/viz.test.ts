import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, utf8Encode } from '../../sim/core/encoding.ts';
import type { Hop, Trace } from '../../sim/core/trace.ts';
import { encodeUdpDatagram } from '../../sim/wire/ip/udp-datagram.ts';
import { writePcapng } from '../../sim/wire/pcap/pcapng-writer.ts';
import { artifact, CHROMIUM, openApp, startSession, type Session, dropFiles } from './harness.ts';

// The visualizer in a real Chromium: the default lesson loads, a packet is clicked and its bytes light up,
// stepping forward and back rebuilds the NAT table, real captures open by drop and by file picker, and strings
// carried by packets are shown as text, never run as markup. Screenshots land in test-artifacts/.

type AppHandle = {
  p?: { n: number; lanes: string[] };
  now: number;
  selected: number;
  ladder: { hopPoint(i: number): { x: number; y: number }; canvas: HTMLCanvasElement; frames: number };
  renderPanels(): void;
  protocols(): string[];
};

const app = (page: Page) => page.evaluateHandle(() => (window as unknown as { rtclab: AppHandle }).rtclab);

const SHARED = '/work/shared/captures';
const capturePath = (rel: string): string => (existsSync(`${SHARED}/${rel}`) ? `${SHARED}/${rel}` : `sim/wire/pcap/testdata/${rel.split('/').pop()}`);

async function waitForStatus(page: Page, re: RegExp): Promise<void> {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent ?? ''), re.source, { timeout: 30_000 });
}

async function clickHop(page: Page, hop: number): Promise<void> {
  const pt = await page.evaluate((i) => (window as unknown as { rtclab: AppHandle }).rtclab.ladder.hopPoint(i), hop);
  const box = (await page.locator('.ladder-canvas').boundingBox())!;
  await page.mouse.click(box.x + pt.x, box.y + pt.y);
}

let s: Session;

// CI installs chromium (.ci/run): there the suite must run, never skip
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('visualizer in Chromium', () => {
  beforeAll(async () => {
    s = await startSession();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('opens on the default lesson, a WebRTC call between two browsers, when the link names none', async () => {
    const { page, errors } = await openApp(s);
    await expect.poll(() => page.locator('#lesson-select').inputValue()).toBe('webrtc-call');
    const lanes = await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.p!.lanes);
    expect(lanes).toEqual(expect.arrayContaining(['alice', 'natA', 'server', 'natB', 'bob']));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens the NAT basics lesson with its scenario on the ladder', async () => {
    const { page, errors } = await openApp(s, '?lesson=nat-basics');
    await expect.poll(() => page.locator('[data-testid=lesson] h2').first().textContent()).toContain('NAT basics');
    expect(await page.locator('#lesson-select').inputValue()).toBe('nat-basics');
    const lanes = await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.p!.lanes);
    expect(lanes).toEqual(['alice', 'natA', 'internet', 'server']);
    await expect.poll(() => page.locator('.list-row[data-hop]').count()).toBeGreaterThan(5);
    await page.screenshot({ path: artifact('01-default-lesson.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('clicking an arrow selects the packet everywhere and hovering a field lights its bytes', async () => {
    const { page, errors } = await openApp(s, '?lesson=nat-basics');
    await clickHop(page, 1);
    expect(await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.selected)).toBe(1);
    await expect.poll(() => page.locator('.hop-facts').textContent()).toContain('Hop 1');
    expect(await page.locator('.list-row.selected').getAttribute('data-hop')).toBe('1');
    // The IPv4 source address after the NAT: 4 bytes at offset 12 hold 203.0.113.10.
    const field = page.locator('.field[data-offset="12"][data-length="4"]').first();
    expect(await field.textContent()).toContain('203.0.113.10');
    await field.hover();
    const lit = await page.locator('.hex-byte.lit').allTextContents();
    expect(lit).toEqual(['cb', '00', '71', '0a']);
    await page.screenshot({ path: artifact('02-packet-detail-hex.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stepping forward creates the NAT mapping and stepping back removes it again', async () => {
    const { page } = await openApp(s, '?lesson=nat-basics');
    const table = page.locator('[data-testid="nat-table-natA"]');
    await expect.poll(() => table.locator('[data-testid=nat-empty]').count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid=panel-ice]').textContent()).toContain('No ICE agent in this scenario');
    await page.locator('[data-testid=step-forward]').click(); // 1 ms: natA forwards the first probe
    await expect.poll(() => table.locator('tr[data-mapping]').count()).toBe(1);
    expect(await table.locator('.ext').first().textContent()).toBe('203.0.113.10:5000');
    await page.screenshot({ path: artifact('03-step-forward-mapping.png') });
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => table.locator('tr[data-mapping]').count()).toBe(0);
    // jump to the filtering drop: the counter says so, and the URL holds the position
    await page.locator('[data-testid=jump-kind]').selectOption('nat.filtered');
    await page.locator('[data-testid=jump]').click();
    await expect.poll(() => table.textContent()).toContain('filtered 1');
    await expect.poll(() => page.evaluate(() => location.search)).toContain('t=61ms');
    await page.screenshot({ path: artifact('04-jump-filtered.png') });
    await page.close();
  });

  it('the NAT table shows TCP mappings beside UDP ones: a protocol column, each connection\'s RFC 5382 phase and timeout', async () => {
    const { page, errors } = await openApp(s, '?scenario=call-p2p&t=2s');
    const table = page.locator('[data-testid="nat-table-natA"]');
    // the signaling WebSocket to the server's port 80 is natA's one TCP mapping, established
    await expect.poll(() => table.locator('tr[data-protocol=tcp]').count()).toBe(1);
    expect(await table.locator('tr[data-protocol=tcp] .nat-proto').textContent()).toBe('TCP');
    expect(await table.locator('tr[data-protocol=udp]').count()).toBeGreaterThan(0);
    expect(await table.locator('th').first().textContent()).toBe('proto');
    const established = table.locator('.nat-tcp[data-tcp-phase=established]');
    await expect.poll(() => established.count()).toBe(1);
    expect(await established.textContent()).toMatch(/TCP established with 198\.51\.100\.10:80 \(mapping idle timeout .+, RFC 5382 §5\)/);
    expect(await established.getAttribute('title')).toContain('2 hours 4 minutes');
    await page.screenshot({ path: artifact('04b-nat-table-tcp.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a link with lesson, time and selection reproduces the view', async () => {
    const { page } = await openApp(s, '?lesson=nat-timeouts&t=300.001s&hop=2');
    await expect.poll(() => page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.now)).toBe(300_001_000);
    const table = page.locator('[data-testid="nat-table-natA"]');
    await expect.poll(() => table.textContent()).toContain('expired 1');
    expect(await page.locator('.hop-facts').textContent()).toContain('Hop 2');
    await page.close();
  });

  it('a real capture dropped on the page replaces the trace, STUN and TURN dissected', async () => {
    const { page, errors } = await openApp(s, '?lesson=nat-basics');
    await dropFiles(page, [{ name: 'stun-turn-coturn.pcapng', bytes: readFileSync(capturePath('stun-turn-coturn/stun-turn-coturn.pcapng')) }]);
    await waitForStatus(page, /stun-turn-coturn\.pcapng · \d+ packets/);
    const protos = await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.protocols());
    expect(protos).toContain('STUN');
    expect(protos).toContain('TURN-CHANNELDATA');
    await page.locator('[data-testid=filter-proto]').selectOption({ label: 'STUN' });
    await expect.poll(() => page.locator('.list-row[data-hop]').first().locator('.proto').textContent()).toBe('STUN');
    // the class's colour comes from the dissector's protocol list (sim/dissect/registry.ts): STUN's #ffd166. Polled:
    // the list redraws its rows when the worker's keyed labels arrive, and a row it took out has no computed colour
    // ('' was read once at load 25 beside two busy loops)
    const firstColour = (): Promise<string> => page.locator('.list-row[data-hop]').first().locator('.proto').evaluate((e) => getComputedStyle(e).color);
    await expect.poll(firstColour).toBe('rgb(255, 209, 102)');
    await page.locator('[data-testid=filter-proto]').selectOption({ label: 'TURN-CHANNELDATA' });
    await expect.poll(() => page.locator('.list-row[data-hop]').first().locator('.proto').textContent()).toBe('TURN-CHANNELDATA');
    await expect.poll(firstColour).toBe('rgb(244, 162, 97)');
    await page.locator('[data-testid=filter-proto]').selectOption({ label: 'STUN' });
    await expect.poll(() => page.locator('.list-row[data-hop]').first().locator('.proto').textContent()).toBe('STUN');
    await page.locator('.list-row[data-hop]').first().click();
    await expect.poll(() => page.locator('[data-testid=classification]').first().textContent()).toMatch(/first byte 0x0[0-3] is in 0–3: STUN/);
    await page.screenshot({ path: artifact('05-dropped-capture-stun.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the file picker opens a DTLS capture and the detail explains the RFC 7983 classification', async () => {
    const { page } = await openApp(s, '?lesson=nat-basics');
    await page.locator('#file').setInputFiles(capturePath('dtls-srtp-openssl/dtls12-srtp.pcapng'));
    await waitForStatus(page, /dtls12-srtp\.pcapng/);
    await page.locator('.list-row[data-hop="0"]').click();
    await expect.poll(() => page.locator('[data-testid=classification]').first().textContent()).toContain('first byte 0x16 is in 20–63: DTLS');
    await page.screenshot({ path: artifact('06-file-picker-dtls.png') });
    await page.close();
  });

  it('markup and script inside packets and capture metadata show as text and never run', async () => {
    const { page, errors } = await openApp(s, '?lesson=nat-basics');
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const path = artifact('markup.pcapng');
    writeFileSync(path, writePcapng(markupTrace(evil)));
    await page.locator('#file').setInputFiles(path);
    await waitForStatus(page, /markup\.pcapng/);
    for (const hop of [0, 1]) {
      await page.locator(`.list-row[data-hop="${hop}"]`).click();
      await expect.poll(() => page.locator('.hop-facts').textContent()).toContain(`Hop ${hop}`);
      const tree = (await page.locator('[data-testid=field-tree]').textContent()) ?? '';
      const hex = (await page.locator('[data-testid=hex]').textContent()) ?? '';
      if (hop === 0) expect(tree).toContain('<img src=x onerror=');
      else expect(hex).toMatch(/<img src=x oner.*<script>/);
    }
    await page.evaluate(() => (window as unknown as { rtclab: AppHandle }).rtclab.renderPanels());
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('[data-testid=event-log]').textContent()).toContain('<script>');
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const svg = await page.evaluate(() => (window as unknown as { rtclab: { ladder: { exportSvg(): string } } }).rtclab.ladder.exportSvg());
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<img');
    await page.screenshot({ path: artifact('07-markup-is-text.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the scenario panel re-runs with a symmetric NAT in place', async () => {
    const { page } = await openApp(s, '?lesson=nat-basics');
    await page.locator('[data-testid=tab-scenario]').click();
    await page.locator('[data-key="natA.mapping"]').selectOption('address-and-port-dependent');
    await page.locator('[data-testid=rerun]').click();
    await waitForStatus(page, /Restricted cone NAT \(edited\) · seed 1 · \d+ hops/);
    await page.locator('[data-tab=state]').click();
    await page.keyboard.press('End');
    const table = page.locator('[data-testid="nat-table-natA"]');
    await expect.poll(() => table.locator('tr[data-mapping]').count()).toBe(2);
    await page.screenshot({ path: artifact('08-rerun-symmetric.png') });
    await page.close();
  });
});

/** A capture whose STUN SOFTWARE and USERNAME, UDP payload, interface name and comments all carry markup. */
function markupTrace(evil: string): Trace {
  const attr = (type: number, value: Uint8Array): Uint8Array => {
    const pad = (4 - (value.length % 4)) % 4;
    const out = new Uint8Array(4 + value.length + pad);
    new DataView(out.buffer).setUint16(0, type);
    new DataView(out.buffer).setUint16(2, value.length);
    out.set(value, 4);
    return out;
  };
  const attrs = concatBytes(attr(0x0006, utf8Encode(evil)), attr(0x8022, utf8Encode(evil)));
  const stun = new Uint8Array(20 + attrs.length);
  const v = new DataView(stun.buffer);
  v.setUint16(0, 0x0001); // Binding request (RFC 8489 §5)
  v.setUint16(2, attrs.length);
  v.setUint32(4, 0x2112a442);
  stun.set(attrs, 20);
  const hop = (index: number, payload: Uint8Array): Hop => ({
    index,
    t: index * 1000,
    arrive: index * 1000 + 500,
    link: `eth<b>${index}</b>`,
    from: 'a',
    to: 'b',
    packet: index + 1,
    bytes: encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 5000, dstPort: 3478, payload }),
  });
  return {
    meta: { source: 'simulation', title: evil },
    nodes: [],
    links: [],
    hops: [hop(0, stun), hop(1, utf8Encode(`note ${evil}`))],
    notes: [],
    secrets: [],
  };
}
