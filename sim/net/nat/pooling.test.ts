import { describe, expect, it } from 'vitest';
import { SECOND } from '../../core/time.ts';
import { natPreset } from './presets.ts';
import { addr, makeNat, send } from './test-helpers.ts';

/* RFC 4787 §4.1 address pooling, RFC 6888 port blocks and quotas, RFC 4787 §6 hairpinning. */
const POOL = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
const STUN = '203.0.113.9:3478';

describe('NAT address pooling', () => {
  it('keeps every mapping of one internal address on one external address with paired pooling (REQ-2)', () => {
    const nat = makeNat({ pooling: 'paired' }, { external: POOL });
    const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
    for (const h of hosts) for (const port of [5000, 5002, 5004]) send(nat, 0, `${h}:${port}`, STUN);
    const used = hosts.map((h) => [...new Set(nat.mappings().filter((m) => m.internal.ip === h).map((m) => m.external.ip))]);
    expect(used).toEqual([['192.0.2.1'], ['192.0.2.2'], ['192.0.2.3']]);
    expect(nat.pairingOf('10.0.0.2')).toBe('192.0.2.2');
  });

  it('spreads one host over several external addresses with arbitrary pooling', () => {
    const nat = makeNat({ pooling: 'arbitrary' }, { external: POOL });
    const ips = [5000, 5002, 5004].map((p) => send(nat, 0, `10.0.0.1:${p}`, STUN).ip);
    expect(ips).toEqual(POOL);
  });

  it('keeps the pairing while the host has mappings and forgets it when they all expire', () => {
    const nat = makeNat({ pooling: 'paired', mappingLifetime: 120 * SECOND }, { external: POOL });
    send(nat, 0, '10.0.0.1:5000', STUN);
    send(nat, 0, '10.0.0.2:5000', STUN);
    expect(nat.pairingOf('10.0.0.2')).toBe('192.0.2.2');
    send(nat, 60 * SECOND, '10.0.0.2:5002', STUN);
    expect(nat.pairingOf('10.0.0.2')).toBe('192.0.2.2');
    nat.expire(500 * SECOND);
    expect(nat.pairingOf('10.0.0.2')).toBeUndefined();
  });
});

