// IPv6 fragmentation on the simulated network (RFC 8200 §4.5, RFC 8201): the source host fragments what exceeds its
// path MTU, routers never do (they answer Packet Too Big, which lowers the path MTU), the destination reassembles
// within 60 s, discards overlapping fragments (RFC 5722), takes atomic fragments alone (RFC 6946), and answers a
// malformed fragment with Parameter Problem and an incomplete datagram with Time Exceeded (code 1).
import { describe, expect, it } from 'vitest';
import { MS, SECOND } from '../core/time.ts';
import type { Trace } from '../core/trace.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { fragmentIPv6 } from '../wire/ip/fragment.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { readIcmp } from './icmp/receive.ts';
import { findIpv6Fragment, Ipv6Reassembly, PathMtuCache, PMTU_EXPIRES, stripFragmentHeader } from './ipv6-fragment.ts';
import { twoHosts } from './test-topology.ts';

const big = (size = 3000): Uint8Array =>
  encodeUdpDatagram({ src: 'fd00::1', dst: 'fd00::2', srcPort: 5000, dstPort: 7, payload: new Uint8Array(size).map((_, i) => i & 0xff) });

function split(d: Uint8Array, mtu: number, id = 0x11223344): Uint8Array[] {
  const f = fragmentIPv6(d, mtu, id);
  if (!Array.isArray(f)) throw new Error(f.error);
  return f;
}

const icmpErrors = (trace: Trace) =>
  trace.hops.flatMap((h) => {
    const m = readIcmp(h.bytes);
    return 'error' in m || m.type !== 'error' ? [] : [{ to: h.to, type: m.message.type, code: m.message.code, mtu: m.message.mtu, pointer: m.message.pointer, quoted: m.quoted }];
  });

describe('PathMtuCache (RFC 8201)', () => {
  it('starts at the link MTU, is lowered by Packet Too Big but never raised nor taken below 1280, and forgets after 10 minutes', () => {
    const c = new PathMtuCache();
    expect(c.get(0, 'fd00::2', 1500)).toBe(1500);
    expect(c.lower(0, 'fd00::2', 1400, 1500)).toEqual({ previous: 1500, mtu: 1400 });
    expect(c.lower(1, 'fd00::2', 1450, 1500)).toBeUndefined();
    expect(c.lower(2, 'fd00::2', 576, 1500)).toEqual({ previous: 1400, mtu: 1280 });
    expect(c.get(3, 'fd00::3', 1500)).toBe(1500);
    expect(c.get(2 + PMTU_EXPIRES - 1, 'fd00::2', 1500)).toBe(1280);
    expect(c.get(2 + PMTU_EXPIRES, 'fd00::2', 1500)).toBe(1500);
  });
});

