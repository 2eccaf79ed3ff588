import { describe, expect, it } from 'vitest';
import type { Note, Trace } from '../../sim/core/trace.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { buildDensity } from './density.ts';
import { orderLanes } from './lanes.ts';
import { NatReplay } from './nat-state.ts';
import { familyRows } from './note-state.ts';
import { PROTOCOLS, classify, packTrace } from './packed.ts';
import { syntheticPacked } from './synthetic.ts';
import { Timeline } from './timeline.ts';
import { formatViewState, parseViewState } from './url.ts';

const run = (name: string): Trace => runScenario(parseScenario(findPreset(name)!.build())).trace;

describe('ladder lanes', () => {
  it('puts the host behind its NAT on the left of the internet and the server on the right', () => {
    expect(orderLanes(run('nat-full-cone'))).toEqual(['alice', 'natA', 'internet', 'server']);
  });

  it('orders a double NAT from the inside out', () => {
    expect(orderLanes(run('double-nat'))).toEqual(['alice', 'home', 'cgnat', 'internet', 'server']);
  });

  it('keeps a capture’s addresses, private ones first', () => {
    const nodes = ['198.51.100.1', '192.168.1.2', '10.0.0.1'].map((name) => ({ name, kind: 'host' as const, addresses: [name] }));
    expect(orderLanes({ nodes, links: [] })).toEqual(['192.168.1.2', '10.0.0.1', '198.51.100.1']);
  });
});

describe('packed trace', () => {
  it('links the hops of one datagram before and after the NAT', () => {
    const p = packTrace(run('nat-full-cone'));
    expect(p.nextOfPacket[0]).toBe(1);
    expect(p.prevOfPacket[1]).toBe(0);
    expect(p.packet[0]).toBe(p.packet[1]);
    expect(p.lanes[p.from[1]!]).toBe('natA');
  });

  it('classifies by the first payload byte as RFC 7983 does', () => {
    const ipUdp = (payload: number[]): Uint8Array => {
      const b = new Uint8Array(28 + payload.length);
      b[0] = 0x45;
      b[9] = 17;
      b.set(payload, 28);
      return b;
    };
    expect(PROTOCOLS[classify(ipUdp([0x00, 0x01, 0, 0]))]).toBe('STUN');
    expect(PROTOCOLS[classify(ipUdp([0x16, 0xfe, 0xfd]))]).toBe('DTLS');
    expect(PROTOCOLS[classify(ipUdp([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]))]).toBe('RTP');
    expect(PROTOCOLS[classify(ipUdp([0x70, 0x72]))]).toBe('UDP');
  });
});

describe('NAT tables over time', () => {
  it('shows a mapping after it is created, not before, and filtered counts as they happen', () => {
    const tr = run('nat-restricted-cone');
    const r = new NatReplay(tr.notes, tr.nodes);
    expect(r.at(0)[0]!.mappings).toHaveLength(0);
    const after = r.at(2_000)[0]!;
    expect(after.mappings.map((m) => `${m.internal} ${m.external}`)).toEqual(['192.168.1.10:5000 203.0.113.10:5000']);
    expect(after.counters.filtered).toBe(0);
    expect(r.at(61_000)[0]!.counters.filtered).toBe(1);
  });

  it('stepping back past an expiry brings the mapping back', () => {
    const tr = run('nat-expiry');
    const r = new NatReplay(tr.notes, tr.nodes);
    const expiredAt = tr.notes.find((n) => n.kind === 'nat.mapping.expired')!.t;
    expect(r.at(expiredAt)[0]!.mappings).toHaveLength(0);
    expect(r.at(expiredAt - 1)[0]!.mappings).toHaveLength(1);
  });

  it('restores from the nearest snapshot and replays only the notes after it', () => {
    const notes: Note[] = [];
    for (let i = 1; i <= 1000; i++) {
      notes.push({ t: i * 10, source: 'nat', kind: 'nat.mapping.created', text: '', data: { id: i, internal: `10.0.0.1:${i}`, external: `203.0.113.1:${i}`, expires: 1e9 } });
    }
    const r = new NatReplay(notes, [{ name: 'nat', kind: 'nat', addresses: [] }]);
    expect(r.at(9_005)[0]!.mappings).toHaveLength(900);
    expect(r.lastReplayed).toBeLessThan(256);
    expect(r.at(5)[0]!.mappings).toHaveLength(0);
  });
});

