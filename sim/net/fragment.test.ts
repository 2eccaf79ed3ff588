// IPv4 fragmentation (RFC 791): a datagram with DF clear is split to fit a link's MTU by its sender and by routers,
// put back together by the host it is for (in any order), and by a NAT before it translates it (as Linux's
// conntrack defragments); overlapping or malformed fragments drop the datagram; fragments that never complete are
// forgotten after 30 s with Time Exceeded (fragment reassembly) about the first; tshark reassembles what we send.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MS, SECOND } from '../core/time.ts';
import { onesSum } from '../wire/checksum.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { fragmentIPv4, isFragment, Reassembler, REASSEMBLY_TIMEOUT } from './fragment.ts';
import { readIcmp } from './icmp/receive.ts';
import { twoHosts } from './test-topology.ts';

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const big = (dontFragment: boolean, size = 3000, id = 0x1234): Uint8Array =>
  encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5000, dstPort: 7, payload: new Uint8Array(size).map((_, i) => i & 0xff), identification: id, dontFragment });

const fields = (f: Uint8Array) => ({ length: f.length, mf: (f[6]! & 0x20) !== 0, offset: (((f[6]! & 0x1f) << 8) | f[7]!) * 8, checksum: onesSum(f, 0, 20) });

describe('fragmentIPv4', () => {
  it('splits 3,028 bytes for a 1,500-byte MTU into 1,480-byte data pieces with MF on all but the last', () => {
    const parts = fragmentIPv4(big(false), 1500)!;
    expect(parts.map(fields)).toEqual([
      { length: 1500, mf: true, offset: 0, checksum: 0xffff },
      { length: 1500, mf: true, offset: 1480, checksum: 0xffff },
      { length: 68, mf: false, offset: 2960, checksum: 0xffff },
    ]);
    expect(parts.every((p) => (p[4]! << 8 | p[5]!) === 0x1234 && isFragment(p))).toBe(true);
  });
  it('keeps data pieces a multiple of 8 bytes for an MTU that is not', () => {
    expect(fragmentIPv4(big(false), 1283)!.map((f) => f.length)).toEqual([1276, 1276, 516]);
  });
  it('refuses a datagram with DF set, and leaves one that fits alone', () => {
    expect(fragmentIPv4(big(true), 1500)).toBeUndefined();
    const small = big(false, 100);
    expect(fragmentIPv4(small, 1500)).toEqual([small]);
  });
  it('fragments a fragment again, keeping its offset and More Fragments', () => {
    const [first] = fragmentIPv4(big(false), 1500)!;
    expect(fragmentIPv4(first!, 576)!.map(fields).map((f) => [f.offset, f.mf])).toEqual([[0, true], [552, true], [1104, true]]);
  });
});

describe('Reassembler', () => {
  it('puts fragments back together in any order into the original datagram', () => {
    const whole = big(false);
    const parts = fragmentIPv4(whole, 1500)!;
    const r = new Reassembler();
    expect(r.add(0, parts[2]!).kind).toBe('waiting');
    expect(r.add(0, parts[0]!).kind).toBe('waiting');
    const d = r.add(0, parts[1]!);
    // the original exactly: same header (offset 0, no MF, its checksum), same bytes
    expect(d.kind === 'complete' ? d.datagram : d).toEqual(whole);
    expect(r.size).toBe(0);
  });
  it('drops the whole datagram on an overlapping fragment, and a short middle fragment', () => {
    const parts = fragmentIPv4(big(false), 1500)!;
    const r = new Reassembler();
    r.add(0, parts[0]!);
    expect(r.add(0, parts[0]!)).toMatchObject({ kind: 'dropped', reason: expect.stringContaining('overlapping') });
    expect(r.size).toBe(0);
    const odd = parts[0]!.slice(0, 1003);
    odd[2] = 1003 >> 8;
    odd[3] = 1003 & 0xff;
    expect(r.add(0, odd)).toMatchObject({ kind: 'dropped', reason: expect.stringContaining('multiple of 8') });
  });
  it('keeps at most 64 incomplete datagrams and forgets them after 30 s, returning the first fragment', () => {
    const r = new Reassembler();
    for (let id = 0; id < 64; id++) expect(r.add(0, fragmentIPv4(big(false, 3000, id), 1500)![0]!).kind).toBe('waiting');
    expect(r.add(0, fragmentIPv4(big(false, 3000, 99), 1500)![0]!)).toMatchObject({ kind: 'dropped' });
    expect(r.nextExpiry()).toBe(REASSEMBLY_TIMEOUT);
    expect(r.expire(REASSEMBLY_TIMEOUT - 1)).toEqual([]);
    const gone = r.expire(REASSEMBLY_TIMEOUT);
    expect(gone).toHaveLength(64);
    expect(gone[0]!.first).toEqual(fragmentIPv4(big(false, 3000, 0), 1500)![0]);
  });
});

