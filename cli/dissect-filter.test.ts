// `rtclab dissect -Y`: a display filter selects what is printed; an invalid one is a usage error pointing at its token.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const COTURN = 'captures/stun-turn-coturn/stun-turn-coturn.pcapng';

describe('rtclab dissect -Y', { timeout: 300_000 }, () => {
  it('prints only the packets the filter selects, with their capture numbers, in the list and as JSON', () => {
    const all = rtclab('dissect', COTURN).stdout.split('\n');
    const r = rtclab('dissect', COTURN, '-Y', 'stun.att.error.class == 4 && stun.att.error == 1');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([4, 10, 72, 78, 136]);
    // each line is the unfiltered list's line for that packet
    for (const l of lines) expect(all).toContain(l);
    const j = rtclab('dissect', COTURN, '--json', '-Y', 'frame.number in {2, 5}');
    expect(j.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { no: number }).no)).toEqual([2, 5]);
  });

  it('rejects an invalid filter with exit code 2, the filter and a caret under the faulty token', () => {
    const r = rtclab('dissect', COTURN, '-Y', 'udp.port == 3478 && ip.src == 1.2.3');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'rtclab dissect: the display filter is not valid:\n    udp.port == 3478 && ip.src == 1.2.3\n                                  ^~~~~\n    "1.2.3" is not an IPv4 address (a.b.c.d, or a.b.c.d/len), which ip.src needs\n',
    );
    expect(rtclab('dissect', COTURN, '-Y').status).toBe(2);
  });

  it('lists the fields with --fields', () => {
    const r = rtclab('dissect', '--fields');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^stun\.att\.username\s+string\s+USERNAME$/m);
    expect(r.stdout).toMatch(/^ip\.addr\s+ipv4\s+/m);
  });
});

describe('rtclab dissect --follow', { timeout: 300_000 }, () => {
  it('prints a conversation both ways, and exits 2 for a stream the capture lacks or a bad spec', () => {
    const r = rtclab('dissect', 'captures/signaling/janus-websocket.pcapng', '--follow', 'websocket,1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^={67}\nFollow: websocket,ascii\nFilter: tcp\.stream eq 1\nNode 0: 127\.0\.0\.1:34148\nNode 1: 127\.0\.0\.1:18088\n/);
    expect(r.stdout).toMatch(/\n\t── frame \d+, [\d.]+ s, \d+ bytes: text, \d+ bytes\n\t\{"janus":/);
    const none = rtclab('dissect', 'captures/signaling/janus-websocket.pcapng', '--follow', 'tcp,99');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('has no tcp.stream 99');
    expect(rtclab('dissect', 'captures/signaling/janus-websocket.pcapng', '--follow', 'ftp,1').status).toBe(2);
  });
});
