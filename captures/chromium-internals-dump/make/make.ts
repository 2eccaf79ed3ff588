// Makes chromium-internals-dump/: a real call between two RTCPeerConnections in one headless Chromium page, captured
// on `lo` with dumpcap, and the "webrtc-internals dump" Chromium itself wrote for that call (chrome://webrtc-internals
// open in a second tab, its "Download the webrtc-internals dump" button clicked after the call).
// Run: npx tsx captures/chromium-internals-dump/make/make.ts   (needs /usr/bin/chromium, dumpcap and tshark on lo)
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const OUT = new URL('..', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'rtclab-internals-dump-'));
const raw = join(work, 'raw.pcapng');

const PAGE = `<!doctype html><meta charset="utf-8"><title>two peer connections</title><script>
window.call = async (mediaMs) => {
  const pc1 = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const pc2 = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc1.onicecandidate = (e) => { if (e.candidate) pc2.addIceCandidate(e.candidate); };
  pc2.onicecandidate = (e) => { if (e.candidate) pc1.addIceCandidate(e.candidate); };
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } });
  for (const t of media.getTracks()) pc1.addTrack(t, media);
  const got = [];
  pc2.ondatachannel = (e) => { e.channel.onmessage = (m) => { got.push(m.data); e.channel.send('hello back from pc2'); }; };
  const chat = pc1.createDataChannel('chat');
  chat.onmessage = (m) => got.push(m.data);
  chat.onopen = () => chat.send('hello from pc1');
  const offer = await pc1.createOffer();
  await pc1.setLocalDescription(offer);
  await pc2.setRemoteDescription(offer);
  const answer = await pc2.createAnswer();
  await pc2.setLocalDescription(answer);
  await pc1.setRemoteDescription(answer);
  await new Promise((r) => setTimeout(r, mediaMs));
  const stats = async (pc) => [...(await pc.getStats()).values()];
  const out = { pc1: await stats(pc1), pc2: await stats(pc2), got, offer: pc1.localDescription.sdp, answer: pc2.localDescription.sdp };
  window.close2 = () => { pc1.close(); pc2.close(); media.getTracks().forEach((t) => t.stop()); };
  return out;
};
</script>`;

async function main(): Promise<void> {
  const server = createServer((_q, r) => r.setHeader('content-type', 'text/html').end(PAGE));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const cap = spawn('dumpcap', ['-q', '-i', 'lo', '-f', 'udp', '-w', raw], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 2000));
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'rtclab-internals-profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
  try {
    // the internals page records only what happens while it is open: it opens first
    const internals = await context.newPage();
    await internals.goto('chrome://webrtc-internals');
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const result = (await page.evaluate('window.call(2000)')) as { pc1: { type: string; port?: number; address?: string }[]; pc2: { type: string; port?: number }[]; got: string[]; offer: string; answer: string };
    // webrtc-internals polls getStats once a second: let it take two more samples
    await internals.waitForTimeout(2500);
    await internals.click('summary:has-text("Create a WebRTC-Internals dump")');
    const [download] = await Promise.all([internals.waitForEvent('download'), internals.click('#dump-click-target')]);
    // Chromium gzips the dump when its "Compress result" box is ticked (the default): kept as written
    await download.saveAs(join(OUT, 'chromium-internals.webrtc-internals.json.gz'));
    (result as { dumpName?: string }).dumpName = download.suggestedFilename();
    await page.evaluate('window.close2()');
    await page.waitForTimeout(500);
    const ports = [...new Set([...result.pc1, ...result.pc2].filter((s) => s.type === 'local-candidate').map((s) => s.port!))];
    await new Promise((r) => setTimeout(r, 1000));
    cap.kill('SIGINT');
    await new Promise((r) => cap.on('exit', r));
    // only the call's candidates' ports: other programs use lo too
    execFileSync('tshark', ['-r', raw, '-Y', `udp.port in {${ports.join(', ')}}`, '-w', join(OUT, 'chromium-internals.pcapng')]);
    // what the page itself saw, to check the dump against: its descriptions (after gathering, with candidates), its
    // candidates, DTLS parameters and certificate fingerprints from getStats
    type Stat = Record<string, unknown> & { type: string };
    const pick = (list: Stat[], type: string, keys: string[]): Record<string, unknown>[] => list.filter((x) => x.type === type).map((x) => Object.fromEntries(keys.map((k) => [k, x[k]])));
    const all = [...result.pc1, ...result.pc2] as Stat[];
    const page = {
      offer: result.offer,
      answer: result.answer,
      got: result.got,
      pc1Candidates: pick(result.pc1 as Stat[], 'local-candidate', ['id', 'address', 'port', 'protocol', 'candidateType']),
      pc2Candidates: pick(result.pc2 as Stat[], 'local-candidate', ['id', 'address', 'port', 'protocol', 'candidateType']),
      dtls: pick(all, 'transport', ['id', 'tlsVersion', 'dtlsCipher', 'srtpCipher', 'dtlsRole', 'localCertificateId', 'remoteCertificateId']),
      certificates: pick(all, 'certificate', ['id', 'fingerprint', 'fingerprintAlgorithm']),
    };
    writeFileSync(join(OUT, 'chromium-internals.page.json'), `${JSON.stringify(page, null, 1)}\n`);
    const versions = [`dump: ${(result as { dumpName?: string }).dumpName}`, `chromium: ${execFileSync(CHROMIUM, ['--version']).toString().trim()}`, `tshark: ${execFileSync('tshark', ['--version']).toString().split('\n')[0]}`, `node: ${process.version}`, `made: ${new Date().toISOString()}`, `messages: ${result.got.join(' | ')}`, `ports: ${ports.join(' ')}`];
    writeFileSync(join(OUT, 'versions.txt'), `${versions.join('\n')}\n`);
  } finally {
    await context.close();
    server.close();
    if (cap.exitCode === null) cap.kill('SIGINT');
  }
}

await main();
