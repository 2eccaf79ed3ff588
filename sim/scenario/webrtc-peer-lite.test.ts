import { describe, expect, it } from 'vitest';
import type { Note } from '../core/trace.ts';
import { parseScenario } from './parse.ts';
import { findPreset } from './presets/index.ts';
import { runScenario } from './run.ts';
import { applySet } from './set.ts';

// A webrtc-peer app can be ICE-lite ("lite": true): the visualizer's scenario panel switches it. On a public
// address the lite peer answers checks and the full peer controls and nominates (RFC 8445 §6.1.1); behind a NAT
// it offers only a private host candidate, so the call cannot connect.

const stateOf = (notes: readonly Note[], source: string): string | undefined =>
  [...notes].reverse().find((n) => n.source === source && n.kind === 'ice.state')?.data?.['state'] as string | undefined;

function callWithBob(sets: string[]): ReturnType<typeof runScenario> {
  let raw: unknown = findPreset('call-p2p')!.build();
  for (const s of sets) raw = applySet(raw, s);
  const s = parseScenario(raw);
  return runScenario({ ...s, duration: 4_000_000 } as typeof s);
}

describe('an ICE-lite webrtc-peer', () => {
  it('on a public address is controlled and the call connects, the full peer controlling', () => {
    const { trace } = callWithBob(['apps[2].lite=true', 'nodes.bob.uplink="internet"', 'nodes.bob.addresses=["198.51.100.20/24"]']);
    const start = trace.notes.find((n) => n.source === 'bob/webrtc-peer' && n.kind === 'ice.state')!;
    expect(start.data).toMatchObject({ lite: true, role: 'controlled' });
    expect(trace.notes.some((n) => n.source === 'bob/webrtc-peer' && n.kind === 'ice.candidate.gathered' && n.data?.['type'] !== 'host')).toBe(false);
    expect(trace.notes.some((n) => n.source === 'alice/webrtc-peer' && n.kind === 'ice.selected')).toBe(true);
    expect(trace.notes.some((n) => n.kind === 'dtls.state' && n.data?.['to'] === 'connected')).toBe(true);
  });

  it('behind a NAT offers only its private address and ICE fails', () => {
    const { trace } = callWithBob(['apps[2].lite=true']);
    expect(trace.notes.some((n) => n.kind === 'ice.selected')).toBe(false);
    expect(stateOf(trace.notes, 'bob/webrtc-peer')).not.toBe('connected');
  });

  it('a lite that is not true or false is named in the error', () => {
    const raw = applySet(findPreset('call-p2p')!.build(), 'apps[2].lite="yes"');
    expect(() => parseScenario(raw)).toThrow(/apps\[2\]\.lite: expected true or false/);
  });
});
