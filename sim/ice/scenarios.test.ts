import { describe, expect, it } from 'vitest';
import type { Note, Trace } from '../core/trace.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import type { RunResult } from '../scenario/run.ts';
import { applySet } from '../scenario/set.ts';
import { icePairScenario } from '../scenario/presets/ice-pair.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- summaries are JSON read in tests

function run(name: string, sets: string[] = [], seed?: number): RunResult {
  let raw: unknown = findPreset(name)!.build();
  for (const s of sets) raw = applySet(raw, s);
  return runScenario(parseScenario(raw), seed === undefined ? {} : { seed });
}

const ice = (r: RunResult, peer: string): Obj => (r.summary.ice as Obj)[peer] as Obj;
const notes = (t: Trace, kind: string, source?: string): Note[] => t.notes.filter((n) => n.kind === kind && (source === undefined || n.source.startsWith(`${source}/`)));
const types = (s: Obj): string => (s.selectedPair ? `${s.selectedPair.local.type}/${s.selectedPair.remote.type}` : 'none');

describe('ICE scenarios', () => {
  it('an ICE-lite server only answers: the controlling client sends every check and nominates', () => {
    // A mediasoup-style lite server on a public address; alice behind a port-restricted cone NAT.
    const r = run('ice-lite-server');
    expect(ice(r, 'bob').lite).toBe(true);
    expect(notes(r.trace, 'ice.check.sent', 'bob')).toEqual([]);
    expect(notes(r.trace, 'ice.candidate.gathered', 'bob').map((n) => n.data!.type)).toEqual(['host']);
    expect(notes(r.trace, 'ice.check.sent', 'alice').some((n) => n.data!.useCandidate === true)).toBe(true);
    expect(types(ice(r, 'alice'))).toBe('srflx/host');
    // the lite side learns alice's NAT mapping from her checks
    expect(types(ice(r, 'bob'))).toBe('host/prflx');
    expect(ice(r, 'bob').state).toBe('completed');
  });

  it('a full agent told to be controlled becomes controlling when the peer is lite (§6.1.1)', () => {
    const r = run('ice-lite-server', ['apps[1].role=controlled']);
    expect(ice(r, 'alice').role).toBe('controlling');
    expect(ice(r, 'alice').state).toBe('completed');
  });

  it('a role conflict is resolved by the tie-breakers: the larger one stays controlling (§7.3.1.1)', () => {
    const r = run('ice-role-conflict');
    const start = (peer: string): bigint => BigInt(notes(r.trace, 'ice.state', peer)[0]!.data!.tieBreaker as string);
    expect(notes(r.trace, 'ice.state', 'alice')[0]!.data!.role).toBe('controlling');
    expect(notes(r.trace, 'ice.state', 'bob')[0]!.data!.role).toBe('controlling');
    const winner = start('alice') > start('bob') ? 'alice' : 'bob';
    const loser = winner === 'alice' ? 'bob' : 'alice';
    expect(ice(r, winner).role).toBe('controlling');
    expect(ice(r, loser).role).toBe('controlled');
    expect(notes(r.trace, 'ice.role.conflict').length).toBeGreaterThan(0);
    expect(notes(r.trace, 'ice.role', loser).length).toBe(1);
    expect(notes(r.trace, 'ice.role', winner).length).toBe(0);
    expect(ice(r, 'alice').state).toBe('completed');
    expect(ice(r, 'bob').state).toBe('completed');
    expect(types(ice(r, 'alice'))).toBe('srflx/srflx');
  });

  it('the agent that gets 487 Role Conflict switches role and checks the pair again (§7.2.5.1)', () => {
    // with both controlled, the larger tie-breaker must take control
    const r = run('ice-role-conflict', ['apps[1].role=controlled', 'apps[2].role=controlled']);
    const roles = [ice(r, 'alice').role, ice(r, 'bob').role].sort();
    expect(roles).toEqual(['controlled', 'controlling']);
    expect(ice(r, 'alice').selectedPair).not.toBeNull();
  });

  it('consent is lost when a link goes down, and an ICE restart reconnects once it is back', () => {
    // natA-wan is down from 10 s to 45 s; alice restarts ICE when consent is lost (RFC 7675, RFC 8445 §9)
    const r = run('ice-consent-restart');
    const states = notes(r.trace, 'ice.state', 'alice').map((n) => n.data!.state);
    expect(states).toEqual(['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'checking', 'connected', 'completed']);
    const lost = notes(r.trace, 'ice.consent.lost', 'alice')[0]!;
    expect(lost.t).toBeGreaterThanOrEqual(40_000_000 - 10_000_000); // 30 s after the last answer, which came before 10 s
    expect(lost.t).toBeLessThan(41_000_000);
    const disconnected = notes(r.trace, 'ice.state', 'alice').find((n) => n.data!.state === 'disconnected')!;
    expect(lost.t - disconnected.t).toBe(20_000_000);
    const restarts = notes(r.trace, 'ice.restart');
    expect(restarts.map((n) => [n.source.split('/')[0], n.data!.initiator])).toEqual([['alice', 'local'], ['bob', 'remote']]);
    const first = notes(r.trace, 'ice.state', 'alice')[0]!.text;
    expect(first).not.toContain(String(restarts[0]!.data!.ufrag));
    const back = notes(r.trace, 'ice.selected', 'alice').at(-1)!;
    expect(back.t).toBeGreaterThan(45_000_000);
    expect(ice(r, 'alice').state).toBe('completed');
    expect(ice(r, 'bob').state).toBe('completed');
  });

  it('trickle ICE connects sooner than sending every candidate after gathering', () => {
    const trickle = run('ice-trickle');
    const whole = run('ice-no-trickle');
    const t1 = ice(trickle, 'alice').timeToConnected as number;
    const t2 = ice(whole, 'alice').timeToConnected as number;
    expect(t1).toBeLessThan(t2);
    expect(types(ice(trickle, 'alice'))).toBe(types(ice(whole, 'alice')));
    expect(notes(trickle.trace, 'ice.signal.sent', 'alice').map((n) => n.data!.message)).toContain('candidate');
    expect(notes(trickle.trace, 'ice.signal.sent', 'alice').at(-1)!.data!.message).toBe('end-of-candidates');
    expect(notes(whole.trace, 'ice.signal.sent', 'alice').map((n) => n.data!.message)).toEqual(['description']);
    // without trickle the description leaves only when gathering is complete (after the TURN 401 dance)
    const complete = notes(whole.trace, 'ice.gathering', 'alice').find((n) => n.data!.state === 'complete')!;
    expect(notes(whole.trace, 'ice.signal.sent', 'alice')[0]!.t).toBe(complete.t);
  });

  it('over a lossy link checks are retransmitted until they get through', () => {
    const r = run('ice-lossy-link');
    expect(ice(r, 'alice').retransmits).toBeGreaterThan(0);
    expect(notes(r.trace, 'ice.check.retransmit', 'alice').length).toBe(ice(r, 'alice').retransmits);
    expect(r.trace.hops.some((h) => h.drop === 'loss' || (h.drop ?? '').includes('loss'))).toBe(true);
    expect(types(ice(r, 'alice'))).toBe('srflx/srflx');
  });

  it('symmetric NATs on both sides fall back to the TURN relay, over ChannelData', () => {
    const r = run('ice-symmetric-turn');
    expect(types(ice(r, 'alice'))).toBe('prflx/relay');
    expect(types(ice(r, 'bob'))).toBe('relay/prflx');
    expect(notes(r.trace, 'turn.channel-bound', 'alice').length).toBeGreaterThan(0);
  });

  it('two peers behind the same NAT connect over their host candidates', () => {
    const r = run('ice-same-nat');
    expect(types(ice(r, 'alice'))).toBe('host/host');
    expect(ice(r, 'alice').selectedPair.remote.address).toBe('10.0.1.20');
  });

  it('through a double NAT the server-reflexive candidate is the outer NAT\'s mapping', () => {
    const r = run('ice-double-nat');
    const srflx = notes(r.trace, 'ice.candidate.gathered', 'alice').filter((n) => n.data!.type === 'srflx');
    expect(srflx.length).toBeGreaterThan(0);
    expect(srflx.every((n) => String(n.data!.address).startsWith('203.0.113.10:'))).toBe(true);
    expect(types(ice(r, 'alice'))).toBe('srflx/srflx');
  });

  it('NAT behaviours come from the scenario and --set: symmetric NATs turn a direct call into a relayed one', () => {
    expect(types(ice(run('ice-trickle'), 'alice'))).toBe('srflx/srflx');
    const r = run('ice-trickle', ['nodes.natA.preset=symmetric', 'nodes.natB.preset=symmetric']);
    expect(types(ice(r, 'alice'))).toBe('prflx/relay');
    // bob's mapping alone made address-and-port-dependent: alice's port-restricted filter turns his checks away,
    // so the relay carries it, and the pair whose other end is bob's per-peer mapping (prflx 110 > srflx 100) wins
    const m = run('ice-trickle', ['nodes.natB.nat.mapping=address-and-port-dependent']);
    expect(types(ice(m, 'alice'))).toBe('relay/prflx');
  });

  it('every pair state change carries the data the visualizer needs', () => {
    const r = run('ice-trickle');
    const ps = notes(r.trace, 'ice.pair.state');
    expect(ps.length).toBeGreaterThan(0);
    for (const n of ps) {
      for (const k of ['pair', 'local', 'remote', 'state', 'priority', 'nominated', 'previous', 'reason']) expect(n.data).toHaveProperty(k);
      expect(String(n.data!.priority)).toMatch(/^\d+$/);
    }
    expect(ps.some((n) => n.data!.nominated === true)).toBe(true);
  });
});

describe('nomination and address families', () => {
  it('aggressive nomination puts USE-CANDIDATE on every check and selects without the nomination delay', () => {
    const r = run('ice-trickle', ['apps[1].nomination=aggressive']);
    const checks = notes(r.trace, 'ice.check.sent', 'alice').filter((n) => n.data!.consent === false);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((n) => n.data!.useCandidate === true)).toBe(true);
    const a = ice(r, 'alice');
    expect(a.selectedAt).toBe(a.connectedAt);
    const regular = ice(run('ice-trickle'), 'alice');
    expect(regular.selectedAt - regular.connectedAt).toBeGreaterThan(0);
    expect(ice(r, 'bob').selectedPair).not.toBeNull();
  });

  it('dual-stack hosts gather a host candidate per address and prefer the IPv6 pair (RFC 8421)', () => {
    const dual = (peer: string, v4: string, v6: string): Record<string, unknown> => ({ [peer]: { kind: 'host', uplink: 'internet', addresses: [v4, v6], link: { delay: '10ms' } } });
    const raw = icePairScenario(dual('alice', '203.0.113.10/24', '2001:db8:a::10/64'), dual('bob', '203.0.113.20/24', '2001:db8:b::20/64'), { turn: false, duration: '5s' });
    const r = runScenario(parseScenario(raw));
    const hosts = notes(r.trace, 'ice.candidate.gathered', 'alice').filter((n) => n.data!.type === 'host').map((n) => n.data!.address);
    expect(hosts.length).toBe(2);
    expect(hosts.some((a) => String(a).startsWith('[2001:db8:a::10]'))).toBe(true);
    const sel = ice(r, 'alice').selectedPair;
    expect([sel.local.type, sel.remote.type]).toEqual(['host', 'host']);
    expect(sel.local.address).toBe('2001:db8:a::10');
    expect(sel.remote.address).toBe('2001:db8:b::20');
    // pairs never mix families
    for (const n of notes(r.trace, 'ice.pair.state', 'alice')) expect(String(n.data!.local).includes('[')).toBe(String(n.data!.remote).includes('['));
  });
});

describe('determinism', () => {
  it('the same seed gives the same selected pair and the same bytes on every hop', () => {
    const a = run('ice-symmetric-turn', [], 7);
    const b = run('ice-symmetric-turn', [], 7);
    expect(ice(a, 'alice').selectedPair).toEqual(ice(b, 'alice').selectedPair);
    expect(a.trace.hops.length).toBe(b.trace.hops.length);
    a.trace.hops.forEach((h, i) => {
      expect(h.t).toBe(b.trace.hops[i]!.t);
      expect(h.bytes).toEqual(b.trace.hops[i]!.bytes);
    });
    expect(a.trace.notes.map((n) => `${n.t} ${n.kind} ${n.text}`)).toEqual(b.trace.notes.map((n) => `${n.t} ${n.kind} ${n.text}`));
  });

  it('another seed draws other credentials and transaction ids but reaches the same candidate types', () => {
    const a = run('ice-symmetric-turn', [], 7);
    const c = run('ice-symmetric-turn', [], 8);
    expect(types(ice(c, 'alice'))).toBe(types(ice(a, 'alice')));
    const ufrag = (r: RunResult): string => notes(r.trace, 'ice.state', 'alice')[0]!.text;
    expect(ufrag(a)).not.toBe(ufrag(c));
  });
});