describe('fragments on the simulated network', () => {
  it('a host sends a large datagram with DF clear in fragments, and the receiver delivers it whole', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    const got: number[] = [];
    b.bindUdp('10.0.0.2', 7).onDatagram((_f, _t, p) => void got.push(p.length));
    const s = a.bindUdp('10.0.0.1', 5000).onDatagram(() => {});
    s.dontFragment = false;
    s.send({ ip: '10.0.0.2', port: 7 }, new Uint8Array(3000));
    net.run(SECOND);
    const trace = net.finish();
    expect(got).toEqual([3000]);
    expect(trace.hops.map((h) => h.bytes.length)).toEqual([1500, 1500, 68]);
    expect(trace.notes.map((n) => n.kind).filter((k) => k.startsWith('net.ip.'))).toEqual(['net.ip.fragmented', 'net.ip.reassembled']);
  });

  it('with DF set (the default) nothing is fragmented: the link drops what exceeds its MTU', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    const got: number[] = [];
    b.bindUdp('10.0.0.2', 7).onDatagram((_f, _t, p) => void got.push(p.length));
    a.bindUdp('10.0.0.1', 5000).onDatagram(() => {}).send({ ip: '10.0.0.2', port: 7 }, new Uint8Array(3000));
    net.run(SECOND);
    expect(got).toEqual([]);
    expect(net.finish().hops[0]!.drop).toContain('exceeds MTU');
  });

  it('a datagram missing a fragment is dropped after 30 s with Time Exceeded (reassembly) about its first fragment', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    const got: number[] = [];
    b.bindUdp('10.0.0.2', 7).onDatagram((_f, _t, p) => void got.push(p.length));
    const errors: string[] = [];
    a.bindUdp('10.0.0.1', 5000).onDatagram(() => {}).onIcmpError((e) => void errors.push(e.error));
    const parts = fragmentIPv4(big(false), 1500)!;
    a.interfaces[0]!.send(parts[0]!, net.trace.newPacketId());
    a.interfaces[0]!.send(parts[2]!, net.trace.newPacketId());
    net.run(40 * SECOND);
    const trace = net.finish();
    expect(got).toEqual([]);
    expect(trace.notes.find((n) => n.kind === 'net.ip.reassembly-timeout')).toMatchObject({ t: 30 * SECOND + 5 * MS, data: { fragments: 2, icmp: true } });
    const icmp = trace.hops.map((h) => readIcmp(h.bytes)).find((m) => !('error' in m) && m.type === 'error');
    expect(icmp && !('error' in icmp) ? [icmp.message.type, icmp.message.code, icmp.src] : icmp).toEqual([11, 1, '10.0.0.2']);
    expect(errors).toHaveLength(1);
  });
});

describe('preset ip-fragmentation-nat', () => {
  const preset = listPresets().find((p) => p.name === 'ip-fragmentation-nat')!;
  const { trace, summary } = runScenario(parseScenario(preset.build()));

  it('three fragments on each side of the NAT, sized for each link; both probes answered', () => {
    const sizes = (to: string) => trace.hops.filter((h) => h.to === to && isFragment(h.bytes)).map((h) => h.bytes.length);
    expect(sizes('natA')).toEqual([1500, 1500, 68, 1500, 1500, 68]);
    expect(sizes('internet')).toEqual([1276, 1276, 516, 1276, 1276, 516]);
    expect(sizes('server')).toEqual([1276, 1276, 516, 1276, 1276, 516]);
    const probe = (summary.apps as { kind: string; received: number }[]).find((x) => x.kind === 'udp-probe')!;
    expect(probe.received).toBe(2);
    expect(trace.notes.filter((n) => n.kind === 'net.ip.reassembled').map((n) => n.source)).toEqual(['natA', 'server', 'natA', 'server']);
  });

  it.skipIf(!hasTshark)('tshark reassembles every datagram on every link, with no malformed packet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-frag-'));
    try {
      const file = join(dir, 'frag.pcapng');
      writeFileSync(file, writePcapng(trace));
      const rows = execFileSync('tshark', ['-r', file, '-n', '-o', 'ip.defragment:TRUE', '-Y', 'udp.dstport == 7', '-T', 'fields', '-e', 'ip.fragment.count', '-e', 'udp.length'], { encoding: 'utf8' }).split('\n').filter(Boolean);
      // tshark reassembles per capture file: each datagram's fragments from every link end up in one reassembly
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.endsWith('\t3008'))).toBe(true);
      const bad = execFileSync('tshark', ['-r', file, '-n', '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8' });
      expect(bad).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
