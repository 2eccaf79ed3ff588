import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../core/endpoint.ts';
import { SECOND } from '../../core/time.ts';
import { Firewall } from './firewall.ts';
import { firewallPolicyFromPreset } from './policy.ts';
import { firewallPreset, parseFirewallSpec } from './presets.ts';

const a = (text: string): TransportAddress => {
  const i = text.lastIndexOf(':');
  return { ip: text.slice(0, i), port: Number(text.slice(i + 1)) };
};
const HOST = '192.168.1.10:5000';
const STUN = '203.0.113.9:3478';
const WEB = '203.0.113.80:443';

describe('firewall presets', () => {
  it('allow-all lets everything through, both ways', () => {
    const fw = new Firewall(firewallPreset('allow-all'));
    expect(fw.decide(0, 'outbound', 'udp', a(HOST), a(STUN)).action).toBe('allow');
    expect(fw.decide(0, 'inbound', 'udp', a('198.51.100.7:1'), a(HOST)).action).toBe('allow');
    expect(fw.decide(0, 'inbound', 'tcp', a('198.51.100.7:1'), a(HOST)).action).toBe('allow');
  });

  it('block-udp drops UDP both ways and names the rule, but lets TCP through', () => {
    const fw = new Firewall(firewallPreset('block-udp'));
    const out = fw.decide(0, 'outbound', 'udp', a(HOST), a(STUN));
    expect(out.action).toBe('drop');
    if (out.action === 'drop') {
      expect(out.rule).toBe('drop-udp');
      expect(out.reason).toBe('firewall rule "drop-udp" (drop all UDP both ways): udp 192.168.1.10:5000 → 203.0.113.9:3478 (outbound, new)');
      expect(out.note.kind).toBe('firewall.drop');
    }
    expect(fw.decide(0, 'inbound', 'udp', a(STUN), a(HOST)).action).toBe('drop');
    expect(fw.decide(0, 'outbound', 'tcp', a(HOST), a(STUN)).action).toBe('allow');
  });

  it('allow-outbound-tcp-web-only admits TCP to 80 and 443 and its replies, nothing else', () => {
    const fw = new Firewall(firewallPreset('allow-outbound-tcp-web-only'));
    const open = fw.decide(0, 'outbound', 'tcp', a(HOST), a(WEB));
    expect(open.action === 'allow' && open.rule).toBe('allow-outbound-web');
    expect(open.action === 'allow' && open.note?.kind).toBe('firewall.flow.created');
    const reply = fw.decide(1, 'inbound', 'tcp', a(WEB), a(HOST));
    expect(reply.action === 'allow' && reply.rule).toBe('allow-established-tcp');
    expect(fw.decide(0, 'outbound', 'tcp', a(HOST), a('203.0.113.80:80')).action).toBe('allow');
    const other = fw.decide(0, 'outbound', 'tcp', a(HOST), a('203.0.113.80:3478'));
    expect(other.action === 'drop' && other.reason).toMatch(/^firewall default policy drop: no rule allows it: tcp/);
    expect(fw.decide(0, 'outbound', 'udp', a(HOST), a('203.0.113.80:443')).action).toBe('drop');
    // a TCP packet from outside that pretends to come from port 443 is not a reply to anything
    expect(fw.decide(0, 'inbound', 'tcp', a('198.51.100.7:443'), a(HOST)).action).toBe('drop');
  });

  it('drop-all-inbound passes only replies to flows started inside', () => {
    const fw = new Firewall(firewallPreset('drop-all-inbound'));
    const cold = fw.decide(0, 'inbound', 'udp', a(STUN), a(HOST));
    expect(cold.action === 'drop' && cold.rule).toBe('drop-inbound');
    expect(cold.action === 'drop' && cold.reason).toContain('unsolicited inbound traffic');
    expect(fw.decide(1, 'outbound', 'udp', a(HOST), a(STUN)).action).toBe('allow');
    const reply = fw.decide(2, 'inbound', 'udp', a(STUN), a(HOST));
    expect(reply.action === 'allow' && reply.state).toBe('established');
    // another remote port of the same server is a different flow
    expect(fw.decide(3, 'inbound', 'udp', a('203.0.113.9:3479'), a(HOST)).action).toBe('drop');
  });
});

