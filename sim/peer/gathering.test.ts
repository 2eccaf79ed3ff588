// Gathering like libwebrtc's BasicPortAllocatorSession: every network of a multihomed host gathered on, networks
// ranked and costed as libwebrtc's network manager does (checked against Chromium's own candidates in a kept
// capture), link-local addresses ignored, and the relay-only candidate policy.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Trace } from '../core/trace.ts';
import { candidatePriority } from '../ice/candidate.ts';
import { tcpHostCandidate } from '../ice/ice-tcp.ts';
import { libwebrtcFoundation } from '../ice/libwebrtc.ts';
import { addressPrecedence, rankNetworks } from '../ice/networks.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';

const run = (name: string): RunResult => runScenario(parseScenario(findPreset(name)!.build()));
const notes = (t: Trace, kind: string, source: string) => t.notes.filter((n) => n.kind === kind && n.source.startsWith(source));
const text = (n: { data?: unknown }): string => String((n.data as { candidate?: string } | undefined)?.candidate ?? '');

describe('networks ranked as libwebrtc ranks them', () => {
  it("gives Chromium's own priorities, network-ids and network-costs for the interfaces of the chromium-rtclab capture", () => {
    const offer = (JSON.parse(readFileSync(new URL('../../captures/chromium-rtclab-dtls12/chromium-rtclab.getstats.json', import.meta.url), 'utf8')) as { offer: string }).offer;
    const udp = offer.split('\r\n').filter((l) => l.startsWith('a=candidate:') && l.includes(' udp '));
    // in the namespace Chromium ran in: a veth with 192.0.2.2 and fd00::2 (ethernet), and lo (unknown to it: cost 50)
    const nets = rankNetworks([
      { ip: '192.0.2.2', type: 'ethernet', name: 'veth' },
      { ip: 'fd00::2', type: 'ethernet', name: 'veth' },
      { ip: '127.0.0.1', type: 'unknown', name: 'lo' },
      { ip: '::1', type: 'unknown', name: 'lo' },
    ]);
    expect(udp).toHaveLength(4);
    for (const line of udp) {
      const t = line.split(' ');
      const ip = t[4]!;
      const n = nets.get(ip)!;
      expect(Number(t[3]), ip).toBe(candidatePriority(126, n.preference * 256 + addressPrecedence(ip), 1));
      expect(line, ip).toContain(`network-id ${n.id}`);
      expect(line.includes('network-cost'), ip).toBe(n.cost > 0);
      if (n.cost > 0) expect(line, ip).toContain(`network-cost ${n.cost}`);
    }
  });
});

describe("foundations as libwebrtc's Port::ComputeFoundation", () => {
  it("salts them with the ICE tiebreaker: Chromium's eight host candidates in the chromium-rtclab capture, UDP and TCP", () => {
    const offer = (JSON.parse(readFileSync(new URL('../../captures/chromium-rtclab-dtls12/chromium-rtclab.getstats.json', import.meta.url), 'utf8')) as { offer: string }).offer;
    const lines = offer.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    expect(lines).toHaveLength(8);
    // ICE-CONTROLLING of Chromium's checks in chromium-rtclab.pcapng (tshark: stun.att.tie-breaker c9cd8901bd458d51)
    const tieBreaker = 0xc9cd8901bd458d51n;
    for (const line of lines) {
      const [foundation, , protocol, , ip] = line.slice('a=candidate:'.length).split(' ') as [string, string, 'udp' | 'tcp', string, string];
      expect(libwebrtcFoundation('host', ip, protocol, '', tieBreaker), line).toBe(foundation);
      expect(libwebrtcFoundation('host', ip, protocol, '', tieBreaker + 1n), line).not.toBe(foundation);
    }
    // its TCP active candidates (TCPPort) carry the UDP sibling's local preference under type preference 90
    const udp = new Map(lines.filter((l) => l.includes(' udp ')).map((l) => [l.split(' ')[4]!, Number(l.split(' ')[3])]));
    for (const line of lines.filter((l) => l.includes(' tcp '))) {
      const ip = line.split(' ')[4]!;
      const lp = Math.floor(udp.get(ip)! / 256) & 0xffff;
      expect(Number(line.split(' ')[3]), ip).toBe(tcpHostCandidate({ ip, port: 0 }, 'active', lp, tieBreaker).priority);
      expect(line.split(' ')[0]!.slice('a=candidate:'.length)).toBe(tcpHostCandidate({ ip, port: 0 }, 'active', lp, tieBreaker).foundation);
    }
  });
});

