// TURN over TLS on port 443 (RFC 8656 §3.1, "turns:"): the call-turn-tls-443 preset, where alice's firewall lets out
// only TCP to ports 80 and 443.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

type Json = Record<string, unknown>;

describe('a call through TURN over TLS on 443 past a web-only firewall', () => {
  const r = runScenario(parseScenario(findPreset('call-turn-tls-443')!.build()));
  const ice = r.summary.ice as Record<string, Json>;
  const aliceNotes = r.trace.notes.filter((n) => n.source === 'alice/webrtc-peer');

  it('selects the relay alice reaches over TLS, and media flows both ways', () => {
    expect(ice.alice!.selectedPair).toMatchObject({ local: { type: 'relay', relayProtocol: 'tls' } });
    const srtp = r.summary.srtp as Record<string, Json>;
    expect(srtp['alice/webrtc-peer']!.rtpReceived).toBeGreaterThan(1000);
    expect(srtp['bob/webrtc-peer']!.rtpReceived).toBeGreaterThan(1000);
  });

  it('tries UDP, TCP to 3478 (its SYN dropped by the firewall) and TLS to 443 in one relay phase; only TLS opens', () => {
    const allocates = aliceNotes.filter((n) => n.kind === 'turn.allocate').map((n) => n.t);
    expect(allocates).toEqual([allocates[0]!, allocates[0]!, allocates[0]!]);
    expect(allocates[0]).toBe(aliceNotes.find((n) => n.kind === 'ice.allocation.phase' && n.data?.['phase'] === 'relay')!.t);
    const opened = aliceNotes.filter((n) => n.kind === 'turn.stream.open').map((n) => n.data);
    expect(opened).toEqual([expect.objectContaining({ remote: '198.51.100.10:443', transport: 'tls' })]);
    const syns3478 = r.trace.notes.filter((n) => n.source === 'fwA' && /→ 198\.51\.100\.10:3478/.test(n.text) && /tcp/i.test(n.text));
    expect(syns3478.length).toBeGreaterThan(0);
    expect(aliceNotes.filter((n) => n.kind === 'turn.allocated')).toHaveLength(1);
  });

  it('negotiates TLS 1.3 with the server and logs its secrets for Wireshark', () => {
    const client = r.trace.secrets.filter((s) => s.source === 'alice/webrtc-peer' && s.kind === 'nss-keylog').map((s) => s.text.split(' ')[0]);
    expect(client).toEqual(expect.arrayContaining(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']));
    const server = r.trace.notes.filter((n) => n.source === 'server/turn-server' && n.kind === 'turn.stream.open');
    expect(server.map((n) => n.data)).toEqual([expect.objectContaining({ local: '198.51.100.10:443', transport: 'tls' })]);
  });
});
