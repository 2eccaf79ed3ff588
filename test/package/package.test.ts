// The done-when of issue 22, as a test: a fresh project outside the repository installs the packed tarball, imports
// the API and the matchers, runs a scenario with its own endpoint, and its vitest suite passes; the same package
// runs under Deno and in a page bundled by esbuild in headless Chromium, and every preset's trace digest is the same
// in Node, Deno and the browser.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshProject, packTarball, ROOT, type FreshProject } from './fresh-project.ts';
import { coveringPresets } from '../support/covering-presets.ts';

const run = promisify(execFile);
const DENO = join(ROOT, 'node_modules/.bin/deno');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
type Reached = { outcome: string; secure: string[]; received: number; consumers: string[]; hops: number };
type Digests = Record<string, { pcapng: string; trace: string; reached: Reached }>;

/**
 * Where the three runtimes' runs of a covering preset stop, in seconds of virtual time, for the presets whose run is
 * mostly a media phase: everything else runs to its end. Each bound is past the last moment the full run first puts
 * a new kind of packet on the wire (a protocol stack with its message type: STUN/TURN requests and indications,
 * ChannelData, TCP and TLS framing, every DTLS handshake message and record, RTP, SRTP, the first RTCP compound) or
 * first reaches a new state (a note kind; but for the srflx keepalive note of the two TURN-over-TCP presets, below),
 * measured on the full runs in December 2026 (in parentheses); after it the run repeats those packets (media and RTCP
 * every few hundred ms, consent checks) until its end. Cut so, the covering presets take 28% of the CPU they took
 * (Node, @noble crypto: 106 s → 29 s a runtime; call-sfu-lossy 21.9 s → 4.9 s, call-turn-tls-443 15.6 s → 2.2 s,
 * mediasoup-room 12.6 s → 4.5 s, call-sfu 7.0 s → 1.4 s, call-p2p 6.4 s → 1.2 s). What the full runs write is still
 * pinned byte for byte in Node by test/golden, against digests computed in another process.
 */
const CUT: Readonly<Record<string, number>> = {
  'call-turn-tls-443': 2.5, // (1.73 s: the first RTCP over the TURN-TLS channel; a srflx keepalive note at 10.2 s sends a Binding request, seen before)
  'call-turn-tcp': 2.5, // (1.81 s: the first RTCP; the same keepalive note at 10.2 s)
  'call-sfu-lossy': 3, // (2.38 s: carol, who joins late, has her DTLS and SRTP keys; losses on RTP and RTCP from 2.4 s)
  'mediasoup-room': 2, // (1.18 s: the SFU coalesces a keyframe request)
  'call-sfu': 1.5, // (0.79 s)
  'call-p2p': 2, // (1.48 s: the first RTCP)
  'janus-echotest': 2.5, // (1.64 s)
  'mediasoup-1to1-nat': 2, // (1.18 s)
  'call-ice-tcp': 1.5, // (0.67 s)
  'mediasoup-plain-comedia': 3, // (2.05 s)
  'dtls13-hybrid-call': 1.5, // (0.85 s)
  'dtls-srtp-call': 1.5, // (0.92 s)
};

