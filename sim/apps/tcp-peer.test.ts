// The tcp-peer app with nothing but TCP on the wire: a transfer over a lossy path recovers every lost segment (fast
// retransmit with SACK; the reader checks the byte pattern), two peers behind NATs punch a hole with a simultaneous
// open (RFC 5382, RFC 9293 §3.5), a spec naming both or neither of listen/connect is refused; tshark reads both runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

type Conn = { local: string; remote: string; state: string; sent: number; received: number; corrupt: number; retransmissions: number; fastRetransmits: number };
const run = (name: string) => {
  const r = runScenario(parseScenario(listPresets().find((p) => p.name === name)!.build()));
  const peers = (r.summary.apps as { kind: string; host: string; connections: Conn[] }[]).filter((a) => a.kind === 'tcp-peer');
  return { ...r, conn: (host: string) => peers.find((p) => p.host === host)!.connections };
};

/** tshark on one link's frames (a segment seen on several links looks like a retransmission to tshark 4.0). */
function tshark(trace: Trace, filter: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-tcp-peer-'));
  try {
    const file = join(dir, 't.pcapng');
    writeFileSync(file, writePcapng(trace));
    return execFileSync('tshark', ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tcp-transfer-lossy', () => {
  const r = run('tcp-transfer-lossy');
  it('every byte arrives once, in order and intact, though the path lost segments both ways', () => {
    expect(r.conn('server')).toMatchObject([{ state: 'closed', received: 300_000, corrupt: 0 }]);
    const alice = r.conn('alice')[0]!;
    expect(alice).toMatchObject({ sent: 300_000, state: 'closed' });
    expect(alice.fastRetransmits).toBeGreaterThan(0);
    expect(alice.retransmissions).toBeGreaterThanOrEqual(alice.fastRetransmits);
    expect(r.trace.hops.filter((h) => h.drop?.includes('loss')).length).toBeGreaterThan(0);
    expect(r.trace.notes.some((n) => n.kind === 'tcp.fast-retransmit')).toBe(true);
  });
  it.skipIf(!hasTshark)('tshark sees the fast retransmissions on alice\'s link, and no malformed packet anywhere', () => {
    expect(tshark(r.trace, '_ws.malformed || _ws.expert.severity >= error')).toEqual([]);
    expect(tshark(r.trace, 'frame.interface_name contains "alice" && tcp.analysis.fast_retransmission').length).toBeGreaterThan(0);
  });
});

describe('tcp-hole-punching', () => {
  const r = run('tcp-hole-punching');
  it('alice\'s first SYN dies at natB; bob\'s SYN crosses natA; one connection carries 20 kB each way', () => {
    expect(r.conn('alice')).toMatchObject([{ local: '10.0.1.10:40000', remote: '203.0.113.20:40000', state: 'closed', sent: 20_000, received: 20_000, corrupt: 0 }]);
    expect(r.conn('bob')).toMatchObject([{ local: '10.0.2.10:40000', remote: '203.0.113.10:40000', state: 'closed', sent: 20_000, received: 20_000, corrupt: 0 }]);
    const drops = r.trace.hops.filter((h) => h.drop !== undefined).map((h) => h.drop);
    expect(drops).toEqual([expect.stringMatching(/^natB: NAT no mapping/)]);
  });
  it('alice, in SYN-SENT, answers bob\'s SYN with a SYN-ACK: a simultaneous open (RFC 9293 §3.5)', () => {
    // TCP flags at byte 13 of the segment, after a 20-byte IPv4 header: SYN 0x02, ACK 0x10
    const flags = (from: string) => r.trace.hops.filter((h) => h.from === from && h.bytes[9] === 6).map((h) => h.bytes[33]! & 0x12);
    expect(flags('alice').slice(0, 2)).toEqual([0x02, 0x12]);
    expect(flags('bob')[0]).toBe(0x02);
  });
  it.skipIf(!hasTshark)('tshark reads every segment with no malformed packet', () => {
    expect(tshark(r.trace, '_ws.malformed || _ws.expert.severity >= error')).toEqual([]);
  });
});

describe('tcp-peer spec', () => {
  const base = listPresets().find((p) => p.name === 'tcp-hole-punching')!.build() as { apps: Record<string, unknown>[] };
  it('refuses both listen and connect, or neither, saying so', () => {
    const both = structuredClone(base);
    both.apps[0] = { ...both.apps[0], listen: 5001 };
    expect(() => parseScenario(both)).toThrow(/exactly one of `listen`/);
    const neither = structuredClone(base);
    neither.apps[0] = { kind: 'tcp-peer', host: 'alice' };
    expect(() => parseScenario(neither)).toThrow(/exactly one of `listen`/);
  });
});
