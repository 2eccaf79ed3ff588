// WebRTC calls end to end on the simulated network: JSEP offer/answer with trickled candidates over the signaling
// server, ICE, DTLS over the selected pair, SRTP audio and video both ways, with the numbers checked.
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';

type Obj = Record<string, Record<string, unknown>>;
type Stream = { direction: string; kind: string; ssrc: number; packets: number; lost?: number; jitterMs?: number };
const PEERS = ['alice/webrtc-peer', 'bob/webrtc-peer'];

const cache = new Map<string, RunResult>();
function run(name: string, edit?: (j: Record<string, unknown>) => void, until?: number): RunResult {
  const key = `${name}${edit ? edit.toString() : ''}${until ?? ''}`;
  let r = cache.get(key);
  if (!r) {
    const j = findPreset(name)!.build();
    edit?.(j);
    r = runScenario(parseScenario(j), until === undefined ? {} : { until });
    cache.set(key, r);
  }
  return r;
}
const media = (r: RunResult, k: string): Stream[] => (r.summary.media as unknown as Record<string, Stream[]>)[k]!;
const received = (r: RunResult, k: string, kind: string): Stream => media(r, k).find((m) => m.direction === 'receive' && m.kind === kind)!;
const sent = (r: RunResult, k: string, kind: string): Stream => media(r, k).find((m) => m.direction === 'send' && m.kind === kind)!;
const notes = (t: Trace, kind: string) => t.notes.filter((n) => n.kind === kind);

/** Both peers connected, keyed with the same profile, each receiving the other's audio and video SSRCs. */
function expectMediaBothWays(r: RunResult, minAudio: number, minVideo: number): void {
  const dtls = r.summary.dtls as Obj;
  const srtp = r.summary.srtp as Obj;
  for (const k of PEERS) {
    expect(dtls[k]!.state).toBe('connected');
    expect(dtls[k]!.fingerprintVerified).toBe(true);
    expect(srtp[k]!.profile).toBe('SRTP_AES128_CM_HMAC_SHA1_80');
    expect((r.summary.peer as Obj)[k]!.state).toBe('connected');
  }
  expect(new Set(PEERS.map((k) => dtls[k]!.role))).toEqual(new Set(['client', 'server']));
  for (const [me, other] of [PEERS, [...PEERS].reverse()] as const) {
    for (const kind of ['audio', 'video']) {
      const rx = received(r, me!, kind);
      expect(rx.ssrc).toBe(sent(r, other!, kind).ssrc);
      expect(rx.packets).toBeGreaterThan(kind === 'audio' ? minAudio : minVideo);
      expect(typeof rx.jitterMs).toBe('number');
    }
  }
}

describe('call-p2p: two browsers behind port-restricted NATs', () => {
  it('offer and answer cross the signaling server with their SDP, and the answerer (a=setup:active) is the DTLS client', () => {
    const r = run('call-p2p');
    const sentSdp = notes(r.trace, 'signaling.sent').filter((n) => n.data?.message === 'offer' || n.data?.message === 'answer');
    expect(sentSdp.map((n) => [n.source, n.data?.message])).toEqual([
      ['alice/signaling', 'offer'],
      ['bob/signaling', 'answer'],
    ]);
    for (const n of sentSdp) expect(decodeSdp(String(n.data!.sdp)).problems).toEqual([]);
    expect(String(sentSdp[0]!.data!.sdp)).toContain('a=setup:actpass');
    expect(String(sentSdp[1]!.data!.sdp)).toContain('a=setup:active');
    const received = notes(r.trace, 'signaling.received');
    expect(received.length).toBe(notes(r.trace, 'signaling.sent').length);
    expect(received.some((n) => n.data?.message === 'candidate')).toBe(true);
    expect((r.summary.dtls as Obj)['bob/webrtc-peer']!.role).toBe('client');
    expect((r.summary.dtls as Obj)['alice/webrtc-peer']!.role).toBe('server');
  });

  it('ICE selects a server-reflexive path, DTLS starts only after it, and media flows both ways without loss', () => {
    const r = run('call-p2p');
    const ice = r.summary.ice as Obj;
    const pair = ice.alice!.selectedPair as { local: { type: string }; remote: { type: string } };
    expect(pair.remote.type).toBe('srflx');
    const firstClientHello = r.trace.notes.find((n) => n.kind === 'dtls.flight.sent' && n.source === 'bob/webrtc-peer')!;
    const bobSelected = notes(r.trace, 'ice.selected').find((n) => n.source === 'bob/webrtc-peer')!;
    expect(firstClientHello.t).toBeGreaterThanOrEqual(bobSelected.t);
    expectMediaBothWays(r, 350, 600);
    for (const k of PEERS) for (const kind of ['audio', 'video']) expect(received(r, k, kind).lost).toBe(0);
    // the SSRCs in a=ssrc are the ones the media carries
    const offer = String(notes(r.trace, 'signaling.sent').find((n) => n.data?.message === 'offer')!.data!.sdp);
    expect(offer).toContain(`a=ssrc:${sent(r, 'alice/webrtc-peer', 'audio').ssrc} cname:alice`);
    expect(offer).toContain(`a=ssrc:${sent(r, 'alice/webrtc-peer', 'video').ssrc} cname:alice`);
  });

  it('consent checks keep running on the selected pair after media starts', () => {
    const r = run('call-p2p');
    const consent = notes(r.trace, 'ice.check.sent').filter((n) => n.data?.consent === true);
    expect(consent.length).toBeGreaterThanOrEqual(2);
    expect((r.summary.ice as Obj).alice!.state).toBe('completed');
  });

  it('same seed, same bytes; another seed, other bytes', () => {
    const hops = (seed: number): string => runScenario(parseScenario({ ...findPreset('call-p2p')!.build(), seed }), { until: 2_600_000 }).trace.hops.map((h) => toHex(h.bytes)).join();
    const a = hops(4);
    expect(hops(4)).toBe(a);
    expect(hops(5)).not.toBe(a);
  });
});

