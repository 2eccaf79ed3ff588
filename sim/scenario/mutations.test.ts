// A careless user's scenario files: every mutated preset ends in a ScenarioError naming the place, or in a
// completed run with a summary, never in another exception (a stack trace). The mutations are seeded, so a failure
// names its preset and mutation and can be replayed.
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../cli/summary.ts';
import { Rng } from '../core/rng.ts';
import { ScenarioError } from '../schema/check.ts';
import { mutate, type Json } from '../../test/support/scenario-mutations.ts';
import { parseScenario } from './parse.ts';
import { findPreset, listPresets } from './presets/index.ts';
import { runScenario } from './run.ts';

type Outcome = { kind: 'scenario-error'; message: string } | { kind: 'ran' } | { kind: 'crash'; message: string };

function attempt(doc: unknown, until = 1_000_000): Outcome {
  try {
    const s = parseScenario(doc);
    const r = runScenario(s, { until, maxEvents: 1_000_000 });
    formatSummary(s, r);
    JSON.stringify(r.summary);
    return { kind: 'ran' };
  } catch (e) {
    if (e instanceof ScenarioError) return { kind: 'scenario-error', message: e.message };
    return { kind: 'crash', message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) };
  }
}

const preset = (name: string): Record<string, Json> => findPreset(name)!.build() as Record<string, Json>;

describe('mutated scenarios end in a ScenarioError or a completed run', () => {
  it('an app bound twice to one port is a ScenarioError naming the second app', () => {
    const doc = preset('stun-binding-open');
    const apps = doc.apps as Json[];
    const o = attempt({ ...doc, apps: [...apps, apps[1]!] });
    expect(o).toMatchObject({ kind: 'scenario-error' });
    expect((o as { message: string }).message).toMatch(/apps\[2\]: stun-binding on alice cannot be built: .*port 5000 on 203\.0\.113\.50 is already bound/);
  });

  it('two servers that listen later on one TCP port: a ScenarioError naming the second app, before the run', () => {
    // mediasoup-server listens at 0 and signaling-server at its startAt: the port is claimed while the app is built
    const doc = preset('mediasoup-1to1-nat');
    const apps = doc.apps as Json[];
    const o = attempt({ ...doc, apps: [apps[0]!, ...apps] });
    expect(o).toMatchObject({ kind: 'scenario-error' });
    expect((o as { message: string }).message).toMatch(/apps\[1\]: mediasoup-server on sfu cannot be built: sfu: TCP port 4443 is already taken by sfu\/mediasoup-server/);
  });

  it("an ice-agent whose peer runs no ice-agent is a ScenarioError at that app's peer", () => {
    const doc = preset('ice-trickle');
    const apps = (doc.apps as Record<string, Json>[]).map((a) => (a.kind === 'ice-agent' && a.host === 'alice' ? { ...a, peer: 'server' } : a));
    const o = attempt({ ...doc, apps });
    expect(o).toMatchObject({ kind: 'scenario-error' });
    expect((o as { message: string }).message).toMatch(/apps\[\d\]\.peer: "server" runs no ice-agent/);
  });

  it('a NAT with an empty external list is a ScenarioError at nodes.<nat>.external', () => {
    const doc = preset('nat-symmetric');
    const nodes = doc.nodes as Record<string, Record<string, Json>>;
    const o = attempt({ ...doc, nodes: { ...nodes, natA: { ...nodes.natA!, external: [] } } });
    expect(o).toMatchObject({ kind: 'scenario-error' });
    expect((o as { message: string }).message).toMatch(/nodes\.natA\.external: empty: a NAT needs at least one public address/);
  });

  it('every preset stopped after 1 ms still prints and serialises its summary (nat-discovery-symmetric crashed)', () => {
    const crashes = listPresets().flatMap((p) => {
      const o = attempt(p.build(), 1000);
      return o.kind === 'crash' ? [`${p.name}: ${o.message}`] : [];
    });
    expect(crashes).toEqual([]);
  });

  it('three seeded mutations of every preset (one or two edits each)', () => {
    const rng = Rng.fromSeed(23);
    const crashes: string[] = [];
    const counts = { 'scenario-error': 0, ran: 0, crash: 0 };
    for (const p of listPresets()) {
      for (let i = 0; i < 3; i++) {
        let m = mutate(p.build() as Json, rng);
        if (rng.int(0, 2) === 1) {
          const again = mutate(m.doc, rng);
          m = { what: `${m.what}; ${again.what}`, doc: again.doc };
        }
        const o = attempt(m.doc);
        counts[o.kind]++;
        if (o.kind === 'crash') crashes.push(`${p.name} | ${m.what}: ${o.message}`);
      }
    }
    expect(crashes).toEqual([]);
    // the mutations reach the builder and the run, not only the parser
    expect(counts.ran).toBeGreaterThan(20);
  }, 120_000);
});
