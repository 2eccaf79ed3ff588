// The rules no preset shows alone, on small hand-written traces: each pins the cause, the subject, the notes it
// cites and the fix it gives (the presets test covers the causes the simulator reaches).
import { describe, expect, it } from 'vitest';
import type { JsonValue, Note } from '../../core/trace.ts';
import { diagnose } from '../diagnose.ts';

const GEN = { generation: 0 };
function note(t: number, source: string, kind: string, data: { [k: string]: JsonValue }, extra: Partial<Note> = {}): Note {
  return { t, source, kind, text: `${source} ${kind}`, data, ...extra };
}
function run(notes: Note[], summary?: { [k: string]: JsonValue }) {
  return diagnose({ meta: { source: 'simulation', ...(summary ? { summary } : {}) }, nodes: [], links: [], hops: [], notes });
}
const start = (source: string, role = 'controlling') => note(0, source, 'ice.state', { ...GEN, state: 'new', role, lite: false, ufrag: 'u', tieBreaker: '1' });
const pair = (t: number, source: string, state: string, reason: string) =>
  note(t, source, 'ice.pair.state', { ...GEN, pair: 'a -> b', local: 'host a', remote: 'host b', localType: 'host', remoteType: 'host', state, nominated: false, previous: null, reason });

describe('ICE pair rules', () => {
  it('a pair refused with 401 is a credentials mismatch, citing the error and the pair', () => {
    const d = run([
      start('alice/ice-agent'),
      note(10, 'alice/ice-agent', 'ice.remote.description', { ...GEN, ufrag: 'x', lite: false }),
      pair(20, 'alice/ice-agent', 'in-progress', 'check sent'),
      note(30, 'alice/ice-agent', 'ice.check.response', { ...GEN, pair: 'a -> b', result: 'error', code: 401, rtt: 10, transactionId: 'aa' }),
      pair(30, 'alice/ice-agent', 'failed', 'error 401'),
      note(40, 'alice/ice-agent', 'ice.state', { ...GEN, state: 'failed', previous: 'checking', reason: 'every candidate pair failed' }),
    ]);
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure ice.check-unauthorized alice']);
    expect(d.findings[0]!.details[0]!.evidence.notes).toEqual([3, 4]);
    expect(d.findings[0]!.fix).toMatch(/ice-ufrag and a=ice-pwd/);
  });
});

