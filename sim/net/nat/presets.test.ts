import { describe, expect, it } from 'vitest';
import { SECOND } from '../../core/time.ts';
import { validateNatConfig, withOverrides } from './config.ts';
import { parseNatSpec } from './parse.ts';
import { NAT_PRESET_NAMES, NAT_PRESETS, natPreset } from './presets.ts';
import { addr, makeNat, send } from './test-helpers.ts';

const STUN1 = '203.0.113.9:3478';
const STUN2 = '198.51.100.7:19302';

describe('NAT presets', () => {
  it('lists "open" as a preset name meaning no NAT, and every other preset validates without errors', () => {
    expect(NAT_PRESET_NAMES[0]).toBe('open');
    expect(Object.keys(NAT_PRESETS).sort()).toEqual(NAT_PRESET_NAMES.filter((n) => n !== 'open').sort());
    for (const [name, p] of Object.entries(NAT_PRESETS)) expect({ name, errors: validateNatConfig(p.config).errors }).toEqual({ name, errors: [] });
    expect(parseNatSpec('open')).toEqual({ ok: true, config: null, warnings: [] });
  });

  it('the cone presets differ only in filtering', () => {
    expect(natPreset('full-cone').filtering).toBe('endpoint-independent');
    expect(natPreset('restricted-cone').filtering).toBe('address-dependent');
    expect(natPreset('port-restricted-cone').filtering).toBe('address-and-port-dependent');
    for (const n of ['full-cone', 'restricted-cone', 'port-restricted-cone'] as const) expect(natPreset(n).mapping).toBe('endpoint-independent');
  });

  it('symmetric: every remote sees a new external port', () => {
    const nat = makeNat({}, { base: natPreset('symmetric') });
    const a = send(nat, 0, '192.168.1.10:5000', STUN1);
    const b = send(nat, 0, '192.168.1.10:5000', STUN2);
    expect(a.port).not.toBe(b.port);
  });

  it('linux-masquerade: a lone host keeps its port for every remote, so it looks endpoint-independent', () => {
    const nat = makeNat({}, { base: natPreset('linux-masquerade') });
    expect(send(nat, 0, '192.168.1.10:5000', STUN1).port).toBe(5000);
    expect(send(nat, 0, '192.168.1.10:5000', STUN2).port).toBe(5000);
    // but it filters by address and port: STUN2 could not have reached the host before it sent to STUN2
    const fresh = makeNat({}, { base: natPreset('linux-masquerade') });
    send(fresh, 0, '192.168.1.10:5000', STUN1);
    expect(fresh.inbound(1, addr('192.0.2.1:5000'), addr(STUN2)).action).toBe('drop');
  });

  it('linux-masquerade: an unanswered flow expires after 30 s, an answered one after 120 s', () => {
    const nat = makeNat({}, { base: natPreset('linux-masquerade') });
    send(nat, 0, '192.168.1.10:5000', STUN1);
    const e = send(nat, 0, '192.168.1.10:5000', STUN2);
    nat.inbound(SECOND, e, addr(STUN2));
    expect(nat.expire(30 * SECOND).map((x) => x.mapping.boundTo)).toEqual([STUN1]);
    expect(nat.expire(121 * SECOND).map((x) => x.mapping.boundTo)).toEqual([STUN2]);
  });

  it('linux-masquerade-random-fully: no port preservation, a random port per remote', () => {
    const nat = makeNat({}, { base: natPreset('linux-masquerade-random-fully') });
    const a = send(nat, 0, '192.168.1.10:5000', STUN1);
    const b = send(nat, 0, '192.168.1.10:5000', STUN2);
    expect(a.port).not.toBe(5000);
    expect(b.port).not.toBe(a.port);
  });

  it('applies partial overrides over a preset', () => {
    const c = withOverrides(natPreset('cgnat'), { filtering: 'address-dependent' });
    expect(c.filtering).toBe('address-dependent');
    expect(c.portBlocks).toEqual(natPreset('cgnat').portBlocks);
    expect(natPreset('cgnat').filtering).toBe('endpoint-independent');
  });
});

describe('NAT configuration from a scenario', () => {
  it('reads a preset with overrides and durations as text, warning about RFC departures', () => {
    const r = parseNatSpec({ preset: 'port-restricted-cone', filtering: 'address-dependent', mappingLifetime: '60s' }, 'topology.natA.nat');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.config?.filtering).toBe('address-dependent');
      expect(r.config?.mappingLifetime).toBe(60 * SECOND);
      expect(r.warnings).toEqual(['topology.natA.nat.mappingLifetime: 60s is below the 2 minutes RFC 4787 REQ-5 requires']);
    }
  });

  it('names the field in every error', () => {
    const r = parseNatSpec({ preset: 'full-cone', filtering: 'port-restricted', colour: 'blue', mappingLifetime: 'soon' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.some((e) => e.startsWith('nat.colour: unknown field'))).toBe(true);
      expect(r.errors.some((e) => e.startsWith('nat.mappingLifetime: expected a duration'))).toBe(true);
    }
    const bad = parseNatSpec({ filtering: 'port-restricted' });
    expect(bad.ok === false && bad.errors).toEqual([
      'nat.filtering: expected one of "endpoint-independent", "address-dependent", "address-and-port-dependent", got "port-restricted"',
    ]);
    expect(parseNatSpec('moat').ok).toBe(false);
    const overlap = parseNatSpec({ portOverlapping: true });
    expect(overlap.ok === false && overlap.errors[0]).toMatch(/^nat\.portOverlapping: needs a mapping behaviour/);
    const blocks = parseNatSpec({ preset: 'cgnat', pooling: 'arbitrary' });
    expect(blocks.ok === false && blocks.errors[0]).toMatch(/^nat\.pooling: port blocks/);
  });

  it('switches an optional preset feature off with null', () => {
    const r = parseNatSpec({ preset: 'cgnat', portBlocks: null });
    expect(r.ok && r.config !== null && 'portBlocks' in r.config).toBe(false);
    expect(r.ok && r.config?.portReuseDelay).toBe(120 * SECOND);
  });

  it('refuses to build a table from an invalid configuration', () => {
    expect(() => makeNat({ portRange: { min: 2000, max: 1000 } })).toThrow(/nat\.portRange/);
  });
});