describe('a multihomed host (gather-multihomed)', () => {
  it('gathers a host candidate on each network with network-id and cost, ignores link-local, and ranks Wi-Fi over cellular and IPv6 first', { timeout: 300_000 }, () => {
    const r = run('gather-multihomed');
    const hosts = notes(r.trace, 'ice.candidate.gathered', 'alice').map(text).filter((c) => c.includes(' udp ') && c.includes(' typ host'));
    // one AllocationSequence per network, best first (IPv6 Wi-Fi, IPv4 Wi-Fi, cellular), each making its host candidate
    expect(hosts).toEqual([
      expect.stringMatching(/ 2122262783 2001:db8:a::10 \d+ typ host generation 0 network-id 3 network-cost 10$/),
      expect.stringMatching(/ 2122194687 10\.0\.1\.10 \d+ typ host generation 0 network-id 1 network-cost 10$/),
      expect.stringMatching(/ 2122129151 10\.64\.0\.10 \d+ typ host generation 0 network-id 2 network-cost 900$/),
    ]);
    expect(notes(r.trace, 'ice.allocation.sequence', 'alice').map((n) => (n.data as { network: number }).network)).toEqual([3, 1, 2]);
    const phases = notes(r.trace, 'ice.allocation.phase', 'alice').map((n) => `${n.t / 1000} ${(n.data as { phase: string }).phase} ${(n.data as { network: number }).network} ${(n.data as { ports: number }).ports}`);
    // the IPv6 network has no TURN server of its family; the IPv4 ones a TurnPort each
    expect(phases).toEqual(['0 udp 3 1', '0 udp 1 1', '0 udp 2 1', '50 relay 3 0', '50 relay 1 1', '50 relay 2 1', '100 tcp 3 1', '100 tcp 1 1', '100 tcp 2 1']);
    // Chromium's default TCPPort on every network: an active candidate, port 9 (RFC 6544 §4.5), type preference 90
    // over the network's local preference, as its own active candidates in the chromium-rtclab capture
    const tcp = notes(r.trace, 'ice.candidate.gathered', 'alice').filter((n) => text(n).includes(' tcp '));
    expect(tcp.map((n) => (n.data as { step: string }).step)).toEqual(['TCPPort::PrepareAddress', 'TCPPort::PrepareAddress', 'TCPPort::PrepareAddress']);
    expect(tcp.map(text)).toEqual([
      expect.stringMatching(/ 1 tcp 1518283007 2001:db8:a::10 9 typ host tcptype active generation 0 network-id 3 network-cost 10$/),
      expect.stringMatching(/ 1 tcp 1518214911 10\.0\.1\.10 9 typ host tcptype active generation 0 network-id 1 network-cost 10$/),
      expect.stringMatching(/ 1 tcp 1518149375 10\.64\.0\.10 9 typ host tcptype active generation 0 network-id 2 network-cost 900$/),
    ]);
    // active meets active only: Bob's candidates are active too (RFC 6544 §6.2), so no TCP pair is formed
    expect(notes(r.trace, 'ice.pair.state', 'alice').filter((n) => (n.data as { local: { protocol: string } }).local.protocol === 'tcp')).toEqual([]);
    // both IPv4 ports ask the STUN server at once (no Ta pacing between sequences); the relayed candidates come from TurnPort
    expect(notes(r.trace, 'ice.gathering.request', 'alice').map((n) => n.t)).toEqual([0, 0]);
    const relays = notes(r.trace, 'ice.candidate.gathered', 'alice').filter((n) => (n.data as { type: string }).type === 'relay');
    expect(relays.map((n) => (n.data as { step: string }).step)).toEqual(['TurnPort::OnAllocateSuccess', 'TurnPort::OnAllocateSuccess']);
    // ICE_TYPE_PREFERENCE_RELAY_UDP 2, the base's network preference, the relayed IPv4 address's precedence 30, one TURN URL: relay preference 0
    expect(relays.map((n) => (n.data as { priority: number }).priority)).toEqual([candidatePriority(2, 126 * 256 + 30, 1), candidatePriority(2, 125 * 256 + 30, 1)]);
    expect(relays.map(text).map((c) => c.split(' generation ')[1])).toEqual(['0 network-id 1 network-cost 10', '0 network-id 2 network-cost 900']);
    expect(notes(r.trace, 'ice.candidate.filtered', 'alice').map((n) => (n.data as { policy: string }).policy)).toEqual(['link-local']);
    // a server-reflexive candidate through each IPv4 network's own NAT: the home NAT and the carrier-grade one
    const srflx = notes(r.trace, 'ice.candidate.gathered', 'alice').map(text).filter((c) => c.includes(' typ srflx'));
    expect(srflx.map((c) => c.split(' ')[4])).toEqual(['203.0.113.10', '203.0.113.30']);
    expect(srflx[1]).toContain('network-id 2 network-cost 900');
    // what leaves from the cellular address crosses the cellular link, not the default route
    const cellular = r.trace.hops.filter((h) => h.from === 'alice' && h.link === 'alice-if1');
    expect(cellular.length).toBeGreaterThan(0);
    expect(r.trace.hops.filter((h) => h.from === 'alice' && h.link === 'alice-lan').length).toBeGreaterThan(0);
    // IPv6 host to host is the best pair, and the call runs on it
    const sel = notes(r.trace, 'ice.selected', 'alice').at(-1)!.data as { local: string; remote: string; localType: string };
    expect([sel.localType, sel.local.startsWith('[2001:db8:a::10]'), sel.remote.startsWith('[2001:db8:b::10]')]).toEqual(['host', true, true]);
    expect((r.summary.peer as Record<string, { state: string }>)['alice/webrtc-peer']!.state).toBe('connected');
  });
});

