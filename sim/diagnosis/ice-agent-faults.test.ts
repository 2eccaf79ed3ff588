// The ICE failures an agent of its own causes (sim/scenario/presets/ice-failures.ts): each preset's diagnosis names the
// cause, and its evidence is the bytes that show it (the 487 or 400 answers on the wire, the check datagrams delivered
// to a peer that never answered) and the notes of both agents; a role conflict that resolves is no finding.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { decodeStun, ErrorCode, getAttribute, hasAttribute, AttrType } from '../wire/stun/index.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { zhFinding } from '../../viz/i18n-diagnosis.ts';
import { diagnose } from './diagnose.ts';
import type { Trace } from '../core/trace.ts';

function run(name: string) {
  const r = runScenario(parseScenario(findPreset(name)!.build()));
  return { trace: r.trace, d: diagnose(r.trace) };
}

/** The STUN message a hop carried, decoded. */
function stunOf(trace: Trace, hop: number) {
  const b = trace.hops[hop]!.bytes;
  const u = peekUdpDatagram(b);
  if ('error' in u) throw new Error(`hop ${hop}: ${u.error}`);
  const m = decodeStun(b.subarray(u.payloadOffset, u.payloadOffset + u.payloadLength), false).value;
  if (!m) throw new Error(`hop ${hop} carries no STUN`);
  return m;
}

