import { describe, expect, it } from 'vitest';
import { SECOND } from '../../core/time.ts';
import { addr, makeNat, send } from './test-helpers.ts';

/* RFC 4787 §4.3: mapping lifetime (REQ-5) and refresh direction (REQ-6). */
const HOST = '192.168.1.10:5000';
const PEER = '203.0.113.9:3478';

describe('NAT mapping lifetime and refresh', () => {
  it('expires a mapping exactly one lifetime after its last outbound packet', () => {
    const nat = makeNat({ mappingLifetime: 300 * SECOND });
    const e = send(nat, 0, HOST, PEER);
    expect(nat.nextExpiry()).toBe(300 * SECOND);
    expect(nat.expire(300 * SECOND - 1)).toEqual([]);
    const gone = nat.expire(300 * SECOND);
    expect(gone).toHaveLength(1);
    expect(gone[0]!.note.kind).toBe('nat.mapping.expired');
    expect(gone[0]!.note.text).toContain('expired after 300s');
    expect(nat.mappings()).toEqual([]);
    expect(nat.nextExpiry()).toBeUndefined();
    const late = nat.inbound(301 * SECOND, e, addr(PEER));
    expect(late.action === 'drop' && late.reason).toBe('no-mapping');
  });

  it('keeps a mapping alive while the inside keeps sending (outbound refresh, REQ-6)', () => {
    const nat = makeNat({ mappingLifetime: 120 * SECOND });
    const e = send(nat, 0, HOST, PEER);
    for (let t = 100; t <= 1000; t += 100) expect(send(nat, t * SECOND, HOST, PEER)).toEqual(e);
    expect(nat.expire(1100 * SECOND)).toEqual([]);
    expect(nat.nextExpiry()).toBe(1120 * SECOND);
    expect(nat.mappings()[0]!.lastRefresh).toBe(1000 * SECOND);
  });

  it('lets inbound packets refresh the mapping only when inbound refresh is on (REQ-6a)', () => {
    for (const inboundRefresh of [false, true]) {
      const nat = makeNat({ mappingLifetime: 120 * SECOND, inboundRefresh });
      const e = send(nat, 0, HOST, PEER);
      const d = nat.inbound(100 * SECOND, e, addr(PEER));
      expect(d.action === 'forward' && d.refreshed).toBe(inboundRefresh);
      expect(nat.expire(150 * SECOND)).toHaveLength(inboundRefresh ? 0 : 1);
      expect(nat.expire(220 * SECOND)).toHaveLength(inboundRefresh ? 1 : 0);
    }
  });

  it('does not let a filtered packet refresh the mapping', () => {
    const nat = makeNat({ mappingLifetime: 120 * SECOND, inboundRefresh: true, filtering: 'address-and-port-dependent' });
    const e = send(nat, 0, HOST, PEER);
    expect(nat.inbound(100 * SECOND, e, addr('198.51.100.7:1')).action).toBe('drop');
    expect(nat.expire(120 * SECOND)).toHaveLength(1);
  });

  it('uses the short unreplied lifetime until the first inbound packet, then the full one', () => {
    const nat = makeNat({ mappingLifetime: 120 * SECOND, unrepliedLifetime: 30 * SECOND, inboundRefresh: true });
    send(nat, 0, HOST, PEER);
    expect(nat.nextExpiry()).toBe(30 * SECOND);
    expect(nat.expire(30 * SECOND)).toHaveLength(1);
    const e = send(nat, 40 * SECOND, HOST, PEER);
    nat.inbound(41 * SECOND, e, addr(PEER));
    expect(nat.nextExpiry()).toBe(161 * SECOND);
    send(nat, 100 * SECOND, HOST, PEER);
    expect(nat.nextExpiry()).toBe(220 * SECOND);
  });

  it('reports mappings that expired in between with the next decision, oldest first', () => {
    const nat = makeNat({ mapping: 'address-and-port-dependent', mappingLifetime: 120 * SECOND });
    send(nat, 0, HOST, '203.0.113.9:1');
    send(nat, 10 * SECOND, HOST, '203.0.113.9:2');
    const d = nat.outbound(500 * SECOND, addr(HOST), addr('203.0.113.9:3'));
    expect(d.expired.map((x) => x.mapping.boundTo)).toEqual(['203.0.113.9:1', '203.0.113.9:2']);
    expect(d.expired.map((x) => x.mapping.expires)).toEqual([120 * SECOND, 130 * SECOND]);
  });

  it('shows the filter set of each mapping for the NAT table view', () => {
    const nat = makeNat({ mappingLifetime: 300 * SECOND });
    send(nat, 0, HOST, PEER);
    send(nat, 5 * SECOND, HOST, '198.51.100.7:3478');
    send(nat, 7 * SECOND, HOST, PEER);
    const [m] = nat.mappings();
    expect(m).toMatchObject({ internal: addr(HOST), external: addr('192.0.2.1:5000'), created: 0, lastRefresh: 7 * SECOND, expires: 307 * SECOND });
    expect(m!.remotes).toEqual([
      { remote: addr(PEER), firstSeen: 0, lastSeen: 7 * SECOND },
      { remote: addr('198.51.100.7:3478'), firstSeen: 5 * SECOND, lastSeen: 5 * SECOND },
    ]);
  });
});
