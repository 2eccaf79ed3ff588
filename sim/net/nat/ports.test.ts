import { describe, expect, it } from 'vitest';
import { SECOND } from '../../core/time.ts';
import { addr, makeNat, send } from './test-helpers.ts';

/* RFC 4787 §4.2: how the external port of a new mapping is chosen. */
const STUN = '203.0.113.9:3478';

describe('NAT port assignment', () => {
  it('preserves the internal port when it is free', () => {
    const nat = makeNat({ portAssignment: 'preserve' });
    expect(send(nat, 0, '192.168.1.10:5000', STUN).port).toBe(5000);
    expect(send(nat, 0, '192.168.1.10:61234', STUN).port).toBe(61234);
  });

  it('falls back to the next free port when two hosts use the same internal port', () => {
    const nat = makeNat({ portAssignment: 'preserve', onPortCollision: 'sequential', portParity: false });
    expect(send(nat, 0, '192.168.1.10:5000', STUN).port).toBe(5000);
    const d = nat.outbound(1, addr('192.168.1.11:5000'), addr(STUN));
    expect(d.action === 'forward' && d.external.port).toBe(5001);
    expect(d.action === 'forward' && d.port).toBe('sequential');
    expect(d.action === 'forward' && d.note.text).toContain('port 5000 taken');
  });

  it('falls back to a random port, from the Rng, when preservation collides and the fallback is random', () => {
    const ports = (seed: number) => {
      const nat = makeNat({ portAssignment: 'preserve', onPortCollision: 'random', portParity: false }, { seed });
      send(nat, 0, '192.168.1.10:5000', STUN);
      return send(nat, 1, '192.168.1.11:5000', STUN).port;
    };
    const p = ports(7);
    expect(p).not.toBe(5000);
    expect(p).not.toBe(5001);
    expect(p).toBeGreaterThanOrEqual(1024);
    expect(ports(7)).toBe(p);
    expect(ports(8)).not.toBe(p);
  });

  it('assigns sequential ports from the start of the range, skipping ports in use', () => {
    const nat = makeNat({ mapping: 'address-and-port-dependent', portAssignment: 'sequential', portParity: false, portRange: { min: 40000, max: 40009 } });
    const got = ['203.0.113.9:1', '203.0.113.9:2', '203.0.113.9:3'].map((r, i) => send(nat, i, '192.168.1.10:5000', r).port);
    expect(got).toEqual([40000, 40001, 40002]);
  });

  it('assigns random ports inside the range, different for each mapping', () => {
    const nat = makeNat({ mapping: 'address-and-port-dependent', portAssignment: 'random', portParity: false });
    const got = Array.from({ length: 20 }, (_, i) => send(nat, i, '192.168.1.10:5000', `203.0.113.9:${1000 + i}`).port);
    expect(new Set(got).size).toBe(20);
    for (const p of got) expect(p >= 1024 && p <= 65535).toBe(true);
    const steps = got.slice(1).map((p, i) => p - got[i]!);
    expect(steps.every((s) => s === 1)).toBe(false);
  });

  it('keeps the parity of the internal port when falling back (RFC 4787 REQ-4)', () => {
    const nat = makeNat({ portAssignment: 'preserve', onPortCollision: 'sequential', portParity: true });
    send(nat, 0, '192.168.1.10:5000', STUN);
    send(nat, 0, '192.168.1.10:5001', STUN);
    expect(send(nat, 1, '192.168.1.11:5000', STUN).port).toBe(5002);
    expect(send(nat, 1, '192.168.1.11:5001', STUN).port).toBe(5003);
    const random = makeNat({ mapping: 'address-and-port-dependent', portAssignment: 'random', portParity: true });
    for (let i = 0; i < 20; i++) expect(send(random, i, '192.168.1.10:6001', `203.0.113.9:${2000 + i}`).port % 2).toBe(1);
  });

  it('drops a new mapping with "port-space-exhausted" when every port is taken, and accepts one once a port frees', () => {
    const nat = makeNat({ mapping: 'address-and-port-dependent', portAssignment: 'sequential', portParity: false, portRange: { min: 50000, max: 50002 }, mappingLifetime: 120 * SECOND });
    for (let i = 0; i < 3; i++) send(nat, 0, '192.168.1.10:5000', `203.0.113.9:${i + 1}`);
    const d = nat.outbound(SECOND, addr('192.168.1.10:5000'), addr('203.0.113.9:4'));
    expect(d.action === 'drop' && d.reason).toBe('port-space-exhausted');
    expect(d.action === 'drop' && d.note.kind).toBe('nat.mapping.failed');
    // an existing mapping still works
    expect(nat.outbound(SECOND, addr('192.168.1.10:5000'), addr('203.0.113.9:1')).action).toBe('forward');
    const later = nat.outbound(120 * SECOND, addr('192.168.1.10:5000'), addr('203.0.113.9:4'));
    expect(later.action).toBe('forward');
    expect(later.expired.length).toBe(2);
  });

  it('holds a freed port back for the reuse delay (RFC 6888 REQ-8)', () => {
    const nat = makeNat({ portAssignment: 'sequential', portRange: { min: 50000, max: 50000 }, portParity: false, mappingLifetime: 120 * SECOND, portReuseDelay: 120 * SECOND });
    send(nat, 0, '192.168.1.10:5000', STUN);
    const early = nat.outbound(200 * SECOND, addr('192.168.1.11:5000'), addr(STUN));
    expect(early.action === 'drop' && early.reason).toBe('port-space-exhausted');
    expect(early.expired).toHaveLength(1);
    expect(send(nat, 240 * SECOND, '192.168.1.11:5000', STUN).port).toBe(50000);
  });

  it('lets one external port serve several remotes with port overlapping (RFC 7857 §3)', () => {
    const nat = makeNat({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', portOverlapping: true, onPortCollision: 'random', portParity: false });
    // two hosts, same source port, different servers: both keep 5000
    expect(send(nat, 0, '192.168.1.10:5000', '203.0.113.9:3478').port).toBe(5000);
    expect(send(nat, 0, '192.168.1.11:5000', '198.51.100.7:3478').port).toBe(5000);
    // the same server from both: the second host needs another port
    const clash = send(nat, 1, '192.168.1.11:5000', '203.0.113.9:3478').port;
    expect(clash).not.toBe(5000);
    // its next remote gets the external port of its newest flow, as Linux's find_appropriate_src finds it first
    const d = nat.outbound(2, addr('192.168.1.11:5000'), addr('203.0.113.50:19302'));
    expect(d.action === 'forward' && d.external.port).toBe(clash);
    expect(d.action === 'forward' && d.port).toBe('reused');
    // inbound packets find their own mapping by remote
    const a = nat.inbound(3, addr('192.0.2.1:5000'), addr('203.0.113.9:3478'));
    const b = nat.inbound(3, addr('192.0.2.1:5000'), addr('198.51.100.7:3478'));
    expect(a.action === 'forward' && `${a.internal.ip}`).toBe('192.168.1.10');
    expect(b.action === 'forward' && `${b.internal.ip}`).toBe('192.168.1.11');
    const stranger = nat.inbound(3, addr('192.0.2.1:5000'), addr('198.51.100.99:1'));
    expect(stranger.action === 'drop' && stranger.reason).toBe('filtered');
  });

  it('draws the same ports from the same seed and different ones from another (determinism)', () => {
    const run = (seed: number) => {
      const nat = makeNat({ mapping: 'address-and-port-dependent', portAssignment: 'random' }, { seed });
      return Array.from({ length: 10 }, (_, i) => send(nat, i, '192.168.1.10:5000', `203.0.113.9:${i + 1}`).port);
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });
});