describe('iceTransportPolicy relay (call-relay-only)', () => {
  it('gathers host and srflx but signals and pairs only relayed candidates: the call runs relay to relay', { timeout: 300_000 }, () => {
    const r = run('call-relay-only');
    for (const side of ['alice', 'bob']) {
      const filtered = notes(r.trace, 'ice.candidate.filtered', side).map((n) => (n.data as { type: string }).type);
      expect(filtered, side).toEqual(expect.arrayContaining(['host', 'srflx']));
      const signaled = notes(r.trace, 'signaling.sent', side).map((n) => JSON.stringify(n.data));
      expect(signaled.join('\n'), side).not.toMatch(/typ (host|srflx)/);
      const pairs = notes(r.trace, 'ice.pair.state', side).map((n) => (n.data as { localType: string }).localType);
      expect(new Set(pairs), side).toEqual(new Set(['relay']));
      const sel = notes(r.trace, 'ice.selected', side).at(-1)!.data as { localType: string; remoteType: string };
      expect([sel.localType, sel.remoteType], side).toEqual(['relay', 'relay']);
    }
  });
});

describe('an ICE restart regathers (call-ice-restart-regather)', () => {
  it("gathers again on new sockets with the new ufrag, drops the old session's candidates, and moves the call to the new ports", { timeout: 300_000 }, () => {
    const r = run('call-ice-restart-regather');
    for (const side of ['alice', 'bob']) {
      const gathered = notes(r.trace, 'ice.candidate.gathered', side);
      const restartAt = notes(r.trace, 'ice.restart', side)[0]!.t;
      const before = gathered.filter((n) => n.t < restartAt).map(text);
      const after = gathered.filter((n) => n.t >= restartAt).map(text);
      // the same kinds again: host, srflx, active TCP, relay (a new TURN allocation)
      const kinds = (l: string[]): string[] => l.map((c) => `${c.split(' ')[2]} ${c.split(' typ ')[1]!.split(' ')[0]}`).sort();
      expect(kinds(after), side).toEqual(kinds(before));
      const port = (l: string[], typ: string): string => l.find((c) => c.includes(' udp ') && c.includes(` typ ${typ}`))!.split(' ')[5]!;
      expect(port(after, 'host'), side).not.toBe(port(before, 'host'));
      expect(port(after, 'relay'), side).not.toBe(port(before, 'relay'));
      // every old candidate but the peer-reflexive ones is dropped, none of them is paired after the restart
      const removed = notes(r.trace, 'ice.candidate.removed', side).map(text);
      expect(removed.sort(), side).toEqual([...before].sort());
      const oldBases = new Set(before.filter((c) => c.includes(' udp ') && c.includes(' typ host')).map((c) => `${c.split(' ')[4]}:${c.split(' ')[5]}`));
      const laterPairs = notes(r.trace, 'ice.pair.state', side).filter((n) => n.t >= restartAt).map((n) => (n.data as { pair: string }).pair);
      expect(laterPairs.filter((p) => oldBases.has(p.split(' -> ')[0]!)), side).toEqual([]);
      // the new candidates trickle under the new ufrag
      const ufrag = (notes(r.trace, 'ice.restart', side)[0]!.data as { ufrag: string }).ufrag;
      const trickled = notes(r.trace, 'signaling.sent', side).filter((n) => n.t >= restartAt && JSON.stringify(n.data).includes('candidate:'));
      expect(trickled.length, side).toBeGreaterThan(0);
      for (const n of trickled) expect(JSON.stringify(n.data), side).toContain(ufrag);
      // the call moves to the new host port, on the same DTLS association
      const sel = notes(r.trace, 'ice.selected', side).at(-1)!;
      expect(sel.t, side).toBeGreaterThan(restartAt);
      expect(sel.t - restartAt, side).toBeLessThan(500_000);
      expect((sel.data as { pair: string }).pair.split(' -> ')[0], side).toBe(`${after.find((c) => c.includes(' typ host') && c.includes(' udp '))!.split(' ')[4]}:${port(after, 'host')}`);
      expect(notes(r.trace, 'dtls.state', side).filter((n) => n.t >= restartAt), side).toEqual([]);
      expect((r.summary.peer as Record<string, { state: string }>)[`${side}/webrtc-peer`]!.state, side).toBe('connected');
    }
  });
});

