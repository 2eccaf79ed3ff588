// Static 1:1 bindings (RFC 2663 §3.1, Basic NAT in RFC 3022 §2.1): the decision table, the configuration checks,
// and a NAT node with one binding moving real datagrams: a stranger reaches the bound host on any port with nothing
// sent first, its answers leave with the outside address and the same port, ICMP Echo passes both ways, and an
// unbound host still gets a dynamic mapping on the outside address left over.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/parse.ts';
import { runScenario } from '../../scenario/run.ts';
import { peekUdpDatagram } from '../../wire/ip/udp-datagram.ts';
import { parseNatSpec } from './parse.ts';
import { StaticBindings } from './static.ts';

describe('StaticBindings.decide', () => {
  const s = new StaticBindings([{ internal: '10.0.0.10', external: '198.51.100.30' }, { internal: '10.0.0.11', external: '198.51.100.31' }]);
  it('in: the outside address becomes the inside one; out: the inside source becomes the outside one; ports are never named', () => {
    expect(s.decide(true, '203.0.113.5', '198.51.100.30')).toMatchObject({ action: 'forward', change: { dst: '10.0.0.10' }, direction: 'in' });
    expect(s.decide(false, '10.0.0.11', '203.0.113.5')).toMatchObject({ action: 'forward', change: { src: '198.51.100.31' }, direction: 'out' });
  });
  it('hairpin between two bound hosts: both addresses translated (RFC 4787 REQ-9b); from an unbound host it is refused with a reason', () => {
    expect(s.decide(false, '10.0.0.11', '198.51.100.30')).toMatchObject({ action: 'forward', change: { src: '198.51.100.31', dst: '10.0.0.10' }, direction: 'hairpin' });
    expect(s.decide(false, '10.0.0.99', '198.51.100.30')).toMatchObject({ action: 'drop' });
  });
  it('no binding concerned: undefined, the dynamic tables decide', () => {
    expect(s.decide(true, '203.0.113.5', '198.51.100.99')).toBeUndefined();
    expect(s.decide(false, '10.0.0.99', '203.0.113.5')).toBeUndefined();
  });
});

