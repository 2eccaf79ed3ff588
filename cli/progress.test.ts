import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatEta, Progress, progressEnabled, progressLine } from './progress.ts';

const rtclab = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });

describe('progress on standard error', () => {
  it('draws a bar, done/total, the percent and an ETA from the rate so far', () => {
    expect(progressLine(0, 36, 0, 'cells')).toBe(`cells [${'.'.repeat(30)}] 0/36 0% ETA ?`);
    expect(progressLine(9, 36, 3, 'cells')).toBe(`cells [${'#'.repeat(8)}${'.'.repeat(22)}] 9/36 25% ETA 9s`);
    expect(progressLine(36, 36, 12)).toBe(`[${'#'.repeat(30)}] 36/36 100% ETA 0s`);
    expect(progressLine(1, 3, 100, 'runs')).toMatch(/ETA 3m20s$/);
    expect(formatEta(59.4)).toBe('59s');
    expect(formatEta(59.6)).toBe('1m00s');
    expect(formatEta(Infinity)).toBe('?');
  });

  it('is drawn on a terminal or when asked for, never with --quiet', () => {
    expect(progressEnabled({ isTTY: true, write: () => true }, {}, {})).toBe(true);
    expect(progressEnabled({ isTTY: false, write: () => true }, {}, {})).toBe(false);
    expect(progressEnabled({ isTTY: false, write: () => true }, {}, { RTCLAB_PROGRESS: '1' })).toBe(true);
    expect(progressEnabled({ isTTY: true, write: () => true }, {}, { RTCLAB_PROGRESS: '0' })).toBe(false);
    expect(progressEnabled({ isTTY: true, write: () => true }, { quiet: true }, { RTCLAB_PROGRESS: '1' })).toBe(false);
  });

  it('redraws in place at most ten times a second, waits `after` before the first draw, and always draws the end', () => {
    let t = 0;
    let text = '';
    const p = new Progress(10, { stream: { isTTY: true, write: (s: string) => (text += s) }, now: () => t, after: 500 });
    p.tick(1);
    t = 400;
    p.tick(2);
    expect(text).toBe(''); // work that ends within half a second leaves nothing behind
    t = 600;
    p.tick(3);
    t = 650;
    p.tick(4); // 50 ms after the last draw: skipped
    t = 700;
    p.tick(5);
    t = 710;
    p.tick(10); // the end is always drawn
    p.end();
    expect(text.split('\r').filter(Boolean).map((l) => l.replace(/ +\n?$/, ''))).toEqual([
      `[${'#'.repeat(9)}${'.'.repeat(21)}] 3/10 30% ETA 1s`,
      `[${'#'.repeat(15)}${'.'.repeat(15)}] 5/10 50% ETA 1s`,
      `[${'#'.repeat(30)}] 10/10 100% ETA 0s`,
    ]);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('rtclab run shows how far it is in virtual time; the summary on standard output is unchanged', () => {
    const plain = rtclab(['run', 'nat-full-cone'], {});
    const shown = rtclab(['run', 'nat-full-cone'], { RTCLAB_PROGRESS: '1' });
    expect(shown.status).toBe(0);
    expect(plain.stderr).toBe('');
    expect(shown.stderr.split('\r').filter(Boolean).at(-1)).toMatch(/^virtual time \[#{30}\] (\S+)\/\1 100% ETA 0s {2}\n$/);
    const strip = (s: string): string => s.replace(/ran .* of virtual time in [\d.]+ s/, 'ran');
    expect(strip(shown.stdout)).toBe(strip(plain.stdout));
  });

  it('rtclab dissect with its packets going to a file or a pipe shows the megabytes read; the packets written are unchanged', () => {
    {
      const capture = 'captures/chromium-loopback-call/chromium-host.pcapng';
      const plain = rtclab(['dissect', capture], {});
      const shown = rtclab(['dissect', capture], { RTCLAB_PROGRESS: '1' });
      expect(shown.status).toBe(0);
      expect(shown.stdout).toBe(plain.stdout);
      const mb = (statSync(capture).size / 1e6).toFixed(1);
      expect(shown.stderr.split('\r').filter(Boolean).at(-1)).toBe(`read [${'#'.repeat(30)}] ${mb} MB/${mb} MB 100% ETA 0s  \n`);
      expect(rtclab(['dissect', capture, '--quiet'], { RTCLAB_PROGRESS: '1' }).stderr).toBe('');
    }
  });
});
