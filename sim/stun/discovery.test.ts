// RFC 5780 discovery run against every NAT preset: the client must report exactly the mapping and filtering the
// preset configures, as far as RFC 5780 can observe them (derived from the configuration, not from a table).
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import type { NatConfig } from '../net/nat/config.ts';
import { NAT_PRESET_NAMES, NAT_PRESETS } from '../net/nat/presets.ts';

/**
 * What RFC 5780's tests can see of a configuration. One case they cannot tell apart: a NAT that keeps one mapping
 * per remote endpoint but gives every one of them the same external port (port preservation with RFC 7857 port
 * overlapping, as Linux MASQUERADE does) is address-and-port-dependent in its table, yet every server sees the
 * same mapped address, so RFC 5780 §4.3 reads it as endpoint-independent. The filtering it reports is exact.
 */
function observable(c: NatConfig): { mapping: string; filtering: string } {
  const sharesPort = c.mapping !== 'endpoint-independent' && c.portOverlapping && c.portAssignment === 'preserve';
  return { mapping: sharesPort ? 'endpoint-independent' : c.mapping, filtering: c.filtering };
}

function discover(preset: string) {
  const r = runScenario(parseScenario(findPreset(`nat-discovery-${preset}`)!.build()));
  const app = (r.summary.stun as { kind: string; discovery?: Record<string, unknown> }[]).find((a) => a.kind === 'nat-discovery')!;
  return { result: app.discovery!, trace: r.trace };
}

describe('RFC 5780 discovery reports each NAT preset as configured', () => {
  for (const name of NAT_PRESET_NAMES) {
    if (name === 'open') {
      it('open (no NAT): test I sees the local address, so no NAT and no mapping tests', () => {
        const { result } = discover('open');
        expect(result).toMatchObject({ nat: false, mapping: 'no-nat', filtering: 'endpoint-independent', mapped: '203.0.113.50:5000' });
      });
      continue;
    }
    const config = NAT_PRESETS[name].config;
    const want = observable(config);
    it(`${name}: ${want.mapping} mapping, ${want.filtering} filtering`, () => {
      const { result, trace } = discover(name);
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ nat: true, mapping: want.mapping, filtering: want.filtering });
      const final = trace.notes.filter((n) => n.kind === 'nat-discovery.result');
      expect(final).toHaveLength(1);
      expect(final[0]!.text).toContain(`${want.mapping} mapping, ${want.filtering} filtering`);
    });
  }

  it('linux-masquerade is the one preset whose configured mapping RFC 5780 cannot see', () => {
    const hidden = NAT_PRESET_NAMES.filter((n) => n !== 'open' && observable(NAT_PRESETS[n].config).mapping !== NAT_PRESETS[n].config.mapping);
    expect(hidden).toEqual(['linux-masquerade']);
  });

  it('the filtering tests time out with retransmissions, each a stun-retransmit note', () => {
    const { trace } = discover('port-restricted-cone');
    const retransmits = trace.notes.filter((n) => n.kind === 'stun.retransmit');
    // filtering tests II and III both go unanswered: 6 retransmissions each
    expect(retransmits).toHaveLength(12);
    expect(retransmits.every((n) => n.data?.reason === 'stun-retransmit')).toBe(true);
    expect(trace.notes.filter((n) => n.kind === 'stun.transaction.timeout')).toHaveLength(2);
  });
});

describe('Binding through each NAT shows the mapped address the server saw', () => {
  it('behind a port-preserving cone NAT the server sees the NAT address with alice\'s own port', () => {
    const r = runScenario(parseScenario(findPreset('stun-binding-port-restricted-cone')!.build()));
    const b = (r.summary.stun as { kind: string; bindings?: { mapped?: string }[] }[]).find((a) => a.kind === 'stun-binding')!;
    expect(b.bindings!.map((x) => x.mapped)).toEqual(['203.0.113.10:5000', '203.0.113.10:5000']);
  });
  it('behind a symmetric NAT the port is the next in sequence, not alice\'s', () => {
    const r = runScenario(parseScenario(findPreset('stun-binding-symmetric')!.build()));
    const notes = r.trace.notes.filter((n) => n.kind === 'stun.binding.result');
    expect(notes.map((n) => n.data?.mapped)).toEqual(['203.0.113.10:1024', '203.0.113.10:1024']);
  });
});