describe('state panels from notes', () => {
  it('keeps the latest state of each ICE pair at the cursor', () => {
    const notes: Note[] = [
      { t: 1, source: 'alice/ice', kind: 'ice.pair.state', text: 'a', data: { pair: 'h1|h2', state: 'waiting' } },
      { t: 2, source: 'alice/ice', kind: 'ice.pair.state', text: 'b', data: { pair: 'h1|h2', state: 'in-progress' } },
      { t: 3, source: 'alice/ice', kind: 'ice.pair.state', text: 'c', data: { pair: 'h1|h2', state: 'succeeded' } },
      { t: 3, source: 'natA', kind: 'nat.mapping.created', text: 'd' },
    ];
    expect(familyRows(notes, 'ice.', 2).map((r) => r.state)).toEqual(['in-progress']);
    expect(familyRows(notes, 'ice.', 3).map((r) => [r.state, r.count])).toEqual([['succeeded', 3]]);
    expect(familyRows(notes, 'ice.', 0)).toEqual([]);
  });
});

describe('timeline', () => {
  it('steps forward and back between events and jumps to the next drop', () => {
    const p = packTrace(run('nat-restricted-cone'));
    const tl = new Timeline(p);
    expect(tl.next(0)).toBe(1_000);
    expect(tl.prev(1_000)).toBe(0);
    const drop = tl.nextOfKind(0, 'drop')!;
    expect(p.drop[drop.hop!]).toBeGreaterThanOrEqual(0);
    expect(tl.nextOfKind(0, 'nat.filtered')!.t).toBe(61_000);
    expect(tl.kinds()).toContain('nat.mapping.created');
  });
});

describe('address bar', () => {
  it('round-trips lesson, scenario, seed, time and selection', () => {
    const v = { lesson: 'nat-basics', scenario: 'nat-symmetric', seed: 7, t: 61_000, hop: 8, compact: true };
    expect(parseViewState(formatViewState(v))).toEqual(v);
  });

  it('uses no value that is not ours, and names each one it could not use', () => {
    const v = parseViewState('?lesson=<script>&seed=-3&t=abc&hop=x1&lang=fr');
    expect(v).toEqual({ problems: expect.any(Array) });
    expect(v.problems).toEqual([
      'lesson=<script> is not a lesson id (lower-case letters, digits and -)',
      'seed=-3 is not a seed (a whole number from 0, at most 15 digits)',
      't=abc is not a time (like 2.5s, 61ms or 300us)',
      'hop=x1 is not a hop number',
      'lang=fr is not en or zh',
    ]);
  });

  it('keeps the language in the link (English is the default and not written)', () => {
    expect(formatViewState({ lang: 'zh', t: 0 })).toBe('?t=0us&lang=zh');
    expect(parseViewState('?lang=zh').lang).toBe('zh');
    expect(formatViewState({ lang: 'en', t: 0 })).toBe('?t=0us');
  });
});

describe('level of detail', () => {
  it('counts every hop once per level, drops included', () => {
    const p = syntheticPacked(50_000);
    const d = buildDensity(p);
    let drops = 0;
    for (let i = 0; i < p.n; i++) if (p.drop[i]! >= 0) drops++;
    for (const lv of d.levels) {
      expect(lv.counts.reduce((a, b) => a + b, 0)).toBe(p.n);
      expect(lv.drops.reduce((a, b) => a + b, 0)).toBe(drops);
    }
    expect(d.levels[d.levels.length - 1]!.size).toBe(1);
  });

  it('the synthetic trace is in time order with linked hops', () => {
    const p = syntheticPacked(20_000);
    for (let i = 1; i < p.n; i++) expect(p.t[i]! >= p.t[i - 1]!).toBe(true);
    const i = p.nextOfPacket.findIndex((x) => x >= 0);
    expect(p.packet[p.nextOfPacket[i]!]).toBe(p.packet[i]);
  });
});

describe('NAT table: TCP mappings (RFC 5382)', () => {
  it('call-p2p: the signaling WebSocket shows as a TCP mapping, established with a 2 h 4 min idle timeout, beside the UDP ones', () => {
    const tr = runScenario(parseScenario({ ...(findPreset('call-p2p')!.build() as Record<string, unknown>), duration: '2s' })).trace;
    const natA = new NatReplay(tr.notes, tr.nodes).at(2_000_000).find((x) => x.nat === 'natA')!;
    const tcp = natA.mappings.filter((m) => m.protocol === 'tcp');
    expect(tcp).toHaveLength(1);
    expect(tcp[0]!.tcp).toEqual([{ remote: '198.51.100.10:80', phase: 'established', timeout: 7440_000_000 }]);
    expect(tcp[0]!.replied).toBe(true);
    expect(natA.mappings.some((m) => m.protocol === 'udp')).toBe(true);
    // while the handshake is half done the connection is transitory (4 min)
    const synAt = tr.notes.find((n) => n.source === 'natA' && n.kind === 'nat.tcp.phase')!.t;
    const early = new NatReplay(tr.notes, tr.nodes).at(synAt).find((x) => x.nat === 'natA')!.mappings.find((m) => m.protocol === 'tcp')!;
    expect(early.tcp).toEqual([{ remote: '198.51.100.10:80', phase: 'opening', timeout: 240_000_000 }]);
  });
});
