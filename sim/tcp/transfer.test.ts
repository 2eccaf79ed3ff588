// Bulk transfer over a lossy link: the same bytes arrive, and the loss recovery is there to see — fast
// retransmits after three duplicate ACKs (RFC 5681), NewReno partial ACKs (RFC 6582), RTO expiry with backoff
// (RFC 6298) — and tshark reads the capture with no malformed packet and no TCP warning that loss did not cause.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MS, SECOND } from '../core/time.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { concat, pattern, sameBytes, segments, sink, source, tcpPair } from '../net/tcp-test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('bulk transfer over a lossy link', () => {
  // 4 MB from a to b over 10 ms each way with 2% random loss in both directions (data and ACKs).
  const size = 4 * 1024 * 1024;
  const data = pattern(size);
  const p = tcpPair({ delay: 10 * MS, loss: 0.02 }, 11);
  const s = sink(p.net, p.b, 5001);
  const c = source(p.net, p.a, { ip: '10.0.0.2', port: 5001 }, data);
  p.net.run(600 * SECOND);
  const trace = p.net.finish();

  it('delivers the same 4 MB, and both sides close cleanly', () => {
    expect(sameBytes(concat(s.received), data)).toBe(true);
    expect(c.state).toBe('CLOSED');
    expect(c.error).toBeUndefined();
    expect(s.connection()!.state).toBe('CLOSED');
  });

  it('recovers from loss with fast retransmits and timeouts, each one noted', () => {
    expect(c.stats.fastRetransmits).toBeGreaterThan(10);
    expect(c.stats.retransmissions).toBeGreaterThan(c.stats.fastRetransmits);
    expect(c.stats.timeouts).toBeGreaterThan(0);
    expect(trace.notes.filter((n) => n.kind === 'tcp.fast-retransmit')).toHaveLength(c.stats.fastRetransmits);
    expect(trace.notes.filter((n) => n.kind === 'tcp.rto' && n.source === 'a/tcp')).toHaveLength(c.stats.timeouts);
    // every data byte that went out twice went out because the first copy or its ACK was lost
    const lost = segments(trace).filter((x) => x.dropped).length;
    expect(lost).toBeGreaterThan(0);
  });

  it('the receiver reports holes with SACK blocks (RFC 2018), and the sender retransmits holes they show lost (RFC 6675)', () => {
    const sacks = segments(trace).filter((x) => x.from === 'b' && x.options.includes('sack'));
    expect(sacks.length).toBeGreaterThan(c.stats.fastRetransmits);
    expect(c.stats.sackRetransmits).toBeGreaterThan(0);
  });

  it.skipIf(!hasTshark() && !process.env['CI'])('tshark: no malformed packet, good checksums, and only the analysis loss explains', () => {
    const file = join(dir, 'lossy.pcapng');
    writeFileSync(file, writePcapng(trace));
    const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-e', '_ws.expert.message', '-e', '_ws.malformed'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const messages = new Map<string, number>();
    for (const line of out.split('\n')) {
      for (const m of line.split(/[\t,]/)) if (m.trim()) messages.set(m.replace(/\(#\d+\)/, '').trim(), (messages.get(m.replace(/\(#\d+\)/, '').trim()) ?? 0) + 1);
    }
    const caused = [/^hop \d+ · packet/, /^Duplicate ACK/, /retransmission/, /^Connection establish/, /^Connection finish/, /connection closing/, /out-of-order/, /^TCP window update/];
    const unexplained = [...messages.keys()].filter((m) => !caused.some((r) => r.test(m)));
    expect(unexplained).toEqual([]);
    expect([...messages.keys()].some((m) => /fast retransmission/.test(m))).toBe(true);
  });
});

describe('RTO backoff', () => {
  it('a link down for 5 s doubles the RTO at each expiry, and the transfer resumes when it comes back', () => {
    // 1 MB; at 100 ms the link drops everything for 5 s
    const data = pattern(1024 * 1024, 3);
    const p = tcpPair({ delay: 10 * MS }, 5);
    const s = sink(p.net, p.b, 5001);
    const c = source(p.net, p.a, { ip: '10.0.0.2', port: 5001 }, data);
    const link = p.net.link('a-b');
    const set = (down: boolean): void => {
      for (const side of [link.a, link.b]) link.setParams(side, { ...link.params(side), down });
    };
    p.net.scheduler.at(100 * MS, 'test: link down', () => set(true));
    p.net.scheduler.at(5100 * MS, 'test: link up', () => set(false));
    p.net.run(120 * SECOND);
    const trace = p.net.finish();
    expect(sameBytes(concat(s.received), data)).toBe(true);
    const rtos = trace.notes.filter((n) => n.kind === 'tcp.rto' && n.source === 'a/tcp');
    const rto = rtos.map((n) => Number(n.data?.['rto']));
    expect(rto.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < 4; i++) expect(rto[i]).toBe(2 * rto[i - 1]!);
    // Karn: no RTT sample from a retransmitted segment, so the backoff holds until fresh data is timed
    const gaps = rtos.slice(0, 4).map((n, i, all) => (i === 0 ? 0 : n.t - all[i - 1]!.t));
    expect(gaps.slice(2)).toEqual([rto[1], rto[2]]);
    expect(c.stats.timeouts).toBe(rtos.length);
  });
});

describe('determinism', () => {
  it('the same seed gives a byte-identical trace; another seed a different one', () => {
    const run = (seed: number): string => {
      const p = tcpPair({ delay: 10 * MS, loss: 0.03, jitter: 2 * MS }, seed);
      sink(p.net, p.b, 5001);
      source(p.net, p.a, { ip: '10.0.0.2', port: 5001 }, pattern(200_000));
      p.net.run(30 * SECOND);
      const t = p.net.finish();
      return JSON.stringify({ hops: t.hops.map((h) => [h.t, h.link, h.drop ?? '', Buffer.from(h.bytes).toString('base64')]), notes: t.notes });
    };
    expect(run(21)).toBe(run(21));
    expect(run(21)).not.toBe(run(22));
  });
});
