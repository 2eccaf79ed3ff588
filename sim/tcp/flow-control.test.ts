// Flow control: a receiver that reads slowly closes its window; the sender stops at the window's edge, probes the
// zero window on a backed-off timer (RFC 9293 §3.8.6.1), resumes when the reader frees space, and every byte
// arrives once, in order. The receiver never holds more than its buffer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { MS, SECOND } from '../core/time.ts';
import { concat, pattern, sameBytes, segments, sink, source, tcpPair } from '../net/tcp-test-support.ts';

describe('flow control with a slow reader', () => {
  // 300 kB to a reader that takes 4 kB every 250 ms (16 kB/s) with a 64 kB receive buffer
  const data = pattern(300 * 1024, 9);
  const p = tcpPair({ delay: 5 * MS }, 2, { b: { receiveBuffer: 65536 } });
  const s = sink(p.net, p.b, 5001, { readSlowly: { bytes: 4096, every: 250 * MS } });
  const c = source(p.net, p.a, { ip: '10.0.0.2', port: 5001 }, data);
  p.net.run(120 * SECOND);
  const trace = p.net.finish();
  const segs = segments(trace);

  it('every byte arrives once and in order', () => {
    expect(sameBytes(concat(s.received), data)).toBe(true);
    expect(c.state).toBe('CLOSED');
  });

  it('the receiver advertises a zero window and the sender probes it', () => {
    const zero = segs.filter((x) => x.from === 'b' && x.window === 0 && x.flags === 'ACK');
    expect(zero.length).toBeGreaterThan(0);
    expect(c.stats.zeroWindowProbes).toBeGreaterThan(0);
    expect(trace.notes.some((n) => n.kind === 'tcp.zero-window-probe')).toBe(true);
    expect(trace.notes.some((n) => n.kind === 'tcp.window-open')).toBe(true);
  });

  it('the sender never sends beyond the advertised window', () => {
    // track b's advertised right edge (ACK + window << 7) and a's highest byte sent
    let edge = 0;
    let violations = 0;
    for (const x of segs) {
      if (x.flags === 'ACK, SYN') edge = (x.ack + x.window) >>> 0; // a SYN's window is not scaled
      if (x.flags.includes('SYN')) continue;
      if (x.from === 'b') edge = Math.max(edge, (x.ack + x.window * 128) >>> 0);
      else if (x.len > 1 && ((x.seq + x.len) >>> 0) > edge) violations++;
    }
    expect(violations).toBe(0);
  });

  it('no retransmission on a clean link: waiting for the window is not loss', () => {
    expect(c.stats.fastRetransmits).toBe(0);
    expect(c.stats.timeouts).toBe(0);
  });
});

describe.skipIf(!process.env['CI'] && execFileSyncOk('tshark') === false)('flow control as tshark sees it', () => {
  it('zero windows, a zero-window probe and its ACK, window updates: nothing the slow reader does not explain', () => {
    const data = pattern(300 * 1024, 9);
    const p = tcpPair({ delay: 5 * MS }, 2, { b: { receiveBuffer: 65536 } });
    sink(p.net, p.b, 5001, { readSlowly: { bytes: 4096, every: 250 * MS } });
    source(p.net, p.a, { ip: '10.0.0.2', port: 5001 }, data);
    p.net.run(120 * SECOND);
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-tcp-fc-'));
    try {
      const file = join(dir, 'flow.pcapng');
      writeFileSync(file, writePcapng(p.net.finish()));
      const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-e', '_ws.expert.message', '-e', '_ws.malformed'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      const messages = new Set(out.split('\n').flatMap((l) => l.split(/[\t,]/)).map((m) => m.trim()).filter(Boolean));
      const explained = [/^hop \d+ · packet/, /^Connection establish/, /^Connection finish/, /connection closing/, /^TCP window update$/, /^TCP Zero Window segment$/, /window specified by the receiver is now completely full/, /Zero Window Probe/];
      expect([...messages].filter((m) => !explained.some((e) => e.test(m)))).toEqual([]);
      expect(messages).toContain('TCP Zero Window segment');
      expect(messages).toContain('TCP Zero Window Probe');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function execFileSyncOk(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