describe('firewall connection tracking', () => {
  it('forgets an unanswered UDP flow after its timeout, and an answered one after the longer timeout', () => {
    const fw = new Firewall(firewallPreset('drop-all-inbound'));
    fw.decide(0, 'outbound', 'udp', a(HOST), a(STUN));
    expect(fw.nextExpiry()).toBe(30 * SECOND);
    const late = fw.decide(30 * SECOND, 'inbound', 'udp', a(STUN), a(HOST));
    expect(late.action).toBe('drop');
    expect(late.expired).toHaveLength(1);
    expect(late.expired[0]!.note.kind).toBe('firewall.flow.expired');

    fw.decide(40 * SECOND, 'outbound', 'udp', a(HOST), a(STUN));
    fw.decide(41 * SECOND, 'inbound', 'udp', a(STUN), a(HOST));
    expect(fw.connections()[0]).toMatchObject({ replied: true, expires: 161 * SECOND, direction: 'outbound' });
    expect(fw.decide(160 * SECOND, 'inbound', 'udp', a(STUN), a(HOST)).action).toBe('allow');
    expect(fw.expire(279 * SECOND)).toHaveLength(0);
    expect(fw.expire(280 * SECOND)).toHaveLength(1);
    expect(fw.connections()).toEqual([]);
  });

  it('keeps a TCP flow for the RFC 5382 established idle timeout of 2 h 4 min', () => {
    const fw = new Firewall(firewallPreset('allow-outbound-tcp-web-only'));
    fw.decide(0, 'outbound', 'tcp', a(HOST), a(WEB));
    expect(fw.nextExpiry()).toBe(7440 * SECOND);
  });

  it('reads presets, custom rules and timeouts from a scenario, naming bad fields', () => {
    const r = parseFirewallSpec({ preset: 'drop-all-inbound', timeouts: { udp: '10s' } });
    expect(r.ok && r.config.timeouts.udp).toBe(10 * SECOND);
    const custom = parseFirewallSpec({
      defaultAction: 'allow',
      rules: [{ name: 'no-stun-from-lan', action: 'drop', proto: 'udp', src: { prefix: '192.168.1.0/24' }, dst: { ports: [3478] } }],
    });
    expect(custom.ok).toBe(true);
    if (custom.ok) {
      const fw = new Firewall(custom.config);
      expect(fw.decide(0, 'outbound', 'udp', a(HOST), a(STUN)).action).toBe('drop');
      expect(fw.decide(0, 'outbound', 'udp', a('10.0.0.1:5000'), a(STUN)).action).toBe('allow');
    }
    const bad = parseFirewallSpec({ rules: [{ name: 'x', action: 'reject', src: { prefix: '10.0.0.0/40' } }] }, 'topology.fw');
    expect(bad.ok === false && bad.errors).toEqual([
      'topology.fw.rules[0].action: expected "allow" or "drop", got "reject"',
      'topology.fw.rules[0].src.prefix: expected an address or prefix like "10.0.0.0/8", got "10.0.0.0/40"',
    ]);
    expect(parseFirewallSpec('moat').ok).toBe(false);
  });
});

describe('firewall as a node policy', () => {
  it('answers allow or deny-with-reason, and lets non-UDP/TCP traffic match only protocol-free rules', () => {
    const p = firewallPolicyFromPreset('block-udp');
    expect(p.decide(0, 'outbound', 'udp', a(HOST), a(STUN))).toEqual({
      allow: false,
      reason: 'firewall rule "drop-udp" (drop all UDP both ways): udp 192.168.1.10:5000 → 203.0.113.9:3478 (outbound, new)',
    });
    expect(p.decide(0, 'outbound', 'other', a('192.168.1.10:0'), a('203.0.113.9:0'))).toEqual({ allow: true });
    const inbound = firewallPolicyFromPreset('drop-all-inbound');
    expect(inbound.decide(0, 'inbound', 'other', a('203.0.113.9:0'), a('192.168.1.10:0')).allow).toBe(false);
  });
});
