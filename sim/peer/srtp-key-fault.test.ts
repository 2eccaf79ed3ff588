// webrtc-peer's corruptSrtpKey fault injection: DTLS still connects with fingerprints verified, and only the
// direction whose key was derived wrong fails its SRTP authentication (RFC 3711 §3.3).
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

type Obj = Record<string, unknown>;

function runWithFault(fault: 'receive' | 'send'): { srtp: Record<string, { rtpReceived: number; failures: Record<string, number> }>; dtls: Record<string, Obj>; faults: string[] } {
  const json = listPresets().find((p) => p.name === 'fail-srtp-auth')!.build() as { apps: Obj[]; duration: string };
  json.duration = '3s';
  for (const a of json.apps) if (a.kind === 'webrtc-peer' && a.host === 'bob') a.corruptSrtpKey = fault;
  const r = runScenario(parseScenario(json));
  const s = r.summary as unknown as { srtp: Record<string, { rtpReceived: number; failures: Record<string, number> }>; dtls: Record<string, Obj> };
  return { srtp: s.srtp, dtls: s.dtls, faults: r.trace.notes.filter((n) => n.kind === 'peer.fault').map((n) => `${n.source} ${n.text}`) };
}

describe('corruptSrtpKey', () => {
  it('"send": every packet bob protects fails at alice, bob still decrypts alice', () => {
    const r = runWithFault('send');
    expect(r.dtls['alice/webrtc-peer']?.state).toBe('connected');
    expect(r.dtls['bob/webrtc-peer']?.state).toBe('connected');
    const alice = r.srtp['alice/webrtc-peer']!;
    const bob = r.srtp['bob/webrtc-peer']!;
    expect(alice.rtpReceived).toBeGreaterThan(0);
    expect(alice.failures['auth-failed']).toBe(alice.rtpReceived);
    expect(bob.rtpReceived).toBeGreaterThan(0);
    expect(bob.failures['auth-failed'] ?? 0).toBe(0);
    expect(r.faults).toEqual([expect.stringMatching(/^bob\/webrtc-peer bob: fault injected: .*its own client key it sends with/)]);
  }, 300_000);
  it('"receive": every packet from alice fails at bob, alice still decrypts bob', () => {
    const r = runWithFault('receive');
    const alice = r.srtp['alice/webrtc-peer']!;
    const bob = r.srtp['bob/webrtc-peer']!;
    expect(bob.rtpReceived).toBeGreaterThan(0);
    expect(bob.failures['auth-failed']).toBe(bob.rtpReceived);
    expect(alice.failures['auth-failed'] ?? 0).toBe(0);
    expect(r.faults).toEqual([expect.stringMatching(/the peer's server key it receives with/)]);
  }, 300_000);
});
