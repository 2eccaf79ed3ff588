// TURN errors a client must understand, diagnosed from real runs (sim/scenario/presets/failures-turn.ts): 403 on a
// peer's permission, 437 to a restarted client, 438 Stale Nonce recovered from (no finding) or not (a failure). The
// server's side of each is sim/turn/turn.test.ts's; here, what the client saw and what the diagnosis says of it.
import { describe, expect, it } from 'vitest';
import { decodeStun, Method, RequestedTransport } from '../wire/stun/index.ts';
import { Bench, CLIENT, code, LISTEN } from '../turn/test-bench.ts';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { diagnose } from './diagnose.ts';
import type { Finding } from './types.ts';

const runs = new Map<string, { trace: ReturnType<typeof runScenario>['trace']; findings: readonly Finding[] }>();
/** A preset's run and diagnosis, once per file. */
function run(name: string) {
  const known = runs.get(name);
  if (known) return known;
  const r = runScenario(parseScenario(listPresets().find((p) => p.name === name)!.build()));
  const out = { trace: r.trace, findings: diagnose(r.trace).findings };
  runs.set(name, out);
  return out;
}
const only = (fs: readonly Finding[], cause: string): Finding => {
  const f = fs.filter((x) => x.cause === cause);
  expect(f).toHaveLength(1);
  return f[0]!;
};

describe('TURN 403 Forbidden on a permission (fail-turn-peer-forbidden)', () => {
  it("names the peer, the server's denied range and the datagrams the relay then dropped", () => {
    const { trace, findings } = run('fail-turn-peer-forbidden');
    const f = only(findings, 'turn.peer-forbidden');
    expect(f).toMatchObject({ severity: 'failure', subject: 'alice' });
    expect(f.facts).toMatchObject({ peers: '203.0.113.20', range: '203.0.113.16/28', method: 'ChannelBind', server: '198.51.100.10:3478' });
    expect(f.facts!.dropped).toBeGreaterThan(3);
    expect(f.text).toMatch(/refused alice's ChannelBind for peer 203\.0\.113\.20 with 403 Forbidden: it is in its denied range 203\.0\.113\.16\/28/);
    expect(f.fix).toMatch(/take 203\.0\.113\.16\/28 out of its denied peers/);
    // the evidence is the 403 answer to alice and the relay's drops of bob's checks for want of the permission
    const hops = f.evidence.hops.map((h) => trace.hops[h]!);
    expect(hops.some((h) => h.to === 'alice')).toBe(true);
    expect(hops.filter((h) => h.drop?.includes('TURN no permission: peer 203.0.113.20')).length).toBe(f.facts!.dropped);
    expect(f.evidence.notes.map((n) => trace.notes[n]!.kind)).toContain('turn.peer.denied');
    // the 403 for bob's private host candidate (coturn's default list) is a detail, not the headline
    expect(f.details.map((d) => d.text)).toEqual([expect.stringMatching(/^ChannelBind for 10\.0\.2\.10: 403 Forbidden \(denied range 10\.0\.0\.0\/8\); nothing/), expect.stringMatching(/^ChannelBind for 203\.0\.113\.20/)]);
  }, 600_000);

  it("fails the relayed pairs to a refused peer at once, naming the 403, as libwebrtc's TurnEntry does, so alice's ICE fails", () => {
    const { trace, findings } = run('fail-turn-peer-forbidden');
    const alice = trace.notes.filter((n) => n.source === 'alice/ice-agent');
    const errors = alice.filter((n) => n.kind === 'turn.error' && n.data?.code === 403);
    expect(errors.length).toBe(2);
    // every pair from the relayed candidate ends failed, in the same instant as the 403 for its remote address
    const last = new Map<string, (typeof alice)[number]>();
    for (const n of alice) if (n.kind === 'ice.pair.state') last.set(String(n.data!.pair), n);
    const relayed = [...last.values()].filter((n) => n.data!.localType === 'relay');
    expect(relayed.length).toBe(2);
    for (const n of relayed) {
      expect(n.data).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^TURN ChannelBind Request: 403 Forbidden/) });
      expect(errors.some((e) => e.t === n.t)).toBe(true);
      // no check was ever sent on it: the relay had no channel
      expect(alice.some((c) => c.kind === 'ice.check.sent' && c.data!.pair === n.data!.pair)).toBe(false);
    }
    // with every pair failed and no candidate to come, the agent fails (RFC 8445 §8.1.2) instead of checking forever
    const states = alice.filter((n) => n.kind === 'ice.state');
    expect(states[states.length - 1]!.data).toMatchObject({ state: 'failed', reason: 'every candidate pair failed' });
    // the diagnosis: each relayed pair's detail names the server and the 403; the headline stays the NATs' mapping
    const ice = findings.find((f) => f.subject === 'alice' && f.cause.startsWith('ice.'))!;
    expect(ice.cause).toBe('ice.nat-mapping');
    expect(ice.text).toMatch(/^alice's ICE failed at \d+\.\d+ s: all 4 candidate pair\(s\) failed/);
    const refused = ice.details.filter((d) => d.text.startsWith('relay '));
    expect(refused.map((d) => d.text)).toEqual([
      expect.stringMatching(/^relay 198\.51\.100\.10:49152 → host 10\.0\.2\.10:60623: failed unchecked: TURN server 198\.51\.100\.10:3478 answered the ChannelBind to 10\.0\.2\.10:60623 with 403 Forbidden/),
      expect.stringMatching(/^relay 198\.51\.100\.10:49152 → srflx 203\.0\.113\.20:1024: failed unchecked: TURN server 198\.51\.100\.10:3478 answered the ChannelBind to 203\.0\.113\.20:1024 with 403 Forbidden/),
    ]);
    for (const d of refused) expect(d.evidence.notes.map((n) => trace.notes[n]!.kind).sort()).toEqual(['ice.pair.state', 'turn.error']);
  }, 600_000);

  it('a 403 for a private host candidate in a call that connected is no finding (ice-symmetric-turn)', () => {
    const { trace, findings } = run('ice-symmetric-turn');
    expect(trace.notes.some((n) => n.kind === 'turn.peer.denied')).toBe(true);
    expect(findings).toEqual([]);
  }, 600_000);
});

