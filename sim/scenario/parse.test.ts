import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../schema/check.ts';
import { parseScenario } from './parse.ts';
import { findPreset, listPresets } from './presets/index.ts';
import { applySet } from './set.ts';

const issuesOf = (raw: unknown): string[] => {
  try {
    parseScenario(raw);
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
};

const base = (): Record<string, unknown> => findPreset('nat-symmetric')!.build();

describe('scenario validation', () => {
  it('accepts every built-in preset', () => {
    for (const p of listPresets()) expect(issuesOf(p.build()), p.name).toEqual([]);
  });

  it('names a wrong NAT behaviour and lists what is allowed', () => {
    const raw = applySet(base(), 'nodes.natA.nat.filtering=sideways');
    expect(issuesOf(raw)).toEqual([
      'nodes.natA.nat.filtering: expected one of "endpoint-independent", "address-dependent", "address-and-port-dependent", got "sideways"',
    ]);
  });

  it('reports every problem at once, each with its path', () => {
    const raw = base();
    const nodes = raw.nodes as Record<string, Record<string, unknown>>;
    nodes.alice!.uplink = 'nowhere';
    nodes.server!.addresses = ['300.1.2.3/24'];
    (nodes.natA!.link as Record<string, unknown>).loss = 2;
    raw.duration = 'soon';
    const issues = issuesOf(raw);
    expect(issues).toContain('nodes.alice.uplink: no node named "nowhere"');
    expect(issues).toContain('nodes.server.addresses[0]: expected an address with an optional prefix like "192.168.1.1/24", got "300.1.2.3/24"');
    expect(issues).toContain('nodes.natA.link.loss: expected a number from 0 to 1, got 2');
    expect(issues).toContain('duration: expected a duration like "30s", "250ms" or "40us", got "soon"');
  });

  it('catches a typo in a field name', () => {
    const raw = base();
    (raw.nodes as Record<string, Record<string, unknown>>).alice!.adresses = ['192.168.1.10/24'];
    const issues = issuesOf(raw);
    expect(issues.some((i) => i.startsWith('nodes.alice.adresses: unknown field'))).toBe(true);
  });

  it('refuses uplinks that form a loop', () => {
    const raw = base();
    const nodes = raw.nodes as Record<string, Record<string, unknown>>;
    nodes.internet!.uplink = 'natA';
    expect(issuesOf(raw).some((i) => /uplinks form a loop/.test(i))).toBe(true);
  });

  it('names an app bound to an address its host does not have', async () => {
    const { runScenario } = await import('./run.ts');
    const raw = applySet(base(), 'apps[2].bind=10.9.9.9:5000');
    expect(() => runScenario(parseScenario(raw))).toThrow(/apps\[2\]\.bind: 10\.9\.9\.9 is not an address of host alice/);
  });

  it('applies --set into arrays and creates missing objects', () => {
    const raw = applySet(applySet(base(), 'apps[2].send[0].at=2s'), 'nodes.alice.link.upstream.rate=1Mbps') as Record<string, unknown>;
    const s = parseScenario(raw);
    const probe = s.apps[2];
    expect(probe?.kind === 'udp-probe' && probe.send[0]?.at).toBe(2_000_000);
    expect(s.nodes.find((n) => n.name === 'alice')?.uplink?.up.rate).toBe(1_000_000);
  });

  it('sets one peer\'s field without touching another peer that shared the same object in the preset', () => {
    const raw = findPreset('call-p2p')!.build() as { apps: { kind: string; media?: unknown }[] };
    const peers = raw.apps.map((a, i) => ({ a, i })).filter(({ a }) => a.media !== undefined);
    expect(peers.length).toBe(2);
    const [first, second] = [peers[0]!, peers[1]!];
    const edited = applySet(raw, `apps[${first.i}].media.video.fps=15`) as typeof raw;
    const fps = (i: number) => ((edited.apps[i]!.media as { video?: { fps?: unknown } }).video?.fps);
    expect(fps(first.i)).toBe(15);
    expect(fps(second.i)).not.toBe(15);
  });

  it('understands peer shorthands: peers.alice.nat is the first NAT above alice', () => {
    const s = parseScenario(applySet(applySet(base(), 'peers.alice.nat=full-cone'), 'peers.alice.nat.hairpinning=false'));
    const nat = s.nodes.find((n) => n.name === 'natA');
    expect(nat?.kind === 'nat' && nat.preset).toBe('full-cone');
    expect(nat?.kind === 'nat' && (nat.behaviour as { hairpinning: boolean }).hairpinning).toBe(false);
    expect(() => applySet(base(), 'peers.server.nat=symmetric')).toThrow(/server is not behind a NAT/);
    expect(() => applySet(base(), 'peers.carol.nat=symmetric')).toThrow(/no host named "carol"/);
  });
});
