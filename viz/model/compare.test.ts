import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { applySet } from '../../sim/scenario/set.ts';
import { assignmentsFor, compareRuns, diffJson, type DiffRow } from './compare.ts';
import { packTrace } from './packed.ts';
import { reasonKind, summarizeRun } from './run-summary.ts';
import { formatViewState, parseViewState, type ViewState } from './url.ts';

// Comparing two runs: the scenario diff speaks in `--set` paths and its assignments rebuild the edited scenario;
// the outcome diff of call-p2p against the same call with natA made symmetric names what a WebRTC engineer
// expects to change (the selected pair, ICE timing, NAT mappings, filtering drops).

const applyAll = (raw: unknown, sets: readonly string[]): unknown => sets.reduce((r, s) => applySet(r, s), raw);

describe('scenario diff', () => {
  const base = findPreset('call-p2p')!.build();

  it('names each changed leaf by its --set path, arrays by index', () => {
    const edited = applyAll(base, ['nodes.natA.preset=symmetric', 'nodes.alice.link.loss=0.05', 'apps[1].signalingDelay=80ms']);
    expect(diffJson(base, edited)).toEqual([
      { path: 'nodes.natA.preset', a: 'port-restricted-cone', b: 'symmetric' },
      { path: 'nodes.alice.link.loss', a: undefined, b: 0.05 },
      { path: 'apps[1].signalingDelay', a: '50ms', b: '80ms' },
    ]);
    expect(diffJson(base, structuredClone(base))).toEqual([]);
  });

  it('assignments rebuild the edited scenario from the preset, removals included', () => {
    const edited = applyAll(base, ['nodes.natA.nat={"mapping":"address-and-port-dependent"}', 'nodes.bob.link.delay=5ms']) as Record<string, unknown>;
    const nodes = edited.nodes as Record<string, Record<string, unknown>>;
    delete nodes.server!.link; // a removal: written as its parent set whole
    (edited.apps as unknown[]).pop();
    const sets = assignmentsFor(base, edited)!;
    expect(sets).toContain('nodes.bob.link.delay=5ms');
    expect(sets.some((s) => s.startsWith('nodes.server='))).toBe(true);
    expect(applyAll(base, sets)).toEqual(edited);
  });

  it('a removed top-level field cannot be said with assignments', () => {
    const edited = structuredClone(base) as Record<string, unknown>;
    delete edited.description;
    expect(assignmentsFor(base, edited)).toBeUndefined();
  });

  it('keeps text that reads as JSON quoted, so it comes back as text', () => {
    const edited = applyAll(base, ['title="42"']);
    const sets = assignmentsFor(base, edited)!;
    expect(sets).toEqual(['title="42"']);
    expect(applyAll(base, sets)).toEqual(edited);
  });
});

describe('outcome diff: call-p2p, then natA with endpoint-dependent mapping', () => {
  const raw = findPreset('call-p2p')!.build();
  const a = summarizeRun(packTrace(runScenario(parseScenario(raw)).trace));
  const b = summarizeRun(packTrace(runScenario(parseScenario(applySet(raw, 'nodes.natA.nat.mapping=address-and-port-dependent'))).trace));
  const rows = compareRuns(a, b);
  const find = (what: string): DiffRow => rows.find((r) => r.what === what)!;

  it('the selected pair moves from server-reflexive to the TURN relay', () => {
    expect(find('alice/webrtc-peer selected pair')).toMatchObject({ a: 'srflx → srflx', changed: true });
    expect(find('alice/webrtc-peer selected pair').b).toContain('relay');
    expect(find('bob/webrtc-peer ICE state')).toMatchObject({ a: 'completed', b: 'completed', changed: false });
  });

  it('timing, NAT mappings and filtering drops change; unchanged rows are marked so', () => {
    expect(find('alice/webrtc-peer ICE connected').b).toMatch(/\(\+\d+ms\)$/);
    expect(Number(find('natA created').b)).toBeGreaterThan(Number(find('natA created').a));
    const filtering = rows.filter((r) => r.section === 'Drops' && r.what.startsWith('natA: NAT filtering'));
    expect(filtering.some((r) => r.changed)).toBe(true);
    // bob's side is untouched; DTLS is not (the relayed path is renominated during the handshake: 6 → 10 datagrams)
    // (two mappings: the call's UDP and bob's TCP connection to the signaling server)
    expect(find('natB created')).toMatchObject({ a: '2', b: '2', changed: false });
  });

  it('a run summary counts datagrams per protocol once, however many links they crossed', () => {
    expect(a.datagrams).toBeLessThan(a.hops);
    expect(Object.values(a.protocols).reduce((x, y) => x + y, 0)).toBe(a.datagrams);
    expect(a.firstMedia).toBeGreaterThan(a.agents[0]!.iceConnected!);
  });

  it('drop reasons are grouped without their addresses', () => {
    expect(reasonKind('internet: no route to 10.0.1.10')).toBe('internet: no route to …');
    expect(reasonKind('natA: no outbound packet from 10.0.1.10:54635 to [2001:db8::1]:3478')).toBe('natA: no outbound packet from … to …');
  });
});

describe('compare in the URL', () => {
  it('holds both runs: preset, seed and assignments of each', () => {
    const v: ViewState = {
      scenario: 'call-p2p',
      seed: 2,
      set: ['nodes.natA.nat.mapping=address-and-port-dependent'],
      a: { scenario: 'call-p2p', seed: 1, set: ['nodes.alice.link.loss=0.1'] },
      t: 0,
    };
    expect(parseViewState(formatViewState(v))).toEqual(v);
  });

  it('drops assignments that are not path=value and a run A without a valid name', () => {
    expect(parseViewState('?scenario=call-p2p&set=<b>x</b>&a=Bad%20Name')).toEqual({ scenario: 'call-p2p', problems: ['a=Bad Name is not a preset name'] });
  });
});
