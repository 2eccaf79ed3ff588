// IPv6 fragments through a NAT66 (issue #21): only the first fragment carries the UDP ports a NAT translates, so the
// NAT reassembles first (as for IPv4, ip-fragmentation-nat), translates, and fragments again no larger than what came,
// with the same Identification; fragments larger than the next hop's MTU get Packet Too Big (IPv6 is never fragmented
// on the way, RFC 8200 §4.5). The preset ipv6-fragmentation-nat66 end to end; tshark's reassembly agrees with ours
// link by link in sim/dissect/ipv6-fragments.test.ts.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { findIpv6Fragment } from './ipv6-fragment.ts';
import { formatIPv6 } from '../wire/ip/address.ts';

describe('preset ipv6-fragmentation-nat66', () => {
  const { trace, summary } = runScenario(parseScenario(findPreset('ipv6-fragmentation-nat66')!.build()));
  const frags = (from: string, to: string) => trace.hops.filter((h) => h.from === from && h.to === to && findIpv6Fragment(h.bytes));

  it('the first datagram\'s 1,496-byte fragments meet the 1,280-byte uplink: Packet Too Big to alice, then fragments of 1,280 both sides of the NAT', () => {
    expect(frags('alice', 'natA').map((h) => h.bytes.length)).toEqual([1496, 1496, 160, 1280, 1280, 592, 1280, 1280, 592]);
    expect(frags('natA', 'internet').map((h) => h.bytes.length)).toEqual([1280, 1280, 592, 1280, 1280, 592]);
    const ptb = trace.notes.filter((n) => n.kind === 'net.icmp.received' && n.source === 'alice');
    expect(ptb.map((n) => n.text)).toEqual(['alice: ICMP Packet Too Big (MTU 1280) from fd00:a::1 about UDP fd00:a::10:5000 → 2001:db8:5::10:7']);
    const probe = (summary.apps as { kind: string; sent: number; received: number }[]).find((x) => x.kind === 'udp-probe')!;
    expect([probe.sent, probe.received]).toEqual([3, 2]);
  });

  it('beyond the NAT the fragments carry its global address, the port it mapped and the Identification they came with', () => {
    const inside = frags('alice', 'natA').slice(3);
    const outside = frags('natA', 'internet');
    for (let i = 0; i < outside.length; i++) {
      expect(formatIPv6(outside[i]!.bytes, 8)).toBe('2001:db8:7::10');
      expect(findIpv6Fragment(outside[i]!.bytes)!.identification).toBe(findIpv6Fragment(inside[i]!.bytes)!.identification);
    }
    // the first fragment of each carries the UDP header: source port translated (symmetric NAT), destination 7
    const mapped = trace.notes.find((n) => n.kind === 'nat.mapping.created')!;
    const port = Number(/\[2001:db8:7::10\]:(\d+)/.exec(mapped.text)![1]);
    for (const h of [outside[0]!, outside[3]!]) {
      const at = findIpv6Fragment(h.bytes)!.at + 8;
      expect([(h.bytes[at]! << 8) | h.bytes[at + 1]!, (h.bytes[at + 2]! << 8) | h.bytes[at + 3]!]).toEqual([port, 7]);
    }
    expect(trace.notes.filter((n) => n.kind === 'net.ip.reassembled').map((n) => n.source)).toEqual(['natA', 'natA', 'server', 'natA', 'server']);
    // the answers map back to alice
    expect(trace.notes.filter((n) => n.kind === 'probe.received').length).toBe(2);
  });
});
