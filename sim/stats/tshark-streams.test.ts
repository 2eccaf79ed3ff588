import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturePath } from '../../test/captures.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { Dissector } from '../dissect/dissector.ts';
import { CaptureReader } from '../wire/pcap/capture-reader.ts';
import { captureStats } from './capture.ts';
import type { StreamReport } from './report.ts';

// The RTP stream analysis checked against Wireshark's own (`tshark -q -z rtp,streams`, tshark 4.0) on the real
// captures that carry RTP/SRTP: per stream (SSRC, source, destination) the packets, lost, max delta, and mean and
// max jitter must agree to tshark's printed precision. tshark knows no clock rate for a dynamic payload type
// without SDP (its jitter is then 0, and ours in 'wireshark' mode too), so each capture is also checked with its
// video payload type rewritten to H.263's static 34 (90 kHz, the clock its timestamps run at): a real stream's
// timing with jitter both sides compute.

interface TsharkStream {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  readonly packets: number;
  readonly lost: number;
  readonly maxDelta: number;
  readonly meanJitter: number;
  readonly maxJitter: number;
}

function tsharkStreams(file: string): TsharkStream[] {
  const out = execFileSync('tshark', ['-r', file, '-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const rows: TsharkStream[] = [];
  for (const line of out.split('\n')) {
    // start end src sport dst dport ssrc payload… pkts lost (pct) minΔ meanΔ maxΔ minJ meanJ maxJ [problems]
    const m = /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+0x([0-9A-Fa-f]+)\s+.*?\s(\d+)\s+(-?\d+) \([-\d.]+%\)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)/.exec(line);
    if (!m) continue;
    rows.push({ src: `${m[1]}:${m[2]}`, dst: `${m[3]}:${m[4]}`, ssrc: parseInt(m[5]!, 16), packets: Number(m[6]), lost: Number(m[7]), maxDelta: Number(m[10]), meanJitter: Number(m[12]), maxJitter: Number(m[13]) });
  }
  return rows;
}

/** A copy of the capture with every RTP packet of payload type `from` given payload type `to` (marker bit kept). */
function rewritePayloadType(bytes: Uint8Array, from: ReadonlySet<number>, to: number): { bytes: Uint8Array; rewritten: number } {
  const copy = bytes.slice();
  const dissector = new Dissector({ spans: false });
  let rewritten = 0;
  const reader = new CaptureReader();
  const each = (e: Parameters<Parameters<CaptureReader['pushEach']>[1]>[0]): void => {
    if (e.kind !== 'packet') return;
    const raw = e.packet;
    const p = dissector.packet(raw.data, { linkType: raw.linkType, link: raw.link });
    for (const l of p.layers) {
      if ((l.protocol !== 'RTP' && l.protocol !== 'SRTP') || l.plaintext || !l.value || !from.has(l.value.header.payloadType)) continue;
      // the packet's data is a view into the file's bytes: the same offset in the copy
      const at = raw.data.byteOffset - bytes.byteOffset + l.offset + 1;
      copy[at] = (copy[at]! & 0x80) | to;
      rewritten++;
    }
  };
  reader.pushEach(bytes, each);
  reader.endEach(each);
  return { bytes: copy, rewritten };
}

const CASES = [
  { name: 'chromium-loopback-call (SRTP, no keys)', file: capturePath('chromium-loopback-call', 'chromium-host.pcapng'), video: [118], streams: 6 },
  { name: 'chromium-rtclab-dtls12 (SRTP)', file: capturePath('chromium-rtclab-dtls12', 'chromium-rtclab.pcapng'), video: [96], streams: 6 },
];

function compare(ours: readonly StreamReport[], theirs: readonly TsharkStream[]): void {
  expect(ours.length).toBe(theirs.length);
  for (const t of theirs) {
    const o = ours.find((s) => s.ssrc === `0x${t.ssrc.toString(16).padStart(8, '0')}` && s.src === t.src && s.dst === t.dst);
    expect(o, `stream 0x${t.ssrc.toString(16)} ${t.src} → ${t.dst}`).toBeDefined();
    const a = o!.analysis;
    const what = `${o!.id}`;
    expect(a.packets, what).toBe(t.packets);
    expect(a.lost, what).toBe(t.lost);
    // tshark prints three decimals
    expect(Math.abs(a.maxDeltaMs - t.maxDelta), `${what} max delta ${a.maxDeltaMs} vs ${t.maxDelta}`).toBeLessThanOrEqual(0.0015);
    expect(Math.abs(a.meanJitterMs - t.meanJitter), `${what} mean jitter ${a.meanJitterMs} vs ${t.meanJitter}`).toBeLessThanOrEqual(0.0015);
    expect(Math.abs(a.maxJitterMs - t.maxJitter), `${what} max jitter ${a.maxJitterMs} vs ${t.maxJitter}`).toBeLessThanOrEqual(0.0015);
  }
}

describe.skipIf(!tsharkAvailable())('RTP stream analysis agrees with tshark -z rtp,streams', () => {
  for (const c of CASES) {
    it(`${c.name}: packets, lost, max delta, jitter per stream`, () => {
      const theirs = tsharkStreams(c.file);
      expect(theirs.length).toBe(c.streams);
      compare(captureStats(readFileSync(c.file), { clockRates: 'wireshark' }).streams, theirs);
    }, 120_000);

    it(`${c.name}, video rewritten to static PT 34 (90 kHz): jitter computed both sides agrees`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'rtclab-rtp-'));
      try {
        const { bytes, rewritten } = rewritePayloadType(readFileSync(c.file), new Set(c.video), 34);
        expect(rewritten).toBeGreaterThan(50);
        const file = join(dir, 'pt34.pcapng');
        writeFileSync(file, bytes);
        const theirs = tsharkStreams(file);
        // the rewrite must give tshark a clock: some stream has jitter now, or the check proves nothing
        expect(theirs.some((t) => t.maxJitter > 0)).toBe(true);
        compare(captureStats(bytes, { clockRates: 'wireshark' }).streams, theirs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