describe('ICE agents that refuse or ignore checks', () => {
  it("fail-ice-role-conflict: bob's 487s were never acted on; the evidence is the 487s on the wire and both agents' notes", () => {
    const { trace, d } = run('fail-ice-role-conflict');
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure ice.role-conflict alice']);
    const f = d.findings[0]!;
    expect(f.text).toMatch(/alice's ICE failed at 39\.\d+ s: all 2 candidate pair\(s\) failed; bob kept answering 487 Role Conflict and alice never switched to controlled \(fault injected on purpose: no-role-switch\)/);
    expect(f.fix).toBe("remove no-role-switch from alice's faults: on a 487 an agent switches role and checks again (RFC 8445 §7.2.5.1)");
    // every cited hop is a 487 error response, from bob's side
    expect(f.evidence.hops.length).toBeGreaterThan(5);
    for (const h of f.evidence.hops) {
      const m = stunOf(trace, h);
      expect(m.class).toBe('error');
      expect(getAttribute(m, ErrorCode)?.code).toBe(487);
    }
    const kinds = f.evidence.notes.map((i) => `${trace.notes[i]!.source} ${trace.notes[i]!.kind}`);
    expect(kinds).toContain('bob/ice-agent ice.role.conflict');
    expect(kinds).toContain('alice/ice-agent ice.fault');
    expect(kinds).not.toContain('alice/ice-agent ice.role');
    const detail = f.details.find((x) => x.text.includes('487'))!;
    expect(detail.text).toContain("bob's tie-breaker 2000 is larger than alice's 1000");
    const zh = zhFinding(f);
    expect('text' in zh && zh.text).toContain('bob 一直以 487 Role Conflict 应答，而 alice 始终没有切换为 controlled');
  }, 600_000);

  it('ice-role-conflict: the same conflict resolved by a 487 and a switch is no finding', () => {
    const { trace, d } = run('ice-role-conflict');
    expect(trace.notes.some((n) => n.kind === 'ice.role.conflict')).toBe(true);
    expect(d.findings).toEqual([]);
  }, 600_000);

  it("fail-ice-bad-request: bob's signed 400s name the missing PRIORITY", () => {
    const { trace, d } = run('fail-ice-bad-request');
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure ice.check-bad-request alice']);
    const f = d.findings[0]!;
    expect(f.text).toContain('bob refused alice\'s checks with 400 Bad Request (no PRIORITY attribute)');
    expect(f.fix).toBe("remove no-priority from alice's faults: every check carries PRIORITY (RFC 8445 §7.1.1)");
    expect(f.evidence.hops.length).toBeGreaterThan(0);
    for (const h of f.evidence.hops) {
      const m = stunOf(trace, h);
      expect(getAttribute(m, ErrorCode)?.code).toBe(400);
      // RFC 8489 §9.1.4: the check was authentic, so its error answer is signed (alice does not discard it)
      expect(hasAttribute(m, AttrType.MessageIntegrity)).toBe(true);
    }
    const rejected = f.evidence.notes.map((i) => trace.notes[i]!).filter((n) => n.kind === 'ice.check.rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((n) => n.source === 'bob/ice-agent' && (n.data as { why?: string }).why === 'no PRIORITY attribute')).toBe(true);
    // alice's checks on the wire really lack PRIORITY
    const checks = trace.hops.flatMap((h) => {
      const u = peekUdpDatagram(h.bytes);
      if ('error' in u) return [];
      const m = decodeStun(h.bytes.subarray(u.payloadOffset, u.payloadOffset + u.payloadLength), false).value;
      return m && m.class === 'request' && hasAttribute(m, AttrType.Username) ? [m] : [];
    });
    const alices = checks.filter((m) => hasAttribute(m, AttrType.IceControlling));
    const bobs = checks.filter((m) => hasAttribute(m, AttrType.IceControlled));
    expect(alices.length).toBeGreaterThan(5);
    expect(alices.some((m) => hasAttribute(m, AttrType.Priority))).toBe(false);
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.every((m) => hasAttribute(m, AttrType.Priority))).toBe(true);
    const zh = zhFinding(f);
    expect('text' in zh && zh.text).toContain('bob 以 400 Bad Request 拒绝了 alice 的连通性检查（缺少 PRIORITY 属性）');
  }, 600_000);

  it('fail-ice-no-response: the checks are followed to the hop that delivered the last of them, at bob, who never answered', () => {
    const { trace, d } = run('fail-ice-no-response');
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure ice.no-response alice']);
    const f = d.findings[0]!;
    const last = /the last on hop #(\d+)/.exec(f.text)?.[1];
    expect(last).toBeDefined();
    const hop = trace.hops[Number(last)]!;
    expect(hop.to).toBe('bob');
    expect(hop.drop).toBeUndefined();
    expect(stunOf(trace, hop.index).class).toBe('request');
    expect(f.text).toMatch(/alice's checks reached bob \(the last on hop #\d+\) and were never answered \(fault injected on purpose: ignore-checks\)/);
    expect(f.fix).toBe("remove ignore-checks from bob's faults: an agent answers every authentic check (RFC 8445 §7.3)");
    // every cited hop delivered one of alice's checks to bob, and no answer to any of them crossed the network
    for (const h of f.evidence.hops) expect([trace.hops[h]!.to, trace.hops[h]!.drop]).toEqual(['bob', undefined]);
    expect(f.evidence.notes.map((i) => `${trace.notes[i]!.source} ${trace.notes[i]!.kind}`)).toContain('bob/ice-agent ice.fault');
    const detail = f.details.find((x) => x.text.includes('srflx'))!;
    expect(detail.text).toMatch(/no answer to 8 transmission\(s\) before the check timed out at 39\.\d+ s; none was dropped on the way: all 8 reached bob/);
  }, 600_000);
});

describe('a relay chosen over a direct pair, and a STUN answer filtered', () => {
  it('call-relay-over-direct: alice nominated the relay before the direct candidate arrived and kept it after the direct pair worked', () => {
    const { trace, d } = run('call-relay-over-direct');
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['degradation ice.relay-selected alice']);
    const f = d.findings[0]!;
    expect(f.text).toMatch(/^alice nominated the relayed pair .+ at 2\.\d+ s \(nomination timer\), before the direct candidate 203\.0\.113\.20:60623 arrived at 3\.\d+ s, and kept it after the direct pair .+ \(host → srflx\) succeeded at 3\.\d+ s/);
    expect(f.fix).toMatch(/^let alice renominate when a better pair becomes valid/);
    // the cited hops are the direct pair's successful check and its answer, on the wire between the two NATs' addresses
    const stun = f.evidence.hops.map((h) => stunOf(trace, h));
    expect(stun.some((m) => m.class === 'request') && stun.some((m) => m.class === 'success')).toBe(true);
    const kinds = f.evidence.notes.map((i) => trace.notes[i]!.kind).sort();
    expect(kinds).toEqual(['ice.candidate.remote', 'ice.nominating', 'ice.pair.state', 'ice.selected']);
    const zh = zhFinding(f);
    expect('text' in zh && zh.text).toContain('当时直连候选 203.0.113.20:60623 还没有到达');
  }, 600_000);

  it('ice-stun-answer-filtered: the server answered from its other address, and natA dropped each answer', () => {
    const { trace, d } = run('ice-stun-answer-filtered');
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['degradation stun.answer-filtered alice']);
    const f = d.findings[0]!;
    expect(f.text).toBe('alice got no server-reflexive candidate: STUN server 198.51.100.31:3478 answered 7 request(s) from another address, 198.51.100.30:3478, and natA dropped every answer (NAT filtering: address-and-port-dependent filtering: no outbound packet from 10.0.1.10:54635 to 198.51.100.30:3478 was seen)');
    expect(f.fix).toBe('make STUN server 198.51.100.31:3478 answer from the address it is asked at (RFC 8489 §6.3), or make natA filter endpoint-independently (RFC 4787 REQ-8)');
    // each cited hop is a Binding success response dropped at natA
    expect(f.evidence.hops).toHaveLength(7);
    for (const h of f.evidence.hops) {
      expect(stunOf(trace, h).class).toBe('success');
      expect(trace.hops[h]!.drop).toMatch(/^natA: NAT filtering/);
    }
    expect(f.evidence.notes.map((i) => trace.notes[i]!.kind)).toContain('stun.binding.answered');
    const zh = zhFinding(f);
    expect('text' in zh && zh.text).toContain('从另一个地址 198.51.100.30:3478 应答了 7 个请求');
  }, 600_000);
});
