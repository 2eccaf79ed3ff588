// A DTLS handshake given up by its retransmission timer (rules/dtls-timeout.ts) on a real run: fail-dtls-blocked,
// where a DPI box (firewall preset block-dtls) drops every DTLS datagram after ICE succeeded through it.
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Firewall } from '../net/firewall/firewall.ts';
import { firewallPreset } from '../net/firewall/presets.ts';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { diagnose } from './diagnose.ts';

const at = (s: string): TransportAddress => ({ ip: s.split(':')[0]!, port: Number(s.split(':')[1]) });

describe('the block-dtls firewall preset', () => {
  it('drops UDP whose payload is DTLS by its first byte (RFC 7983 §7) and lets STUN and RTP on the same 5-tuple through', () => {
    const fw = new Firewall(firewallPreset('block-dtls'));
    const [a, b] = [at('203.0.113.10:5000'), at('203.0.113.20:6000')];
    for (const first of [20, 22, 23, 63]) expect(fw.decide(0, 'inbound', 'udp', b, a, undefined, first).action, `first byte ${first}`).toBe('drop');
    for (const first of [0, 1, 19, 64, 128, 191]) expect(fw.decide(0, 'inbound', 'udp', b, a, undefined, first).action, `first byte ${first}`).toBe('allow');
    // without a payload byte (an empty datagram) or on TCP the rule does not apply
    expect(fw.decide(0, 'outbound', 'udp', a, b).action).toBe('allow');
    expect(fw.decide(0, 'outbound', 'tcp', a, b, 0x02, 22).action).toBe('allow');
  });
});

describe('fail-dtls-blocked', () => {
  it('ICE succeeds through the box, then the ClientHello flight dies there 8 times and bob gives up: the finding says so', () => {
    const r = runScenario(parseScenario(listPresets().find((p) => p.name === 'fail-dtls-blocked')!.build()));
    const trace = r.trace;
    // ICE connected both ways: STUN passes the box
    for (const s of ['alice/webrtc-peer', 'bob/webrtc-peer']) expect(trace.notes.some((n) => n.source === s && n.kind === 'ice.selected')).toBe(true);
    const { findings } = diagnose(trace);
    expect(findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure dtls.timeout bob']);
    const f = findings[0]!;
    expect(f.facts).toMatchObject({ variant: 'flight', role: 'client', flight: 1, messages: 'ClientHello', retransmits: 7, copies: 8, dropKind: 'firewall', dropWhere: 'fwA', dropCount: 8, relayHost: 'alice' });
    expect(f.text).toMatch(/^bob's DTLS client gave up at 183\.\d+ s: its flight 1 \(ClientHello\) was sent at 0\.\d+ s and retransmitted 7 time\(s\).*all 8 copies were dropped at fwA \(firewall: firewall rule "drop-dtls"/);
    expect(f.fix).toMatch(/let DTLS .* through fwA, or give alice a TURN server over TLS on port 443/);
    // every hop it cites is a DTLS datagram of bob's dropped by the box; the notes are its flight and retransmissions
    expect(f.evidence.hops).toHaveLength(8);
    for (const h of f.evidence.hops) expect(trace.hops[h]!.drop).toMatch(/^fwA: firewall: firewall rule "drop-dtls"/);
    const kinds = f.evidence.notes.map((n) => trace.notes[n]!.kind);
    expect(kinds.filter((k) => k === 'dtls.flight.retransmit')).toHaveLength(7);
    expect(kinds).toContain('dtls.flight.sent');
    expect(kinds).toContain('dtls.state');
  }, 600_000);
});