describe('carrier-grade NAT port blocks (RFC 6888)', () => {
  const blocks = { portBlocks: { size: 4, maxPerSubscriber: 2 }, portRange: { min: 1024, max: 1039 }, portAssignment: 'sequential', portParity: false, pooling: 'paired' } as const;

  it('gives each subscriber its own block and takes ports from it', () => {
    const nat = makeNat(blocks);
    const a = [5000, 5001].map((p) => send(nat, 0, `100.64.0.1:${p}`, STUN).port);
    const b = [5000, 5001].map((p) => send(nat, 0, `100.64.0.2:${p}`, STUN).port);
    expect(a).toEqual([1024, 1025]);
    expect(b).toEqual([1028, 1029]);
    expect(nat.portBlocksOf('100.64.0.1')).toEqual([{ ip: '192.0.2.1', lo: 1024, hi: 1027 }]);
  });

  it('refuses a mapping beyond the subscriber quota with a reason, and keeps the existing ones (REQ-4, REQ-11)', () => {
    const nat = makeNat(blocks);
    for (let i = 0; i < 8; i++) send(nat, 0, `100.64.0.1:${5000 + i}`, STUN);
    expect(nat.portBlocksOf('100.64.0.1')).toHaveLength(2);
    const d = nat.outbound(1, addr('100.64.0.1:6000'), addr(STUN));
    expect(d.action === 'drop' && d.reason).toBe('quota-exhausted');
    expect(d.action === 'drop' && d.text).toContain('holds 2 of 2 port blocks of 4 ports');
    expect(nat.mappings()).toHaveLength(8);
    // another subscriber is not affected
    expect(send(nat, 1, '100.64.0.2:6000', STUN).port).toBe(1032);
  });

  it('reports port-space exhaustion when no free block is left on the address', () => {
    const nat = makeNat({ ...blocks, portBlocks: { size: 8, maxPerSubscriber: 1 } });
    send(nat, 0, '100.64.0.1:5000', STUN);
    send(nat, 0, '100.64.0.2:5000', STUN);
    const d = nat.outbound(0, addr('100.64.0.3:5000'), addr(STUN));
    expect(d.action === 'drop' && d.reason).toBe('port-space-exhausted');
  });

  it('returns a block once its last mapping expires', () => {
    const nat = makeNat({ ...blocks, mappingLifetime: 120 * SECOND });
    send(nat, 0, '100.64.0.1:5000', STUN);
    expect(nat.portBlocksOf('100.64.0.1')).toHaveLength(1);
    nat.expire(120 * SECOND);
    expect(nat.portBlocksOf('100.64.0.1')).toEqual([]);
    send(nat, 121 * SECOND, '100.64.0.2:5000', STUN);
    expect(nat.portBlocksOf('100.64.0.2')).toEqual([{ ip: '192.0.2.1', lo: 1024, hi: 1027 }]);
  });

  it('the cgnat preset pairs subscribers with addresses and draws random ports inside their blocks', () => {
    const nat = makeNat({}, { base: natPreset('cgnat'), external: ['192.0.2.1', '192.0.2.2'] });
    const a = send(nat, 0, '100.64.0.1:5000', STUN);
    const b = send(nat, 0, '100.64.0.2:5000', STUN);
    const a2 = send(nat, 0, '100.64.0.1:5002', STUN);
    expect([a.ip, b.ip, a2.ip]).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.1']);
    const [block] = nat.portBlocksOf('100.64.0.1');
    expect(block!.hi - block!.lo + 1).toBe(512);
    for (const p of [a.port, a2.port]) expect(p >= block!.lo && p <= block!.hi).toBe(true);
  });
});

describe('NAT hairpinning (RFC 4787 §6)', () => {
  // Two hosts behind the same NAT each learned their external address from a STUN server.
  const setup = (overrides: Parameters<typeof makeNat>[0]) => {
    const nat = makeNat(overrides);
    const ea = send(nat, 0, '192.168.1.10:5000', STUN);
    const eb = send(nat, 0, '192.168.1.11:6000', STUN);
    return { nat, ea, eb };
  };

  it('recognises its own external addresses', () => {
    const nat = makeNat({}, { external: POOL });
    expect(nat.isExternalAddress('192.0.2.2')).toBe(true);
    expect(nat.isExternalAddress('203.0.113.9')).toBe(false);
  });

  it('loops a packet to its own external address back inside, with the sender\'s external source (REQ-9b)', () => {
    const { nat, ea, eb } = setup({ filtering: 'endpoint-independent' });
    const d = nat.hairpin(1, addr('192.168.1.10:5000'), eb);
    expect(d.action).toBe('forward');
    if (d.action === 'forward') {
      expect(d.source).toEqual(ea);
      expect(d.destination).toEqual(addr('192.168.1.11:6000'));
      expect(d.note.kind).toBe('nat.hairpin');
    }
  });

  it('applies the destination mapping\'s filter to hairpinned packets', () => {
    const { nat, ea, eb } = setup({ filtering: 'address-and-port-dependent' });
    const first = nat.hairpin(1, addr('192.168.1.10:5000'), eb);
    expect(first.action === 'drop' && first.reason).toBe('filtered');
    // once B has sent to A's external address, A's packets get through
    expect(nat.hairpin(2, addr('192.168.1.11:6000'), ea).action).toBe('forward');
    expect(nat.hairpin(3, addr('192.168.1.10:5000'), eb).action).toBe('forward');
  });

  it('drops the packet when hairpinning is off', () => {
    const { nat, eb } = setup({ hairpinning: false, filtering: 'endpoint-independent' });
    const d = nat.hairpin(1, addr('192.168.1.10:5000'), eb);
    expect(d.action === 'drop' && d.reason).toBe('hairpinning-disabled');
  });
});
