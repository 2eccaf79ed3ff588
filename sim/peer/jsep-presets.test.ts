// The offer/answer presets of issue #18, each run once: the seed's Firefox offer answered as Chromium's
// MediaSessionDescriptionFactory answers it (opus keeps Firefox's payload type 109, only the offered section), and a
// renegotiation adding video to an audio call on the same DTLS association and 5-tuple.
import { describe, expect, it } from 'vitest';
import type { Note } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';

type Sent = { mid: string; kind: string; codec: string; payloadType: number; extensions: string };
type Stream = { direction: string; kind: string; ssrc: number; packets: number };
const run = (name: string): RunResult => runScenario(parseScenario(findPreset(name)!.build()));
const negotiated = (r: RunResult, host: string): { t: number; send: string[]; bundle: string[] }[] =>
  r.trace.notes
    .filter((n: Note) => n.kind === 'peer.negotiated' && n.source === `${host}/webrtc-peer`)
    .map((n) => ({ t: n.t, send: (n.data!.send as Sent[]).map((s) => `${s.mid} ${s.kind} ${s.codec}/${s.payloadType} ${s.extensions}`), bundle: n.data!.bundle as string[] }));
const streams = (r: RunResult, host: string): string[] =>
  ((r.summary.media as unknown as Record<string, Stream[]>)[`${host}/webrtc-peer`] ?? []).map((s) => `${s.direction} ${s.kind}`);
const received = (r: RunResult, host: string, kind: string): number =>
  ((r.summary.media as unknown as Record<string, Stream[]>)[`${host}/webrtc-peer`] ?? []).find((s) => s.direction === 'receive' && s.kind === kind)?.packets ?? 0;
const handshakes = (r: RunResult): number => r.trace.notes.filter((n) => n.kind === 'dtls.state' && n.data?.to === 'connected').length;

describe('call-firefox-offer: the seed\'s Firefox 71 offer answered by a Chromium-style peer', () => {
  it('both send Opus as Firefox\'s PT 109 with her extension ids 1 and 3 on mid 0 only, BUNDLE 0; Bob\'s video is never offered nor sent', { timeout: 300_000 }, () => {
    const r = run('call-firefox-offer');
    for (const host of ['alice', 'bob']) {
      expect(negotiated(r, host).map((n) => [n.send, n.bundle]), host).toEqual([[['0 audio opus/109 audioLevel=1,mid=3'], ['0']]]);
      expect(streams(r, host).sort(), host).toEqual(['receive audio', 'send audio']);
    }
    expect(received(r, 'alice', 'audio')).toBeGreaterThan(200);
    expect(received(r, 'bob', 'audio')).toBeGreaterThan(200);
  });
});

describe('call-renegotiation: video added to an audio call at 3 s', () => {
  it('the second offer/answer adds mid 1 (VP8/96) to BUNDLE, video flows, and no new DTLS handshake or ICE selection happens', { timeout: 300_000 }, () => {
    const r = run('call-renegotiation');
    const alice = negotiated(r, 'alice');
    expect(alice.map((n) => [n.send.map((s) => s.split(' ').slice(0, 3).join(' ')), n.bundle])).toEqual([
      [['0 audio opus/111'], ['0']],
      [['0 audio opus/111', '1 video VP8/96'], ['0', '1']],
    ]);
    expect(alice[1]!.t).toBeGreaterThanOrEqual(3_000_000);
    expect(received(r, 'bob', 'video')).toBeGreaterThan(200);
    expect(handshakes(r)).toBe(2); // one per peer, at the start
    expect(r.trace.notes.filter((n) => n.kind === 'ice.selected' && n.t >= 3_000_000)).toEqual([]);
  });
});
