// The data channel presets end to end on the simulated network: what each shows, pinned by its numbers.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

type Channel = { label: string; state: string; messagesSent: number; messagesReceived: number; bytesReceived: number };
type Side = { state: string; dataChannelsOpened: number; dataChannelsClosed: number; retransmissions: number; abandoned: number; channels: Channel[] };
const run = (name: string) => runScenario(parseScenario(findPreset(name)!.build()));

describe('data channel presets', () => {
  it('datachannel-p2p: three channels open on both sides, every message arrives, "chat" ends closed both ways', () => {
    const r = run('datachannel-p2p');
    const dc = r.summary.datachannels as Record<string, Side>;
    const a = dc['alice/webrtc-peer']!;
    const b = dc['bob/webrtc-peer']!;
    expect([a.state, b.state, a.dataChannelsOpened, b.dataChannelsOpened, a.retransmissions, b.retransmissions]).toEqual(['established', 'established', 3, 3, 0, 0]);
    for (const c of a.channels) {
      const peer = b.channels.find((x) => x.label === c.label)!;
      expect([c.label, c.messagesSent, c.messagesReceived]).toEqual([c.label, peer.messagesReceived, peer.messagesSent]);
    }
    expect(b.channels.find((c) => c.label === 'chat')!.state).toBe('closed');
    expect(a.channels.find((c) => c.label === 'chat')!.state).toBe('closed');
    expect(a.channels.find((c) => c.label === 'files')!.bytesReceived).toBe(20000);
    const kinds = new Set(r.trace.notes.map((n) => n.kind));
    for (const k of ['sctp.state', 'datachannel.open', 'datachannel.state', 'sctp.stream.reset']) expect(kinds).toContain(k);
  });

  it('datachannel-lossy: the reliable channel gets all 40 through retransmissions and head-of-line waits; the max-retransmits=0 one drops what was lost', () => {
    const r = run('datachannel-lossy');
    const dc = r.summary.datachannels as Record<string, Side>;
    const a = dc['alice/webrtc-peer']!;
    const b = dc['bob/webrtc-peer']!;
    const bobChat = b.channels.find((c) => c.label === 'chat')!;
    const bobTelemetry = b.channels.find((c) => c.label === 'telemetry')!;
    expect(bobChat.messagesReceived).toBe(40);
    expect(bobTelemetry.messagesReceived).toBeLessThan(40);
    expect(bobTelemetry.messagesReceived + a.abandoned).toBe(40);
    expect(a.retransmissions).toBeGreaterThan(0);
    const notes = (kind: string) => r.trace.notes.filter((n) => n.kind === kind);
    expect(notes('sctp.retransmit').length).toBeGreaterThan(0);
    expect(notes('sctp.abandoned').length).toBe(a.abandoned);
    expect(notes('sctp.forward-tsn').length).toBeGreaterThan(0);
    expect(notes('sctp.hol.blocked').length).toBeGreaterThan(0);
    expect(notes('sctp.hol.released').length).toBeGreaterThan(0);
  });

  it('datachannel-dtls13: webrtc-peers with versions ["1.3", "1.2"] key SRTP and carry SCTP over DTLS 1.3 with the hybrid', () => {
    const r = run('datachannel-dtls13');
    const dtls = r.summary.dtls as Record<string, { role: string; state: string; version: string; group: string; fingerprintVerified: boolean }>;
    for (const [source, role] of [['alice/webrtc-peer', 'server'], ['bob/webrtc-peer', 'client']] as const) {
      expect(dtls[source]).toMatchObject({ role, state: 'connected', version: 'DTLS 1.3', group: 'X25519MLKEM768', fingerprintVerified: true });
    }
    const dc = r.summary.datachannels as Record<string, Side>;
    const a = dc['alice/webrtc-peer']!.channels.find((c) => c.label === 'chat')!;
    const b = dc['bob/webrtc-peer']!.channels.find((c) => c.label === 'chat')!;
    expect([a.messagesSent, a.messagesReceived, b.messagesSent, b.messagesReceived]).toEqual([3, 2, 2, 3]);
    const srtp = r.summary.srtp as Record<string, { keyed: boolean; rtpReceived: number; failures: Record<string, number> }>;
    for (const s of Object.values(srtp)) expect([s.keyed, s.rtpReceived > 200, Object.keys(s.failures)]).toEqual([true, true, []]);
    // the same scenario without `versions` stays DTLS 1.2: the field, not a new default, chose 1.3
    const s12 = findPreset('datachannel-dtls13')!.build() as { apps: Record<string, unknown>[] };
    const r12 = runScenario(parseScenario({ ...s12, apps: s12.apps.map(({ versions: _v, groups13: _g, ...app }) => app) }));
    // (a DTLS 1.2 summary has no `version`, and extended_master_secret exists in 1.2 only, RFC 7627)
    expect((r12.summary.dtls as Record<string, Record<string, unknown>>)['bob/webrtc-peer']).toMatchObject({ state: 'connected', group: 'x25519', extendedMasterSecret: true });
    expect((r12.summary.dtls as Record<string, Record<string, unknown>>)['bob/webrtc-peer']!.version).toBeUndefined();
  });

  it('is deterministic: the same seed gives the same bytes', () => {
    const bytes = (r: ReturnType<typeof run>) => r.trace.hops.map((h) => Array.from(h.bytes).join(',')).join(';');
    expect(bytes(run('datachannel-lossy'))).toBe(bytes(run('datachannel-lossy')));
  });
});
