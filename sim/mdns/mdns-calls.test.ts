// mDNS host candidates in the two presets (sim/scenario/presets/mdns.ts): what goes into the SDP, what goes on the
// wire to 224.0.0.251:5353, how the names resolve on one LAN and do not across NATs, and which pair carries the call.
import { describe, expect, it } from 'vitest';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { decodeDnsMessage, DnsType, MDNS_IPV4, MDNS_PORT, type DnsMessage } from '../wire/dns/message.ts';
import { peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';

const UUID_LOCAL = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/;

function run(name: string): { trace: Trace; summary: Record<string, unknown> } {
  return runScenario(parseScenario(findPreset(name)!.build()));
}

/** Each mDNS datagram as it left its sender: time, sender, IP source and destination, TTL, the decoded message. */
function mdnsSent(trace: Trace): { t: number; from: string; src: string; dst: string; ttl: number; m: DnsMessage }[] {
  const out: { t: number; from: string; src: string; dst: string; ttl: number; m: DnsMessage }[] = [];
  const seen = new Set<number>();
  for (const h of trace.hops) {
    const v = peekUdpDatagram(h.bytes);
    if ('error' in v || v.dstPort !== MDNS_PORT || seen.has(h.packet)) continue;
    seen.add(h.packet);
    const m = decodeDnsMessage(udpPayload(h.bytes, v));
    if ('error' in m) throw new Error(`hop ${h.index}: ${m.error}`);
    out.push({ t: h.t, from: h.from, src: v.src, dst: v.dst, ttl: v.ttl, m });
  }
  return out;
}

/** The SDPs and trickled candidates as they were signalled. */
function signalled(trace: Trace): string[] {
  return trace.notes.filter((n) => n.kind === 'signaling.sent').map((n) => {
    const d = n.data as { sdp?: string; candidate?: string };
    return d.sdp ?? d.candidate ?? '';
  });
}

const selected = (summary: Record<string, unknown>, host: string): { local: { type: string; address: string }; remote: { type: string; address: string } } =>
  (summary['ice'] as Record<string, { selectedPair: { local: { type: string; address: string }; remote: { type: string; address: string } } }>)[host]!.selectedPair;

describe('mDNS host candidates on one LAN (call-mdns-lan)', () => {
  const { trace, summary } = run('call-mdns-lan');
  const names = trace.notes.filter((n) => n.kind === 'mdns.name.created').map((n) => n.data as { name: string; address: string });
  const sent = mdnsSent(trace);

  it('signals each host candidate by a UUID v4 .local name, a srflx one with raddr 0.0.0.0 rport 0: no host address in any SDP', () => {
    expect(names.map((n) => n.address)).toEqual(['192.168.1.10', '192.168.1.20']);
    for (const n of names) expect(n.name).toMatch(UUID_LOCAL);
    const text = signalled(trace).join('\n');
    expect(text).not.toMatch(/192\.168\.1\.(10|20)\b/);
    for (const n of names) expect(text).toContain(`${n.name} `);
    expect(text).toMatch(/typ srflx raddr 0\.0\.0\.0 rport 0/);
    expect(text).toMatch(/c=IN IP4 0\.0\.0\.0/);
  });

  it('probes each name three times 250 ms apart (QU first, its record in the authority section), then announces it twice, 1 s apart; queries are QM for A and AAAA; all go to 224.0.0.251 with TTL 255', () => {
    for (const s of sent) expect([s.dst, s.ttl, s.m.id]).toEqual([MDNS_IPV4, 255, 0]);
    const aliceName = names[0]!.name;
    const probes = sent.filter((s) => s.from === 'alice' && !s.m.response && s.m.authorities);
    expect(probes.map((p) => p.t)).toEqual([0, 250_000, 500_000]);
    expect(probes.map((p) => p.m.questions)).toEqual([[{ name: aliceName, type: DnsType.ANY, unicastResponse: true }], [{ name: aliceName, type: DnsType.ANY }], [{ name: aliceName, type: DnsType.ANY }]]);
    for (const p of probes) expect(p.m.authorities).toEqual([{ name: aliceName, type: DnsType.A, ttl: 120, address: '192.168.1.10' }]);
    const announcements = sent.filter((s) => s.from === 'alice' && s.m.response);
    // 250 ms after the third probe, then a second later; bob's query came while alice was probing: not answered (§8.1)
    expect(announcements.map((s) => s.t)).toEqual([750_000, 1_750_000]);
    for (const a of announcements) {
      expect(a.m).toMatchObject({ response: true, authoritative: true, questions: [] });
      expect(a.m.answers).toEqual([{ name: aliceName, type: DnsType.A, cacheFlush: true, ttl: 120, address: '192.168.1.10' }]);
    }
    const queries = sent.filter((s) => s.from === 'bob' && !s.m.response && !s.m.authorities);
    expect(queries.map((q) => q.m.questions)).toEqual([[{ name: aliceName, type: DnsType.A }], [{ name: aliceName, type: DnsType.AAAA }]]);
    expect(trace.notes.filter((n) => n.kind === 'mdns.query.received' && n.source === 'alice/mdns').map((n) => n.text)).toEqual([
      expect.stringMatching(/asks for A .*still probing for: not answered yet \(RFC 6762 §8\.1\)/),
      expect.stringMatching(/asks for AAAA .*still probing for: not answered yet/),
    ]);
  });

  it('keeps them on the segment: the switch floods them to both hosts, the NAT drops every one', () => {
    const hops = trace.hops.filter((h) => {
      const v = peekUdpDatagram(h.bytes);
      return !('error' in v) && v.dstPort === MDNS_PORT;
    });
    for (const h of hops.filter((x) => x.to === 'nat')) expect(h.drop).toMatch(/link-local multicast group: never forwarded off its link/);
    expect(hops.filter((h) => h.from === 'nat' || h.to === 'internet')).toEqual([]);
    expect(hops.filter((h) => h.from === 'lan').map((h) => h.to).sort()).toContain('bob');
  });

  it('resolves the names with the first announcement, after probing, and moves the call onto the host pair', () => {
    const resolved = trace.notes.filter((n) => n.kind === 'mdns.resolved').map((n) => [n.source, (n.data as { address: string }).address, n.t]);
    expect(resolved).toEqual([['bob/mdns', '192.168.1.10', 750_400], ['alice/mdns', '192.168.1.20', 770_400]]);
    expect(selected(summary, 'alice')).toMatchObject({ local: { type: 'host', address: '192.168.1.10' }, remote: { type: 'host', address: '192.168.1.20' } });
    expect(selected(summary, 'bob')).toMatchObject({ local: { type: 'host', address: '192.168.1.20' }, remote: { type: 'host', address: '192.168.1.10' } });
    expect(trace.notes.filter((n) => n.kind === 'peer.path').map((n) => n.text).at(-1)).toMatch(/192\.168\.1\.10:\d+ -> 192\.168\.1\.20:\d+ \(same DTLS association\)/);
  });
});

describe('mDNS host candidates across NATs (call-mdns-nat)', () => {
  const { trace, summary } = run('call-mdns-nat');

  it('gives up on the names after 3 s, drops the candidates, and calls over a srflx-to-prflx pair', () => {
    const unresolved = trace.notes.filter((n) => n.kind === 'mdns.unresolved').map((n) => [n.source, (n.data as { afterMs: number }).afterMs]);
    expect(unresolved).toEqual([['bob/mdns', 3000], ['alice/mdns', 3000]]);
    expect(trace.notes.filter((n) => n.kind === 'mdns.resolved')).toEqual([]);
    // the dropped names never reach the agents: no remote host candidate at all
    expect(trace.notes.filter((n) => n.kind === 'ice.candidate.remote' && /remote host/.test(n.text))).toEqual([]);
    expect(trace.notes.some((n) => n.kind === 'ice.candidate.prflx' && n.source === 'alice/webrtc-peer')).toBe(true);
    expect(selected(summary, 'alice')).toMatchObject({ local: { type: 'srflx' }, remote: { type: 'prflx', address: '203.0.113.20' } });
    expect(signalled(trace).join('\n')).not.toMatch(/10\.0\.[12]\.10\b/);
    const peers = summary['peer'] as Record<string, { state: string }>;
    expect([peers['alice/webrtc-peer']?.state, peers['bob/webrtc-peer']?.state]).toEqual(['connected', 'connected']);
  });

  it('never lets a query past a NAT', () => {
    const past = trace.hops.filter((h) => {
      const v = peekUdpDatagram(h.bytes);
      return !('error' in v) && v.dstPort === MDNS_PORT && (h.from.startsWith('nat') || h.to === 'internet');
    });
    expect(past).toEqual([]);
  });
});