describe('TURN 437 Allocation Mismatch', () => {
  it('the server resends its success to a retransmitted Allocate, and answers 437 to a new one on the same 5-tuple (RFC 8656 §7.2)', () => {
    const b = new Bench();
    b.ask(Method.Allocate, [RequestedTransport.of(17)], { auth: false });
    const req = b.request(Method.Allocate, [RequestedTransport.of(17)]);
    b.server.handleDatagram(b.now, CLIENT, LISTEN, req);
    const first = b.sends()[0]!.bytes;
    expect(decodeStun(first).value!.class).toBe('success');
    // the same request again (its success lost on the way): the same success, not 437
    b.now += 500_000;
    b.server.handleDatagram(b.now, CLIENT, LISTEN, req);
    expect(b.sends()[0]!.bytes).toEqual(first);
    expect(code(b.allocate())).toBe(437);
  });

  it('fail-turn-allocation-mismatch: the restarted client is told which allocation stands in its way', () => {
    const { trace, findings } = run('fail-turn-allocation-mismatch');
    expect(findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure turn.allocation-mismatch alice']);
    const f = findings[0]!;
    expect(f.facts).toMatchObject({ code: 437, client: '203.0.113.10:5000', relayed: '198.51.100.20:49152', lifetime: 600, restartAt: 20_000_000 });
    expect(f.text).toMatch(/got 437 Allocation Mismatch at 20\.\d+ s: the server still holds the allocation it made at 0\.078 s for the same 5-tuple \(client 203\.0\.113\.10:5000, relayed 198\.51\.100\.20:49152, lifetime 600 s\), which alice forgot when it restarted at 20 s/);
    expect(f.fix).toMatch(/Refresh with LIFETIME 0.*another local port/);
    const kinds = f.evidence.notes.map((n) => trace.notes[n]!.kind);
    for (const k of ['turn.allocation.created', 'turn.allocated', 'turn.restart', 'turn.error']) expect(kinds).toContain(k);
    // the 437 answer reached alice
    expect(f.evidence.hops.some((h) => trace.hops[h]!.to === 'alice')).toBe(true);
  }, 600_000);
});

describe('TURN 438 Stale Nonce', () => {
  it('turn-stale-nonce-recovered: both clients got 438 and retried with the new nonce; no finding', () => {
    const { trace, findings } = run('turn-stale-nonce-recovered');
    const stale = trace.notes.filter((n) => n.kind === 'turn.auth' && n.data?.code === 438 && n.source.endsWith('/ice-agent'));
    expect(new Set(stale.map((n) => n.source))).toEqual(new Set(['alice/ice-agent', 'bob/ice-agent']));
    // each retry succeeded: channels refreshed after the 438, no error
    expect(trace.notes.filter((n) => n.kind === 'turn.channel-bound' && n.data?.refreshed === true && n.t > stale[0]!.t).length).toBeGreaterThanOrEqual(2);
    expect(trace.notes.filter((n) => n.kind === 'turn.error' && n.source.endsWith('/ice-agent') && n.data?.code === 438)).toEqual([]);
    expect(findings).toEqual([]);
  }, 600_000);

  it('fail-turn-stale-nonce: the 438 bob did not retry, the permission that lapsed, the drops, then consent lost', () => {
    const { trace, findings } = run('fail-turn-stale-nonce');
    expect(findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`).sort()).toEqual(['failure ice.consent-lost alice', 'failure ice.consent-lost bob', 'failure turn.stale-nonce bob']);
    const f = only(findings, 'turn.stale-nonce');
    expect(f.facts).toMatchObject({ requests: 'ChannelBind', count: 2, relayed: '198.51.100.10:49152' });
    expect(String(f.facts!.peers)).toContain('203.0.113.10');
    expect(f.facts!.at).toBeGreaterThan(240_000_000);
    expect(f.facts!.lapsedAt).toBeGreaterThan(300_000_000);
    expect(f.facts!.dropped).toBeGreaterThan(0);
    expect(f.evidence.hops.every((h) => trace.hops[h]!.drop?.startsWith('server: TURN permission expired'))).toBe(true);
    expect(f.fix).toMatch(/make bob retry a request that gets 438 with the NONCE of that answer/);
  }, 600_000);
});
