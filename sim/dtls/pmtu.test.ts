// Path MTU discovery in DTLS (RFC 6347 §4.1.1.1): Fragmentation Needed / Packet Too Big lowers the datagram size and
// the next transmission is refragmented; with the OpenSSL/BoringSSL fallback, more than two timer retransmissions of
// a flight drop it to 548 bytes. The presets dtls-pmtu-rescue and dtls-pmtu-black-hole show both on a 576-byte tunnel.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IcmpError } from '../core/endpoint.ts';
import type { Note } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { applySet } from '../scenario/set.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import type { DtlsNote } from './notes.ts';
import { DtlsPathMtu } from './pmtu.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-dtls-pmtu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOB = { ip: '198.51.100.20', port: 50000 };
const tooBig = (mtu: number, over: Partial<IcmpError> = {}): IcmpError => ({ from: '203.0.113.1', local: { ip: '203.0.113.50', port: 5000 }, remote: BOB, kind: 'too-big', error: `Fragmentation needed (MTU ${mtu})`, mtu, ...over });

describe('DtlsPathMtu', () => {
  it('lowers the datagram size to the next-hop MTU less the IP and UDP headers, never raises it, floors it at 256', () => {
    const notes: DtlsNote[] = [];
    const v4 = new DtlsPathMtu(1200, 4, false, (n) => notes.push(n));
    v4.onIcmp(tooBig(1280), BOB);
    expect(v4.current).toBe(1200); // 1252 would be more than configured
    v4.onIcmp(tooBig(576), BOB);
    expect(v4.current).toBe(548);
    v4.onIcmp(tooBig(1400), BOB);
    expect(v4.current).toBe(548);
    v4.onIcmp(tooBig(68), BOB);
    expect(v4.current).toBe(256);
    expect(notes.map((n) => n.data)).toEqual([{ mtu: 548, before: 1200, cause: 'icmp', from: '203.0.113.1' }, { mtu: 256, before: 548, cause: 'icmp', from: '203.0.113.1' }]);
    const v6 = new DtlsPathMtu(1400, 6, false, () => {});
    v6.onIcmp(tooBig(1280, { remote: { ip: '2001:db8::2', port: 1 }, error: 'Packet Too Big' }), undefined);
    expect(v6.current).toBe(1232);
  });

  it('ignores other errors and errors about datagrams to someone else', () => {
    const p = new DtlsPathMtu(1200, 4, false, () => {});
    p.onIcmp(tooBig(576, { kind: 'unreachable', error: 'Port Unreachable' }), BOB);
    p.onIcmp(tooBig(576, { remote: { ip: '198.51.100.21', port: 50000 } }), BOB);
    expect(p.current).toBe(1200);
  });

  it('with the fallback, the third timer retransmission of a flight goes out at 548 bytes (OpenSSL, BoringSSL); without, never', () => {
    const on = new DtlsPathMtu(1200, 4, true, () => {});
    on.onTimerRetransmit(1);
    on.onTimerRetransmit(2);
    expect(on.current).toBe(1200);
    on.onTimerRetransmit(3);
    expect(on.current).toBe(548);
    const off = new DtlsPathMtu(1200, 4, false, () => {});
    for (let i = 1; i <= 7; i++) off.onTimerRetransmit(i);
    expect(off.current).toBe(1200);
  });
});

function run(preset: string, sets: string[] = []): ReturnType<typeof runScenario> {
  let raw: unknown = findPreset(preset)!.build();
  for (const s of sets) raw = applySet(raw, s);
  return runScenario(parseScenario(raw));
}

const pmtuNotes = (notes: readonly Note[]): [number, string, unknown][] => notes.filter((n) => n.kind === 'dtls.pmtu').map((n) => [n.t, n.source, (n.data as { cause: string }).cause]);

describe('preset dtls-pmtu-rescue', () => {
  const { trace, summary } = run('dtls-pmtu-rescue');

  it('both sides learn 548 bytes from Fragmentation Needed, refragment their flights and connect about 2 s late', () => {
    expect(pmtuNotes(trace.notes)).toEqual([
      [137_000, 'bob/dtls-peer', 'icmp'],
      [1_118_000, 'alice/dtls-peer', 'icmp'],
    ]);
    const dtls = summary.dtls as Record<string, { state: string; handshakeMs?: number }>;
    for (const s of Object.values(dtls)) expect(s.state).toBe('connected');
    expect(trace.hops.filter((h) => /next-hop MTU/.test(h.drop ?? '')).length).toBe(2);
  });

  it('tshark: the two Fragmentation Needed carry MTU 576 with good checksums, the refragmented flights reassemble, nothing is malformed', () => {
    const file = join(dir, 'rescue.pcapng');
    writeFileSync(file, writePcapng(trace));
    const icmp = execFileSync('tshark', ['-r', file, '-n', '-Y', 'icmp', '-T', 'fields', '-E', 'separator=|', '-e', 'icmp.type', '-e', 'icmp.code', '-e', 'icmp.mtu', '-e', 'icmp.checksum.status', '-e', 'udp.srcport'], { encoding: 'utf8' }).split('\n').filter((l) => l);
    expect(new Set(icmp)).toEqual(new Set(['3|4|576|1|50000']));
    const hs = execFileSync('tshark', ['-r', file, '-n', '-Y', 'dtls.handshake.type == 11', '-T', 'fields', '-e', 'dtls.handshake.fragment_length'], { encoding: 'utf8' });
    expect(hs).toMatch(/\d/);
    const bad = execFileSync('tshark', ['-r', file, '-n', '-Y', '_ws.malformed || icmp.checksum.status == 0'], { encoding: 'utf8' });
    expect(bad.trim()).toBe('');
  });
});

describe('preset dtls-pmtu-black-hole', () => {
  it("bob's firewall drops the ICMP; bob falls back at his third timer retransmission and the call connects at about 8 s", () => {
    const { trace, summary } = run('dtls-pmtu-black-hole');
    expect(trace.notes.filter((n) => n.kind === 'firewall.blocked').length).toBe(3);
    expect(pmtuNotes(trace.notes)).toEqual([
      [7_093_000, 'bob/dtls-peer', 'timeouts'],
      [7_126_000, 'alice/dtls-peer', 'icmp'],
    ]);
    for (const s of Object.values(summary.dtls as Record<string, { state: string }>)) expect(s.state).toBe('connected');
  });

  it('a browser-like bob (no fallback) keeps losing his flight: no connection within 20 s', () => {
    const { trace, summary } = run('dtls-pmtu-black-hole', ['apps[1].mtuFallback=false']);
    expect(pmtuNotes(trace.notes).filter(([, s]) => s === 'bob/dtls-peer')).toEqual([]);
    for (const s of Object.values(summary.dtls as Record<string, { state: string }>)) expect(s.state).not.toBe('connected');
  });
});