describe('call-p2p-turn: symmetric NATs', () => {
  it('the selected pair is relayed, and DTLS and SRTP travel as TURN ChannelData', () => {
    const r = run('call-p2p-turn');
    const ice = r.summary.ice as Obj;
    const types = ['alice', 'bob'].flatMap((h) => {
      const p = ice[h]!.selectedPair as { local: { type: string }; remote: { type: string } };
      return [p.local.type, p.remote.type];
    });
    expect(types).toContain('relay');
    expectMediaBothWays(r, 300, 500);
    // ChannelData (first byte 0x40–0x4f) to the server carrying DTLS (20–63) and SRTP (128–191) inside
    const toServer = r.trace.hops.filter((h) => h.bytes.length > 32 && h.drop === undefined && h.link === 'server-wan');
    const inner = (b: Uint8Array): number | undefined => {
      const ihl = (b[0]! & 0x0f) * 4;
      const p = b.subarray(ihl + 8);
      return p[0]! >= 0x40 && p[0]! <= 0x4f ? p[4] : undefined;
    };
    const firsts = toServer.map((h) => inner(h.bytes)).filter((x): x is number => x !== undefined);
    expect(firsts.some((x) => x >= 20 && x <= 63)).toBe(true);
    expect(firsts.some((x) => x >= 128 && x <= 191)).toBe(true);
  });
});

describe('call-lossy: a lossy, jittery access link', () => {
  it('DTLS flights are retransmitted, the call connects, and receivers report loss and jitter; video loss is repaired by NACK and RTX', () => {
    const r = run('call-lossy');
    expect(notes(r.trace, 'dtls.flight.retransmit').length).toBeGreaterThanOrEqual(1);
    expect(notes(r.trace, 'ice.check.retransmit').length).toBeGreaterThanOrEqual(1);
    // the handshake, flights lost and sent again on the 20% lossy link, still ends at 3.7 s (the preset's seed is
    // chosen for it): more than half of the 30 s of audio and video arrives
    const done = notes(r.trace, 'dtls.state').filter((n) => n.data?.to === 'connected');
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...done.map((n) => n.t))).toBeLessThan(5_000_000);
    expectMediaBothWays(r, 500, 1000);
    for (const k of PEERS) {
      const audio = received(r, k, 'audio');
      expect(audio.jitterMs).toBeGreaterThan(1);
      // about a fifth of the packets are lost on the one lossy link, and Opus has no NACK
      expect(audio.lost! / (audio.lost! + audio.packets)).toBeGreaterThan(0.1);
      expect(audio.lost! / (audio.lost! + audio.packets)).toBeLessThan(0.3);
      // video negotiated nack and rtx: the receiver asks, the sender resends on its RTX SSRC, little stays lost
      const video = received(r, k, 'video') as ReturnType<typeof received> & { nackSent: number; rtxReceived: number };
      expect(video.jitterMs).toBeGreaterThan(1);
      expect(video.nackSent).toBeGreaterThan(200);
      expect(video.rtxReceived).toBeGreaterThan(200);
      expect(video.lost! / (video.lost! + video.packets)).toBeLessThan(0.01);
    }
  });
});

describe('ICE restart during a call', () => {
  it('a restart re-runs ICE with new credentials in a new offer/answer, and media continues without a new DTLS handshake', () => {
    const r = run('call-p2p', (j) => {
      j.duration = '9s';
      (j.apps as Record<string, unknown>[]).find((a) => a.kind === 'webrtc-peer' && a.host === 'alice')!.restartIceAt = '4s';
    });
    const offers = notes(r.trace, 'signaling.sent').filter((n) => n.data?.message === 'offer');
    const answers = notes(r.trace, 'signaling.sent').filter((n) => n.data?.message === 'answer');
    expect(offers).toHaveLength(2);
    expect(answers).toHaveLength(2);
    const ufrag = (sdp: unknown) => /a=ice-ufrag:(\S+)/.exec(String(sdp))![1];
    expect(ufrag(offers[1]!.data!.sdp)).not.toBe(ufrag(offers[0]!.data!.sdp));
    expect(notes(r.trace, 'ice.restart').length).toBe(2);
    // one handshake only: each side sent its flights once, before the restart
    expect(notes(r.trace, 'dtls.keys').length).toBe(2);
    expect(notes(r.trace, 'dtls.flight.sent').every((n) => n.t < 4_000_000)).toBe(true);
    expect(notes(r.trace, 'ice.selected').filter((n) => n.t > 4_000_000).length).toBe(2);
    expect(((r.summary.peer as Obj)['alice/webrtc-peer']!.pathChanges as number)).toBeGreaterThanOrEqual(1);
    // media after the restart still decrypts at the other side
    expect(received(r, 'bob/webrtc-peer', 'audio').packets).toBeGreaterThan(300);
    const late = r.trace.hops.filter((h) => h.t > 7_000_000 && h.link === 'bob-lan' && h.bytes.length > 100);
    expect(late.length).toBeGreaterThan(50);
  });
});