describe('staticBindings in a NAT configuration', () => {
  it('parses over any preset, and names the bad entry: not an address, or an address bound twice', () => {
    const ok = parseNatSpec({ preset: 'port-restricted-cone', staticBindings: [{ internal: '10.0.0.10', external: '198.51.100.30' }] });
    expect(ok.ok && ok.config?.staticBindings).toEqual([{ internal: '10.0.0.10', external: '198.51.100.30' }]);
    const bad = parseNatSpec({ staticBindings: [{ internal: '10.0.0.300', external: '198.51.100.30' }, { internal: '10.0.0.11', external: '198.51.100.30' }] });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toEqual(['nat.staticBindings.0.internal: expected an IP address, got "10.0.0.300"', 'nat.staticBindings.1.external: 198.51.100.30 is bound twice (a 1:1 binding is one address each side)']);
  });

  it("a scenario's binding must use one of the NAT node's external addresses", () => {
    expect(() => parseScenario(scenario({ external: ['198.51.100.30'], bindings: [{ internal: '10.0.0.10', external: '198.51.100.99' }] }))).toThrow(/nodes\.cloud\.nat\.staticBindings\.0\.external: 198\.51\.100\.99 is not one of the NAT's external addresses/);
  });
});

function scenario(o: { external: string[]; bindings: { internal: string; external: string }[] }): unknown {
  return {
    name: 'static-nat', seed: 1, duration: '3s',
    nodes: {
      internet: { kind: 'router' },
      outside: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.5/24'], link: { delay: '5ms' } },
      cloud: { kind: 'nat', uplink: 'internet', internal: '10.0.0.1/24', external: o.external, nat: { staticBindings: o.bindings }, link: { delay: '4ms' } },
      vm: { kind: 'host', uplink: 'cloud', addresses: ['10.0.0.10/24'], link: { delay: '1ms' } },
      other: { kind: 'host', uplink: 'cloud', addresses: ['10.0.0.20/24'], link: { delay: '1ms' } },
    },
    apps: [
      { kind: 'udp-echo', host: 'vm', listen: ['10.0.0.10:7000', '10.0.0.10:45123'] },
      { kind: 'udp-echo', host: 'outside', listen: ['203.0.113.5:3478'] },
      // a stranger that the VM never sent to reaches it on two ports, with nothing sent first
      { kind: 'udp-probe', host: 'outside', bind: '203.0.113.5:5000', send: [{ at: '100ms', to: '198.51.100.30:7000' }, { at: '200ms', to: '198.51.100.30:45123' }] },
      { kind: 'udp-probe', host: 'other', bind: '10.0.0.20:6000', send: [{ at: '300ms', to: '203.0.113.5:3478' }] },
      { kind: 'ping', host: 'outside', to: '198.51.100.30', count: 2, interval: '100ms', at: '500ms' },
    ],
  };
}

describe('a NAT node with a 1:1 binding and an address left for dynamic mappings', () => {
  const r = runScenario(parseScenario(scenario({ external: ['198.51.100.30', '198.51.100.40'], bindings: [{ internal: '10.0.0.10', external: '198.51.100.30' }] })));
  const udp = (link: string): string[] =>
    r.trace.hops.filter((h) => h.link === link && !h.drop).flatMap((h) => {
      const v = peekUdpDatagram(h.bytes);
      return 'error' in v ? [] : [`${v.src}:${v.srcPort} > ${v.dst}:${v.dstPort}`];
    });

  it('lets a stranger in on any port with nothing sent first, and sends the answers out as the outside address with the same ports', () => {
    const wan = udp('cloud-wan');
    expect(wan).toContain('203.0.113.5:5000 > 198.51.100.30:7000');
    expect(wan).toContain('198.51.100.30:7000 > 203.0.113.5:5000');
    expect(wan).toContain('198.51.100.30:45123 > 203.0.113.5:5000');
    const lan = udp('vm-lan');
    expect(lan).toContain('203.0.113.5:5000 > 10.0.0.10:7000');
    expect(lan).toContain('10.0.0.10:45123 > 203.0.113.5:5000');
    expect(r.trace.hops.filter((h) => h.drop).map((h) => h.drop)).toEqual([]);
  });

  it('an unbound host gets a dynamic mapping on the address the binding left (RFC 4787 rules), never the bound one', () => {
    const out = udp('cloud-wan').filter((x) => x.endsWith('> 203.0.113.5:3478'));
    expect(out).toEqual(['198.51.100.40:6000 > 203.0.113.5:3478']);
  });

  it("ping to the outside address is answered by the VM (ICMP Echo passes both ways), and the notes name each binding's first datagram", () => {
    const ping = (r.summary.apps as { kind: string; received?: number }[]).find((a) => a.kind === 'ping') as Record<string, unknown>;
    expect(JSON.stringify(ping)).toMatch(/"received":2/);
    const notes = r.trace.notes.filter((n) => n.kind === 'nat.static').map((n) => `${String(n.data!.direction)} ${String(n.data!.protocol)}`);
    expect(notes).toEqual(['in udp', 'out udp', 'in icmp', 'out icmp']);
    const config = r.trace.notes.find((n) => n.kind === 'nat.config')!;
    expect(config.text).toContain('static 1:1 10.0.0.10 ⇄ 198.51.100.30');
    expect(config.data).toMatchObject({ staticBindings: [{ internal: '10.0.0.10', external: '198.51.100.30' }] });
  });
});

describe('every outside address bound', () => {
  it('an unbound inside host is refused with a reason naming it', () => {
    const r = runScenario(parseScenario(scenario({ external: ['198.51.100.30'], bindings: [{ internal: '10.0.0.10', external: '198.51.100.30' }] })));
    const drops = r.trace.hops.filter((h) => h.drop).map((h) => h.drop);
    expect(drops).toEqual(['cloud: NAT 1:1: 10.0.0.20 has no static binding, and every external address is bound 1:1 (none left for dynamic mappings)']);
  });
});
