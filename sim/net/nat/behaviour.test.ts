import { describe, expect, it } from 'vitest';
import type { NatBehaviour } from './config.ts';
import { addr, makeNat, send, text } from './test-helpers.ts';

/*
 * RFC 4787 §4.1 and §5, every mapping x filtering combination. A host 192.168.1.10:5000 talks to a STUN server
 * R1 = 203.0.113.9:3478, then to a second remote R2 = 198.51.100.7:3478. Then strangers try to reach the external
 * address R1 saw: R1 itself, R1's address from another port, R2, and R3 that was never contacted.
 */
const HOST = '192.168.1.10:5000';
const R1 = '203.0.113.9:3478';
const R1_OTHER_PORT = '203.0.113.9:3479';
const R2 = '198.51.100.7:3478';
const R3 = '198.51.100.99:4000';

const EI: NatBehaviour = 'endpoint-independent';
const AD: NatBehaviour = 'address-dependent';
const APD: NatBehaviour = 'address-and-port-dependent';

// [mapping, filtering, R2 sees the same external port, R1's other port gets in, R2 gets in, R3 gets in]
const MATRIX: [NatBehaviour, NatBehaviour, boolean, boolean, boolean, boolean][] = [
  [EI, EI, true, true, true, true],
  [EI, AD, true, true, true, false],
  [EI, APD, true, false, true, false],
  [AD, EI, false, true, true, true],
  [AD, AD, false, true, false, false],
  [AD, APD, false, false, false, false],
  [APD, EI, false, true, true, true],
  [APD, AD, false, true, false, false],
  [APD, APD, false, false, false, false],
];

describe('NAT mapping x filtering behaviour (RFC 4787)', () => {
  it.each(MATRIX)('%s mapping with %s filtering', (mapping, filtering, sameForR2, r1OtherIn, r2In, r3In) => {
    const nat = makeNat({ mapping, filtering });
    const e1 = send(nat, 0, HOST, R1);
    const e2 = send(nat, 1000, HOST, R2);
    expect(text(e2) === text(e1)).toBe(sameForR2);

    const reach = (from: string) => nat.inbound(2000, e1, addr(from));
    const back = reach(R1);
    expect(back.action).toBe('forward');
    if (back.action === 'forward') expect(text(back.internal)).toBe(HOST);
    expect(reach(R1_OTHER_PORT).action === 'forward').toBe(r1OtherIn);
    expect(reach(R2).action === 'forward').toBe(r2In);
    expect(reach(R3).action === 'forward').toBe(r3In);
  });

  it('endpoint-independent mapping gives one external port to every remote', () => {
    const nat = makeNat({ mapping: EI });
    const ports = [R1, R1_OTHER_PORT, R2].map((r, i) => send(nat, i, HOST, r).port);
    expect(new Set(ports).size).toBe(1);
    expect(nat.mappings()).toHaveLength(1);
  });

  it('address-dependent mapping reuses the external port for another port of the same remote address only', () => {
    const nat = makeNat({ mapping: AD });
    const [a, b, c] = [R1, R1_OTHER_PORT, R2].map((r, i) => send(nat, i, HOST, r).port);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(nat.mappings()).toHaveLength(2);
  });

  it('address-and-port-dependent mapping gives every remote endpoint its own external port', () => {
    const nat = makeNat({ mapping: APD });
    const ports = [R1, R1_OTHER_PORT, R2].map((r, i) => send(nat, i, HOST, r).port);
    expect(new Set(ports).size).toBe(3);
    expect(nat.mappings().map((m) => m.boundTo)).toEqual([R1, R1_OTHER_PORT, R2]);
  });

  it('names the filtering rule and the missing outbound packet when it drops', () => {
    const apdf = makeNat({ filtering: APD });
    const e = send(apdf, 0, HOST, R1);
    const d = apdf.inbound(1, e, addr(R1_OTHER_PORT));
    expect(d.action).toBe('drop');
    if (d.action === 'drop') {
      expect(d.reason).toBe('filtered');
      expect(d.text).toBe('address-and-port-dependent filtering: no outbound packet from 192.168.1.10:5000 to 203.0.113.9:3479 was seen');
      expect(d.note.kind).toBe('nat.filtered');
    }
    const adf = makeNat({ filtering: AD });
    const e2 = send(adf, 0, HOST, R1);
    const d2 = adf.inbound(1, e2, addr(R2));
    expect(d2.action === 'drop' && d2.text).toBe('address-dependent filtering: no outbound packet from 192.168.1.10:5000 to 198.51.100.7 was seen');
  });

  it('drops a packet to an external port no mapping uses as "no mapping"', () => {
    const nat = makeNat({ filtering: EI });
    send(nat, 0, HOST, R1);
    const d = nat.inbound(1, addr('192.0.2.1:40000'), addr(R1));
    expect(d.action === 'drop' && d.reason).toBe('no-mapping');
    expect(d.action === 'drop' && d.note.kind).toBe('nat.no-mapping');
  });

  it('reports a created mapping, then refreshes it, with note facts for the trace', () => {
    const nat = makeNat();
    const first = nat.outbound(0, addr(HOST), addr(R1));
    const second = nat.outbound(5, addr(HOST), addr(R1));
    expect(first.action === 'forward' && first.event).toBe('created');
    expect(first.action === 'forward' && first.port).toBe('preserved');
    expect(first.action === 'forward' && first.note.kind).toBe('nat.mapping.created');
    expect(first.action === 'forward' && first.note.kind === 'nat.mapping.created' && first.note.data.external).toBe('192.0.2.1:5000');
    expect(second.action === 'forward' && second.event).toBe('refreshed');
    expect(second.action === 'forward' && second.note.kind).toBe('nat.mapping.refreshed');
  });
});