describe('signaling rules', () => {
  it('a description without a single candidate: no pair could be formed', () => {
    const d = run([start('bob/ice-agent', 'controlled'), note(10, 'bob/ice-agent', 'ice.remote.description', { ...GEN, ufrag: 'x', lite: false })]);
    expect(d.findings.map((f) => f.cause)).toEqual(['signaling.no-candidates']);
    expect(d.findings[0]!.fix).toMatch(/deliver the peer's candidates to bob/);
  });
  it('every pair failed, still checking, no end-of-candidates: the agent waits for ever (RFC 8838)', () => {
    const d = run([
      start('bob/ice-agent', 'controlled'),
      note(10, 'bob/ice-agent', 'ice.state', { ...GEN, state: 'checking', previous: 'new', reason: 'remote description received' }),
      note(10, 'bob/ice-agent', 'ice.remote.description', { ...GEN, ufrag: 'x', lite: false }),
      note(11, 'bob/ice-agent', 'ice.candidate.remote', { ...GEN, candidate: 'c', type: 'host', address: 'b' }),
      pair(12, 'bob/ice-agent', 'failed', 'timeout'),
    ]);
    expect(d.findings.map((f) => f.cause).sort()).toEqual(['ice.no-response', 'signaling.no-end-of-candidates']);
  });
  it('a message sent and never delivered by the end of the run (one still on its way is not lost)', () => {
    const sent = note(5, 'alice/signaling', 'signaling.sent', { from: 'alice', to: 'bob', arrives: 55, message: 'candidate', candidate: 'candidate:1', sdpMid: '0', ufrag: 'u' });
    expect(run([sent], { duration: 1000 }).findings.map((f) => `${f.cause} ${f.subject}`)).toEqual(['signaling.candidates-lost alice']);
    expect(run([sent], { duration: 50 }).findings).toEqual([]);
  });
  it('an unusable description names the mismatch', () => {
    const d = run([note(5, 'bob/webrtc-peer', 'peer.sdp.invalid', { type: 'offer', error: 'no common codec in m=audio' })]);
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure sdp.no-common-codec bob']);
  });
  it('two browser peers that both chose a=setup:active and never connected', () => {
    const role = (s: string) => note(5, s, 'peer.dtls-role', { role: 'client', localSetup: 'active', remoteSetup: 'active' });
    const started = (s: string) => note(6, s, 'dtls.state', { from: 'new', to: 'connecting', role: 'client', reason: 'sending ClientHello' });
    const d = run([role('alice/webrtc-peer'), role('bob/webrtc-peer'), started('alice/webrtc-peer'), started('bob/webrtc-peer')]);
    expect(d.findings.map((f) => `${f.cause} ${f.subject}`)).toEqual(['sdp.setup-both-active alice and bob']);
  });
  it('two clients of an SFU whose DTLS never started (ICE never connected): their client roles prove no setup conflict', () => {
    const role = (s: string) => note(5, s, 'peer.dtls-role', { role: 'client', localSetup: 'active', remoteSetup: 'passive' });
    const d = run([role('alice/mediasoup-client'), role('carol/mediasoup-client')]);
    expect(d.findings.map((f) => `${f.cause} ${f.subject}`)).toEqual([]);
  });
});

describe('selected pair and media rules', () => {
  it('a relayed pair selected although a direct pair had succeeded before', () => {
    const d = run([
      start('alice/webrtc-peer'),
      note(10, 'alice/webrtc-peer', 'ice.state', { ...GEN, state: 'completed', previous: 'checking', reason: 'a pair is nominated' }),
      note(5, 'alice/webrtc-peer', 'ice.pair.state', { ...GEN, pair: 'd', local: 'srflx x', remote: 'srflx y', localType: 'srflx', remoteType: 'srflx', state: 'succeeded', nominated: false, previous: 'in-progress', reason: 'success' }),
      note(10, 'alice/webrtc-peer', 'ice.selected', { ...GEN, pair: 'r', localType: 'relay', remoteType: 'srflx', local: 'r1', remote: 'r2' }),
    ]);
    expect(d.findings.map((f) => `${f.severity} ${f.cause}`)).toEqual(['degradation ice.relay-selected']);
    expect(d.findings[0]!.text).toMatch(/had succeeded at/);
  });
  it('SRTP authentication failures with nothing decrypted, and media one way only', () => {
    const srtp = {
      'alice/webrtc-peer': { keyed: true, rtpSent: 100, rtpReceived: 0, failures: { 'auth-failed': 90 } },
      'bob/webrtc-peer': { keyed: true, rtpSent: 100, rtpReceived: 100, failures: {} },
    };
    const d = run([note(1, 'alice/webrtc-peer', 'srtp.keyed', { profile: 'SRTP_AES128_CM_HMAC_SHA1_80', role: 'client' })], { srtp, duration: 10 });
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['failure srtp.auth alice', 'failure media.one-way alice']);
    expect(d.findings[0]!.evidence.notes).toEqual([0]);
  });
  it('SRTP authentication failures on some packets only are a degradation; an injected key fault is named with its note', () => {
    const srtp = {
      'alice/webrtc-peer': { keyed: true, rtpSent: 100, rtpReceived: 100, failures: { 'auth-failed': 5 } },
      'bob/webrtc-peer': { keyed: true, rtpSent: 100, rtpReceived: 100, failures: {} },
    };
    const d = run([
      note(1, 'alice/webrtc-peer', 'srtp.keyed', { profile: 'SRTP_AES128_CM_HMAC_SHA1_80', role: 'client' }),
      note(1, 'alice/webrtc-peer', 'peer.fault', { fault: 'corruptSrtpKey', value: 'receive' }),
    ], { srtp, duration: 10 });
    expect(d.findings.map((f) => `${f.severity} ${f.cause} ${f.subject}`)).toEqual(['degradation srtp.auth alice']);
    expect(d.findings[0]!.text).toMatch(/5 of 100 RTP packets.*corruptSrtpKey receive/);
    expect(d.findings[0]!.evidence.notes).toEqual([0, 1]);
    expect(d.findings[0]!.fix).toBe("remove corruptSrtpKey from alice's webrtc-peer");
  });
});