describe('Ipv6Reassembly (RFC 8200 §4.5)', () => {
  it('puts fragments back together in any order into the original datagram', () => {
    const whole = big();
    const parts = split(whole, 1280);
    expect(parts.map((p) => p.length)).toEqual([1280, 1280, 592]);
    const r = new Ipv6Reassembly();
    expect(r.push(0, parts[2]!).kind).toBe('pending');
    expect(r.push(0, parts[0]!).kind).toBe('pending');
    const d = r.push(0, parts[1]!);
    expect(d.kind === 'complete' ? [d.datagram, d.fragments] : d).toEqual([whole, 3]);
  });

  it('discards the whole datagram on an overlapping fragment, even one with the same bytes (RFC 5722)', () => {
    const parts = split(big(), 1280);
    const r = new Ipv6Reassembly();
    r.push(0, parts[0]!);
    expect(r.push(0, parts[0]!)).toMatchObject({ kind: 'dropped', reason: expect.stringContaining('overlapping') });
    // the rest can no longer complete it: the datagram is gone
    expect(r.push(0, parts[1]!).kind).toBe('pending');
    expect(r.push(0, parts[2]!).kind).toBe('pending');
  });

  it('hands an atomic fragment on alone, without its Fragment header, even while fragments of its id wait (RFC 6946)', () => {
    const small = big(100);
    const parts = split(big(), 1280, 7);
    const atomic = split(small, 1280, 7);
    expect(atomic).toEqual([small]); // fits: not fragmented
    // build the atomic fragment by hand: a Fragment header with offset 0 and M clear
    const withHeader = new Uint8Array(small.length + 8);
    withHeader.set(small.subarray(0, 40));
    withHeader[6] = 44;
    withHeader.set([17, 0, 0, 0, 0, 0, 0, 7], 40);
    withHeader.set(small.subarray(40), 48);
    withHeader[5] = small[5]! + 8;
    const r = new Ipv6Reassembly();
    expect(r.push(0, parts[0]!).kind).toBe('pending');
    expect(r.push(0, withHeader)).toEqual({ kind: 'whole', datagram: small, atomic: true });
    expect(stripFragmentHeader(withHeader, findIpv6Fragment(withHeader)!)).toEqual(small);
  });

  it('refuses a non-last fragment whose length is not a multiple of 8, pointing Parameter Problem at the Payload Length', () => {
    const f = split(big(), 1280)[0]!.slice(0, 1277);
    f[5] = (1277 - 40) & 0xff;
    f[4] = (1277 - 40) >> 8;
    expect(new Ipv6Reassembly().push(0, f)).toMatchObject({ kind: 'dropped', parameterProblem: 4 });
  });

  it('forgets a datagram after 60 s, returning its first fragment for Time Exceeded', () => {
    const parts = split(big(), 1280);
    const r = new Ipv6Reassembly();
    r.push(0, parts[0]!);
    r.push(0, parts[2]!);
    expect(r.nextDeadline()).toBe(60 * SECOND);
    expect(r.expire(60 * SECOND - 1)).toEqual([]);
    expect(r.expire(60 * SECOND)).toEqual([{ key: expect.stringContaining('fd00::1 fd00::2'), fragments: 2, first: parts[0] }]);
  });
});

describe('IPv6 fragments between hosts', () => {
  it('a host fragments a datagram larger than its link MTU at the source when the socket lets it, and the receiver delivers it whole', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    const got: number[] = [];
    b.bindUdp('fd00::2', 7).onDatagram((_f, _t, p) => void got.push(p.length));
    const s = a.bindUdp('fd00::1', 5000).onDatagram(() => {});
    s.dontFragment = false;
    s.send({ ip: 'fd00::2', port: 7 }, new Uint8Array(3000));
    net.run(SECOND);
    const trace = net.finish();
    expect(got).toEqual([3000]);
    // 1,448 data bytes (1500 - 40 - 8, rounded down to 8) in each but the last; one identification for all three
    expect(trace.hops.map((h) => h.bytes.length)).toEqual([1496, 1496, 160]);
    expect(new Set(trace.hops.map((h) => findIpv6Fragment(h.bytes)?.identification)).size).toBe(1);
    expect(trace.notes.filter((n) => n.kind.startsWith('net.ip.')).map((n) => [n.source, n.kind])).toEqual([['a', 'net.ip.fragmented'], ['b', 'net.ip.reassembled']]);
  });

  it('with IPV6_DONTFRAG (dontFragment, the default) nothing is fragmented: the link drops what exceeds its MTU', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    b.bindUdp('fd00::2', 7).onDatagram(() => {});
    a.bindUdp('fd00::1', 5000).onDatagram(() => {}).send({ ip: 'fd00::2', port: 7 }, new Uint8Array(3000));
    net.run(SECOND);
    expect(net.finish().hops.map((h) => [h.bytes.length, h.drop])).toEqual([[3048, expect.stringContaining('exceeds MTU')]]);
  });

  it('an incomplete datagram is dropped after 60 s with ICMPv6 Time Exceeded (code 1) quoting its first fragment', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    const got: number[] = [];
    b.bindUdp('fd00::2', 7).onDatagram((_f, _t, p) => void got.push(p.length));
    const errors: string[] = [];
    a.bindUdp('fd00::1', 5000).onDatagram(() => {}).onIcmpError((e) => void errors.push(`${e.type}/${e.code} ${e.error}`));
    const parts = split(big(), 1500);
    a.interfaces[0]!.send(parts[0]!, net.trace.newPacketId());
    a.interfaces[0]!.send(parts[2]!, net.trace.newPacketId());
    net.run(70 * SECOND);
    const trace = net.finish();
    expect(got).toEqual([]);
    expect(trace.notes.find((n) => n.kind === 'net.ip.reassembly-timeout')).toMatchObject({ source: 'b', t: 60 * SECOND + 5 * MS, data: { fragments: 2, icmp: true } });
    const e = icmpErrors(trace);
    expect(e.map((x) => [x.type, x.code, x.quoted.srcPort, x.quoted.dstPort, x.quoted.fragment?.offset])).toEqual([[3, 1, 5000, 7, 0]]);
    // the quote is the first fragment: its ports reach the socket that sent it
    expect(errors).toEqual(['3/1 Fragment reassembly time exceeded']);
  });

  it('a fragment with M set and a length not a multiple of 8 draws Parameter Problem pointing at the Payload Length', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    b.bindUdp('fd00::2', 7).onDatagram(() => {});
    const f = split(big(), 1500)[0]!.slice(0, 1301);
    f[4] = (1301 - 40) >> 8;
    f[5] = (1301 - 40) & 0xff;
    a.interfaces[0]!.send(f, net.trace.newPacketId());
    net.run(SECOND);
    const trace = net.finish();
    expect(trace.hops[0]!.drop).toContain('not a multiple of 8');
    expect(icmpErrors(trace).map((x) => [x.type, x.code, x.pointer])).toEqual([[4, 0, 4]]);
  });

  it('overlapping fragments discard the datagram at the host (RFC 5722): nothing is delivered', () => {
    const { net, a, b } = twoHosts({ delay: 5 * MS });
    const got: number[] = [];
    b.bindUdp('fd00::2', 7).onDatagram((_f, _t, p) => void got.push(p.length));
    const parts = split(big(), 1500);
    for (const p of [parts[0]!, parts[0]!, parts[1]!, parts[2]!]) a.interfaces[0]!.send(p, net.trace.newPacketId());
    net.run(SECOND);
    const trace = net.finish();
    expect(got).toEqual([]);
    expect(trace.hops[1]!.drop).toContain('overlapping');
  });
});

