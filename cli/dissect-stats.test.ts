// `rtclab dissect --stats` as a user runs it on a real capture with its key log: a fresh process, real files. The
// figures are the same as the library's (sim/stats, checked against tshark in sim/stats/tshark-streams.test.ts);
// here the command's table, JSON, CSV and its errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StatsReport } from '../sim/stats/report.ts';
import { STATS_CSV_HEADER } from '../sim/stats/format.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-stats-'));
const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const CAPTURE = 'captures/chromium-rtclab-dtls12/chromium-rtclab.pcapng';
const KEYLOG = 'captures/chromium-rtclab-dtls12/chromium-rtclab.keylog.txt';

describe('rtclab dissect --stats', { timeout: 300_000 }, () => {
  it('prints the stream analysis, the pairs and the buckets instead of the packet list, and writes the CSV', () => {
    const csv = join(dir, 'stats.csv');
    const r = rtclab('dissect', CAPTURE, '--keylog', KEYLOG, '--stats', '--csv', csv);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^RTP streams \(6;/);
    // Chromium's video to our peer: 261 packets, none lost, the largest spacing 34.585 ms (tshark says the same)
    expect(r.stdout).toMatch(/0x3e41ac39 127\.0\.0\.1:44907 → 127\.0\.0\.1:35272 +PT 96 SRTP +261 +0 \(0\.0%\) +0 +0 +0 +34\.585 /);
    expect(r.stdout).toMatch(/Candidate pairs \(2;/);
    expect(r.stdout).toMatch(/Over time \(1000 ms buckets\)/);
    // no packet lines
    expect(r.stdout).not.toMatch(/^\s+1\s+0\.000000 /m);
    const lines = readFileSync(csv, 'utf8').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(STATS_CSV_HEADER.join(','));
    expect(lines.filter((l) => l.startsWith('stream,')).length).toBe(18);
    expect(lines.filter((l) => l.startsWith('pair,')).length).toBe(6);
  });

  it('--json gives one object with the same figures, SRTCP opened with the key log (round trips, PLIs)', () => {
    const r = rtclab('dissect', CAPTURE, '--keylog', KEYLOG, '--stats', '--json', '--bucket', '500');
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    const { stats } = JSON.parse(out[0]!) as { stats: StatsReport };
    expect(stats.bucketMs).toBe(500);
    expect(stats.streams).toHaveLength(6);
    const video = stats.streams.find((s) => s.ssrc === '0x3e41ac39')!;
    expect(video.analysis).toMatchObject({ packets: 261, lost: 0, maxDeltaMs: 34.585 });
    expect(video.rtcp.pli).toBe(39);
    expect(video.series.length).toBeGreaterThanOrEqual(5);
    expect(stats.streams.filter((s) => s.rtcp.rtt).length).toBeGreaterThan(0);
    expect(stats.streams.every((s) => s.rtcp.srtcpEncrypted === 0)).toBe(true);
  });

  it('without the key log SRTCP stays closed and says so', () => {
    const r = rtclab('dissect', CAPTURE, '--stats');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/SRTCP packet\(s\) not opened \(no key\)/);
  });

  it('names a bad option value', () => {
    const r = rtclab('dissect', CAPTURE, '--bucket', 'soon');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--bucket needs a width in ms above 0 \(got soon\)/);
  });
});