// generous: packing builds dist/, and every preset runs three times on a machine busy with other work
describe('the packed package in a fresh project', { timeout: 1_800_000 }, () => {
  let packDir = '';
  let project: FreshProject;

  beforeAll(() => {
    packDir = mkdtempSync(join(tmpdir(), 'rtclab-pack-'));
    project = freshProject('custom-endpoint', packTarball(packDir));
    copyFileSync(join(ROOT, 'test/package/digests.mjs'), join(project.dir, 'digests.mjs'));
  }, 900_000);

  afterAll(() => {
    if (project) rmSync(project.dir, { recursive: true, force: true });
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  });

  it('installs from the npm cache alone', () => {
    expect(project.install).toBe('offline');
  });

  it('type-checks the example against the published declarations', async () => {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project.dir], { cwd: project.dir });
  });

  it("passes the example's own vitest suite: its endpoint behind our NAT, checked by our matchers", async () => {
    const { stdout } = await run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=verbose'], { cwd: project.dir, env: { ...process.env, NO_COLOR: '1' } });
    expect(stdout).toMatch(/Tests +4 passed \(4\)/);
    expect(stdout).toMatch(/learns the address the NAT maps it to/);
  });

  it('runs the CLI from the built files', async () => {
    const { stdout } = await run(process.execPath, ['node_modules/rtclab/bin/rtclab.js', 'run', 'nat-full-cone'], { cwd: project.dir });
    expect(stdout).toMatch(/ran 5s of virtual time/);
  });

  it('keeps its insides behind the exports map', async () => {
    const script = "import('rtclab/dist/sim/scenario/run.js').then(() => console.log('open'), (e) => console.log(e.code))";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project.dir });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  // Compared: the SHA-256 of the pcapng export and of the trace JSON of every covering preset (every app kind, node
  // kind and NAT behaviour, and the paths listed in test/support/covering-presets.ts), with what each run reached,
  // in Node, Deno and Chromium, each running the packed package with its own (@noble) crypto. The media-heavy presets
  // stop at CUT above, past the moment their full runs have put every kind of packet they send on the wire; the
  // check below holds that each cut run still got through every handshake (no ICE agent failed, every DTLS
  // association up with its SRTP profile, media received, every SFU consumer forwarded to), so a preset that comes to connect later fails here
  // instead of silently covering less.
  it('gives every app kind, node kind and NAT behaviour the same trace digests in Node, Deno and Chromium', async () => {
    const names = coveringPresets();
    for (const name of Object.keys(CUT)) expect(names, `${name} is a covering preset`).toContain(name);
    const args = names.map((n) => (CUT[n] === undefined ? n : `${n}@${CUT[n]! * 1e6}`));
    const node = run(process.execPath, ['digests.mjs', '--print', ...args], { cwd: project.dir, maxBuffer: 1 << 24 }).then((r) => JSON.parse(r.stdout) as Digests);
    const deno = run(DENO, ['run', '--allow-read', '--allow-env', 'digests.mjs', '--print', ...args], { cwd: project.dir, maxBuffer: 1 << 24 }).then((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as Digests);
    const browser = inChromium(project.dir, args);
    const [n, d, b] = await Promise.all([node, deno, browser]);
    expect(Object.keys(n).sort()).toEqual([...names].sort());
    expect(names.length).toBeGreaterThan(20);
    for (const [name, at] of Object.entries(CUT)) {
      const r = n[name]!.reached;
      expect(r.outcome, `${name} cut at ${at} s: every ICE agent connected`).not.toBe('failed');
      for (const t of r.secure) expect(t, `${name} cut at ${at} s: DTLS up with an SRTP profile`).toMatch(/ connected SRTP_\w+$/);
      for (const c of r.consumers) expect(c, `${name} cut at ${at} s: the SFU sends media on to every consumer`).toMatch(/ [1-9]\d*$/);
      expect(r.secure.length + r.consumers.length, `${name}: a secure transport or an SFU's consumer to check`).toBeGreaterThan(0);
      expect(r.received + r.consumers.length, `${name} cut at ${at} s: media received`).toBeGreaterThan(0);
    }
    expect(d).toEqual(n);
    expect(b).toEqual(n);
  });
});

/** Bundles digests.mjs for the browser with esbuild (resolving `rtclab` from the project) and runs it in a page. */
async function inChromium(dir: string, names: readonly string[]): Promise<Digests> {
  const bundle = await build({
    stdin: { contents: "import { digests } from './digests.mjs'; globalThis.rtclabDigests = digests;", resolveDir: dir, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const code = bundle.outputFiles[0]!.text;
  // nothing in the bundle may reach for Node: a browser has no node: modules
  expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/);
  const profile = mkdtempSync(join(tmpdir(), 'rtclab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('about:blank');
    await page.addScriptTag({ content: code });
    const out = await page.evaluate((n) => (globalThis as unknown as { rtclabDigests: (names: string[]) => Digests }).rtclabDigests(n), [...names]);
    expect(errors).toEqual([]);
    return out;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
