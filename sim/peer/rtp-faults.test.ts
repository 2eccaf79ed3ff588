// webrtc-peer's rtpFaults against the receiving peer's RFC 8843 §9.2 demultiplexing: an unsignaled SSRC is still
// placed by the MID header extension, a stripped MID by the signaled SSRC; with both, the receiver decrypts every
// packet and drops it, noting each stream once (peer.rtp.dropped) instead of dropping it in silence.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

type Obj = Record<string, unknown>;
type Srtp = { rtpReceived: number; failures: Record<string, number> };

function run(faults: string[]) {
  const json = listPresets().find((p) => p.name === 'fail-unknown-ssrc')!.build() as { apps: Obj[]; duration: string };
  json.duration = '3s';
  for (const a of json.apps) if (a.kind === 'webrtc-peer' && a.host === 'alice') a.rtpFaults = faults;
  const r = runScenario(parseScenario(json));
  const s = r.summary as unknown as { srtp: Record<string, Srtp>; media: Record<string, { direction: string; ssrc: number; packets: number }[]> };
  const notes = r.trace.notes;
  return {
    bob: s.srtp['bob/webrtc-peer']!,
    bobReceives: s.media['bob/webrtc-peer']!.filter((m) => m.direction === 'receive'),
    aliceSends: s.media['alice/webrtc-peer']!.filter((m) => m.direction === 'send'),
    signaled: notes.filter((n) => n.kind === 'peer.negotiated' && n.source === 'alice/webrtc-peer').flatMap((n) => (n.data as { send: { ssrc: number }[] }).send.map((x) => x.ssrc)),
    dropped: notes.filter((n) => n.kind === 'peer.rtp.dropped').map((n) => ({ source: n.source, ...(n.data as { ssrc: number; mid: string | null; reason: string }) })),
    faults: notes.filter((n) => n.kind === 'peer.fault').map((n) => `${n.source} ${String((n.data as Obj).value)}`),
  };
}

describe('rtpFaults and the receiver\'s demultiplexing', () => {
  it('unsignaled-ssrc alone: alice sends on SSRCs she did not signal, bob places them by their MID', () => {
    const r = run(['unsignaled-ssrc']);
    expect(r.faults).toEqual(['alice/webrtc-peer unsignaled-ssrc']);
    const sent = r.aliceSends.map((m) => m.ssrc).sort();
    expect(sent).toHaveLength(2);
    for (const s of sent) expect(r.signaled).not.toContain(s);
    expect(r.bobReceives.map((m) => m.ssrc).sort()).toEqual(sent);
    expect(r.bob.failures['unknown-ssrc'] ?? 0).toBe(0);
    expect(r.dropped).toEqual([]);
  }, 300_000);

  it('strip-mid alone: no MID on alice\'s packets, bob places them by their signaled SSRC', () => {
    const r = run(['strip-mid']);
    expect(r.aliceSends.map((m) => m.ssrc).sort()).toEqual([...r.signaled].sort());
    expect(r.bobReceives).toHaveLength(2);
    expect(r.dropped).toEqual([]);
  }, 300_000);

  it('both: bob decrypts every packet from alice and drops all of them, with one note per stream', () => {
    const r = run(['unsignaled-ssrc', 'strip-mid']);
    expect(r.bob.rtpReceived).toBeGreaterThan(100);
    expect(r.bob.failures['auth-failed'] ?? 0).toBe(0);
    expect(r.bob.failures['unknown-ssrc']).toBe(r.bob.rtpReceived);
    expect(r.bobReceives).toEqual([]);
    const sent = r.aliceSends.map((m) => m.ssrc).sort();
    expect(r.dropped.map((d) => d.ssrc).sort()).toEqual(sent);
    for (const d of r.dropped) expect(d).toMatchObject({ source: 'bob/webrtc-peer', mid: null, reason: 'unknown-ssrc' });
  }, 300_000);
});
