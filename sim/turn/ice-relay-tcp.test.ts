// ICE over a TURN relay reached by TCP: the call-turn-tcp preset, where alice's firewall drops every UDP datagram.
import { describe, expect, it } from 'vitest';
import { candidatePriority, relayLocalPreference } from '../ice/candidate.ts';
import { RELAY_TYPE_PREFERENCE } from '../ice/libwebrtc.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

type Json = Record<string, unknown>;

describe('a call through TURN over TCP when UDP is blocked', () => {
  const r = runScenario(parseScenario(findPreset('call-turn-tcp')!.build()));
  const ice = r.summary.ice as Record<string, Json>;

  it('selects the relayed candidate alice reaches over TCP, and media flows both ways', () => {
    expect(ice.alice!.selectedPair).toMatchObject({ local: { type: 'relay', protocol: 'udp', relayProtocol: 'tcp' } });
    expect(ice.bob!.state).toBe('completed');
    const srtp = r.summary.srtp as Record<string, Json>;
    expect(srtp['alice/webrtc-peer']!.rtpReceived).toBeGreaterThan(1000);
    expect(srtp['bob/webrtc-peer']!.rtpReceived).toBeGreaterThan(1000);
  });

  it('allocates on the UDP and the TCP server together in the relay phase, 50 ms after the UDP phase; only the TCP allocation succeeds', () => {
    const alice = r.trace.notes.filter((n) => n.source === 'alice/webrtc-peer');
    const allocates = alice.filter((n) => n.kind === 'turn.allocate');
    // AllocationSequence::CreateRelayPorts makes a TurnPort per TURN URL at once
    const relayPhase = alice.find((n) => n.kind === 'ice.allocation.phase' && (n.data as Json).phase === 'relay')!;
    const udpPhase = alice.find((n) => n.kind === 'ice.allocation.phase' && (n.data as Json).phase === 'udp')!;
    expect(relayPhase.t - udpPhase.t).toBe(50_000);
    expect(allocates.map((n) => n.t)).toEqual([relayPhase.t, relayPhase.t]);
    const open = r.trace.notes.find((n) => n.kind === 'turn.stream.open' && n.source === 'alice/webrtc-peer')!;
    expect(open.data).toMatchObject({ remote: '198.51.100.10:3478', transport: 'tcp' });
    expect(alice.filter((n) => n.kind === 'turn.allocated')).toHaveLength(1);
    // the UDP Allocate is retransmitted into the firewall (RFC 8489 §6.2.1), never answered
    const retransmits = r.trace.notes.filter((n) => n.kind === 'stun.retransmit' && n.source === 'alice/webrtc-peer' && n.text.startsWith('Allocate'));
    expect(retransmits.length).toBeGreaterThan(3);
  });

  it("gives the TCP-reached relay libwebrtc's type preference 1 (UDP 2, TLS 0) and, as the last TURN URL, relay preference 0", () => {
    const relay = r.trace.notes.find((n) => n.kind === 'ice.candidate.gathered' && n.source === 'alice/webrtc-peer' && (n.data as Json).type === 'relay')!;
    // the local preference of her host candidate's network (an IPv4 relayed address has the same precedence, 30)
    const host = r.trace.notes.find((n) => n.kind === 'ice.candidate.gathered' && n.source === 'alice/webrtc-peer' && (n.data as Json).type === 'host')!;
    const hostLp = (((host.data as Json).priority as number) >>> 8) & 0xffff;
    expect((relay.data as Json).priority).toBe(candidatePriority(RELAY_TYPE_PREFERENCE.tcp, hostLp, 1));
    expect((relay.data as Json).candidate).toMatch(/ typ relay raddr .* network-id 1$/);
    // an agent without ranked networks (RFC 8445 §5.1.2.1) keeps type preference 0 and tells relays apart by local preference
    expect(relayLocalPreference(65535, 'udp')).toBeGreaterThan(relayLocalPreference(65535, 'tcp'));
    expect(relayLocalPreference(65535, 'tcp')).toBeGreaterThan(relayLocalPreference(65535, 'tls'));
    // an IPv6 base still outranks an IPv4 one whatever the relay protocol
    expect(relayLocalPreference(65535, 'tls')).toBeGreaterThan(relayLocalPreference(32767, 'udp'));
  });

  it('carries DTLS and SRTP on the TCP connection as ChannelData, with no UDP between alice and her firewall', () => {
    const aliceLink = r.trace.hops.filter((h) => h.from === 'alice' || h.to === 'alice');
    const udpOut = aliceLink.filter((h) => h.bytes[9] === 17 && h.from === 'alice');
    expect(aliceLink.filter((h) => h.bytes[9] === 6).length).toBeGreaterThan(500);
    // UDP from alice is sent (host candidate checks, the UDP Allocate) but never gets past the firewall
    expect(r.trace.hops.filter((h) => h.from === 'fwA' && h.bytes[9] === 17)).toEqual([]);
    expect(udpOut.length).toBeGreaterThan(0);
  });
});