describe('max_ipv6_networks: a host with more IPv6 networks gathers on the first N only', () => {
  // gather-multihomed with six more IPv6 interfaces: Alice has seven IPv6 networks of every adapter type
  const scenario = (max?: number): unknown => {
    const raw = findPreset('gather-multihomed')!.build() as { nodes: { alice: { interfaces: unknown[] } }; apps: Record<string, unknown>[]; duration: string };
    const v6 = (ip: string, network: string) => ({ uplink: 'internet', addresses: [`${ip}/64`], network, link: { delay: '12ms' } });
    raw.nodes.alice.interfaces.push(v6('2001:db8:a1::10', 'cellular'), v6('2001:db8:a2::10', 'vpn'), v6('2001:db8:a3::10', 'ethernet'), v6('fd00:a4::10', 'wifi'), v6('2001:db8:a5::10', 'ethernet'), v6('2001:db8:a6::10', 'unknown'));
    raw.duration = '1s';
    if (max !== undefined) raw.apps[1]!.maxIpv6Networks = max;
    return raw;
  };
  const gathered = (t: Trace): string[] => notes(t, 'ice.allocation.sequence', 'alice').map((n) => (n.data as { address: string }).address).filter((a) => a.includes(':'));
  const capped = (t: Trace): string[] => notes(t, 'ice.candidate.filtered', 'alice').filter((n) => (n.data as { policy: string }).policy === 'max-ipv6-networks').map((n) => text(n));

  it('keeps five by default, in libwebrtc\'s network order (adapter type, then address precedence): the cellular and VPN ones go', { timeout: 300_000 }, () => {
    const t = runScenario(parseScenario(scenario())).trace;
    // unknown before ethernet before Wi-Fi (ULA, precedence 50, before global) before cellular and VPN
    expect(gathered(t)).toEqual(['2001:db8:a6::10', '2001:db8:a3::10', '2001:db8:a5::10', 'fd00:a4::10', '2001:db8:a::10']);
    expect(capped(t).map((c) => c.replace(/:\d+$/, ''))).toEqual(['[2001:db8:a1::10]', '[2001:db8:a2::10]']);
    // no candidate of any kind on a capped network; the IPv4 ones are not counted
    const cands = notes(t, 'ice.candidate.gathered', 'alice').map(text);
    expect(cands.filter((c) => c.includes('2001:db8:a1::') || c.includes('2001:db8:a2::'))).toEqual([]);
    expect(notes(t, 'ice.allocation.sequence', 'alice').filter((n) => !(n.data as { address: string }).address.includes(':'))).toHaveLength(2);
  });

  it('keeps the first two with maxIpv6Networks 2 (the field trial WebRTC-MaxIPv6Networks)', { timeout: 300_000 }, () => {
    const t = runScenario(parseScenario(scenario(2))).trace;
    expect(gathered(t)).toEqual(['2001:db8:a6::10', '2001:db8:a3::10']);
    expect(capped(t)).toHaveLength(5);
  });
});
