// The ping app: iputils-style Echo Requests through a home NAT and a carrier-grade NAT, mapped by identifier both
// ways (RFC 5508 §3); a ping with TTL 2 draws Time Exceeded from the CGN, which the home NAT translates back to its
// sender by the quoted request's identifier (RFC 5508 §4.2); tshark reads every echo and error with good checksums,
// the quoted echo's included.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { readIcmp } from '../net/icmp/receive.ts';
import { pingStats } from './ping.ts';
import { onesSum } from '../wire/checksum.ts';

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

type PingEntry = { kind: string; host: string; identifier: number; transmitted: number; received: number; errors: number; loss: number; min: number; avg: number; max: number; replies: { seq: number; ttl?: number; rtt?: number; errorFrom?: string; error?: string }[] };

describe('ping through a double NAT', () => {
  const preset = listPresets().find((p) => p.name === 'ping-double-nat')!;
  const { trace, summary } = runScenario(parseScenario(preset.build()));
  const pings = (summary.apps as PingEntry[]).filter((a) => a.kind === 'ping');
  const alice = pings.find((p) => p.host === 'alice')!;
  const carol = pings.find((p) => p.host === 'carol')!;

  it("alice's four requests are answered through both NATs: TTL 64 less three routers, 68 ms each", () => {
    expect(alice).toMatchObject({ transmitted: 4, received: 4, errors: 0, loss: 0, min: 68_000, avg: 68_000, max: 68_000 });
    expect(alice.replies.map((r) => [r.seq, r.ttl])).toEqual([[1, 61], [2, 61], [3, 61], [4, 61]]);
    expect(trace.notes.filter((n) => n.kind === 'ping.reply' && n.source.startsWith('alice'))).toHaveLength(4);
  });

  it('the NATs rewrite the identifier both ways: the server sees the CGN\'s, alice gets her own back', () => {
    const toServer = trace.hops.filter((h) => h.to === 'server' && h.bytes[9] === 1).map((h) => readIcmp(h.bytes));
    const ids = new Set(toServer.map((m) => ('error' in m ? -1 : m.message.identifier)));
    expect(ids.has(alice.identifier)).toBe(false);
    const toAlice = trace.hops.filter((h) => h.to === 'alice' && h.bytes[9] === 1).map((h) => readIcmp(h.bytes));
    expect(toAlice.map((m) => ('error' in m ? m.error : `${m.type} ${m.message.identifier}`))).toEqual(Array(4).fill(`echo-reply ${alice.identifier}`));
  });

  it("carol's TTL-2 requests die at the CGN; its Time Exceeded reaches carol translated by the home NAT", () => {
    expect(carol).toMatchObject({ transmitted: 2, received: 0, errors: 2, loss: 100 });
    expect(carol.replies.map((r) => r.errorFrom)).toEqual(['100.64.0.1', '100.64.0.1']);
    const toCarol = trace.hops.filter((h) => h.to === 'carol' && h.bytes[9] === 1);
    expect(toCarol).toHaveLength(2);
    for (const h of toCarol) {
      const m = readIcmp(h.bytes);
      if ('error' in m || m.type !== 'error') throw new Error('not an ICMP error');
      expect({ src: m.src, quotedSrc: m.quoted.src, quotedDst: m.quoted.dst }).toEqual({ src: '100.64.0.1', quotedSrc: '192.168.1.11', quotedDst: '198.51.100.10' });
      // the quoted echo carries carol's own identifier again
      const t = m.quoted.transportAt;
      expect((h.bytes[t + 4]! << 8) | h.bytes[t + 5]!).toBe(carol.identifier);
    }
    expect(trace.notes.filter((n) => n.kind === 'ping.error').map((n) => n.text)).toEqual(['carol: From 100.64.0.1 icmp_seq=1 Time to live exceeded', 'carol: From 100.64.0.1 icmp_seq=2 Time to live exceeded']);
  });

  it('gives ping\'s statistics: loss, and mdev as the standard deviation of the RTTs', () => {
    const s = pingStats([{ seq: 1, sentAt: 0, reply: { from: 'x', ttl: 64, rtt: 10_000, bytes: 64 } }, { seq: 2, sentAt: 0, reply: { from: 'x', ttl: 64, rtt: 30_000, bytes: 64 } }, { seq: 3, sentAt: 0 }]);
    expect(s).toEqual({ transmitted: 3, received: 2, errors: 0, loss: 33, min: 10_000, avg: 20_000, max: 30_000, mdev: 10_000 });
  });

  it('refuses two pings on one host, saying which', () => {
    const sc = preset.build() as { apps: Record<string, unknown>[] };
    sc.apps.push({ kind: 'ping', host: 'alice', to: '198.51.100.10' });
    expect(() => runScenario(parseScenario(sc))).toThrow(/alice runs two ping apps/);
  });

  it.skipIf(!hasTshark)('tshark reads every echo and Time Exceeded with good checksums, the quoted echo\'s included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-ping-'));
    try {
      const file = join(dir, 'ping.pcapng');
      writeFileSync(file, writePcapng(trace));
      const rows = execFileSync('tshark', ['-r', file, '-n', '-Y', 'icmp && (ip.dst == 192.168.1.10 || ip.dst == 192.168.1.11)', '-T', 'fields', '-E', 'occurrence=f', '-e', 'icmp.type', '-e', 'icmp.checksum.status'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      // four replies to alice and two Time Exceeded to carol, all with good checksums
      expect(rows.sort()).toEqual([...Array(4).fill('0\t1'), ...Array(2).fill('11\t1')].sort());
      // tshark leaves the quoted echo's checksum unverified: the whole request is quoted, so check it here
      for (const h of trace.hops.filter((x) => x.to === 'carol' && x.bytes[9] === 1)) {
        const m = readIcmp(h.bytes);
        if ('error' in m || m.type !== 'error') throw new Error('not an ICMP error');
        const quotedLength = (h.bytes[m.quoted.ipAt + 2]! << 8) | h.bytes[m.quoted.ipAt + 3]!;
        expect(m.quoted.ipAt + quotedLength).toBe(h.bytes.length);
        expect(onesSum(h.bytes, m.quoted.transportAt, h.bytes.length)).toBe(0xffff);
      }
      const bad = execFileSync('tshark', ['-r', file, '-n', '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8' });
      expect(bad).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