describe('preset ipv6-fragmentation-pmtu', () => {
  const { trace, summary } = runScenario(parseScenario(findPreset('ipv6-fragmentation-pmtu')!.build()));

  it("the router answers both 1,496-byte fragments with Packet Too Big (MTU 1280); alice's path MTU to the server drops to 1280", () => {
    const ptb = icmpErrors(trace).filter((e) => e.type === 2);
    expect(ptb.map((e) => [e.to, e.mtu, e.quoted.fragment?.offset])).toEqual([['alice', 1280, 0], ['alice', 1280, 1448]]);
    const pmtu = trace.notes.filter((n) => n.kind === 'net.ip.pmtu');
    expect(pmtu.map((n) => [n.source, n.data])).toEqual([['alice', { dst: '2001:db8:5::10', from: '2001:db8:7::1', previous: 1500, mtu: 1280, reported: 1280 }]]);
  });

  it('after it, each datagram leaves in three fragments of at most 1,280 bytes that the server reassembles and answers', () => {
    const toServer = trace.hops.filter((h) => h.to === 'server');
    // the first datagram's last fragment reaches the server alone and waits there (the router dropped the rest)
    expect(toServer.map((h) => h.bytes.length)).toEqual([160, 1280, 1280, 592, 1280, 1280, 592]);
    expect(trace.notes.filter((n) => n.kind === 'net.ip.reassembled').map((n) => [n.source, n.data?.length])).toEqual([['server', 3048], ['server', 3048]]);
    const probe = (summary.apps as { kind: string; sent: number; received: number }[]).find((x) => x.kind === 'udp-probe')!;
    expect([probe.sent, probe.received]).toEqual([3, 2]);
    expect(trace.hops.every((h) => h.bytes.length <= 1500)).toBe(true);
    expect(trace.hops.filter((h) => h.drop).map((h) => h.drop)).toEqual([expect.stringContaining('Packet Too Big sent'), expect.stringContaining('Packet Too Big sent')]);
  });
});
