// Flow control: a receiver that reads slowly closes its window; the sender stops at the window's edge, probes the
// zero window on a backed-off timer (RFC 9293 §3.8.6.1), resumes when the reader frees space, and every byte
// arrives once, in order. The receiver never holds more than its buffer.
import { describe, expect, it } from 'vitest';
import { MS, SECOND } from '../core/time.ts';
import { concat, pattern, sameBytes, segments, sink, source, tcpPair } from './test-support.ts';

describe('flow control with a slow reader', () => {
  // 300 kB to a reader that takes 4 kB every 250 ms (16 kB/s) with a 64 kB receive buffer
  const data = pattern(300 * 1024, 9);
  const p = tcpPair({ delay: 5 * MS }, 2, { b: { receiveBuffer: 65536 } });
  const s = sink(p.net, p.b, 7000, { readSlowly: { bytes: 4096, every: 250 * MS } });
  const c = source(p.net, p.a, { ip: '10.0.0.2', port: 7000 }, data);
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
