// Our offers and answers read by an independent parser (sdp-transform, the one mediasoup-client and Janus' JS
// use), set beside the SDP Chromium 156 itself wrote in the kept captures, and Chromium's captured offers answered.
import { readFileSync } from 'node:fs';
import { parse, type MediaDescription, type SessionDescription as TransformSession } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { CHROMIUM } from '../sim/peer/codecs.ts';
import { writeSession } from '../sim/peer/description.ts';
import { createAnswer, createOffer, settle, type FactoryOptions } from '../sim/peer/offer-answer.ts';
import { decodeSdp } from '../sim/wire/sdp/sdp.ts';
import { capturePath } from './captures.ts';

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

const options = (setup: 'actpass' | 'active'): FactoryOptions => ({
  capabilities: CHROMIUM,
  transport: { ufrag: 'Xy7Qabcd', pwd: 'abcdefghijklmnopqrstuv+/', iceOptions: ['trickle'], lite: false, fingerprint: FP, setup },
  candidates: ['1467250027 1 udp 2122260223 10.0.1.10 50000 typ host', '842163049 1 udp 1686052607 203.0.113.10 40000 typ srflx raddr 10.0.1.10 rport 50000'],
  endOfCandidates: true, sessionId: '4611731400430051336', sessionVersion: 2, cname: 'alice', streamId: 'stream-a',
  tracks: [
    { kind: 'audio', send: { streamId: 'stream-a', trackId: 'track-a', ssrc: 1111 } },
    { kind: 'video', send: { streamId: 'stream-a', trackId: 'track-v', ssrc: 2222, rtxSsrc: 3333 } },
  ],
});

/** What a section says about its media, as sdp-transform reads it (ids and payload types as written). */
function shape(m: MediaDescription): unknown {
  return {
    type: m.type, protocol: m.protocol, payloads: m.payloads, mid: m.mid,
    rtp: m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}${r.encoding ? `/${r.encoding}` : ''}`),
    fmtp: (m.fmtp ?? []).map((f) => `${f.payload} ${f.config}`),
    rtcpFb: (m.rtcpFb ?? []).map((f) => `${f.payload} ${f.type}${f.subtype ? ` ${f.subtype}` : ''}`),
    ext: (m.ext ?? []).map((e) => `${e.value} ${e.uri}`),
    rtcpMux: m.rtcpMux, rtcpRsize: m.rtcpRsize,
  };
}

const captured = (): { host: { offer: string; answer: string }; rtclab: { offer: string } } => {
  const host = JSON.parse(readFileSync(capturePath('chromium-loopback-call', 'chromium-host.result.json'), 'utf8')) as { sdp: { offer: string; answer: string } };
  const rtclab = JSON.parse(readFileSync(capturePath('chromium-rtclab-dtls12', 'chromium-rtclab.getstats.json'), 'utf8')) as { offer: string };
  return { host: host.sdp, rtclab: { offer: rtclab.offer } };
};

describe('SDP read by sdp-transform and set beside Chromium', () => {
  it('sdp-transform reads our offer: BUNDLE, mids, ICE, DTLS, candidates, codecs, extensions, msid, FID', () => {
    const s: TransformSession = parse(writeSession(createOffer(options('actpass'))));
    expect(s.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(s.media.map((m) => [m.type, String(m.mid), m.port, m.iceUfrag, m.icePwd, m.setup, m.fingerprint?.type, m.direction])).toEqual([
      ['audio', '0', 50000, 'Xy7Qabcd', 'abcdefghijklmnopqrstuv+/', 'actpass', 'sha-256', 'sendrecv'],
      ['video', '1', 9, 'Xy7Qabcd', 'abcdefghijklmnopqrstuv+/', 'actpass', 'sha-256', 'sendrecv'],
    ]);
    expect(s.media[0]!.candidates!.map((c) => `${c.type} ${c.ip} ${c.port} ${c.priority}`)).toEqual(['host 10.0.1.10 50000 2122260223', 'srflx 203.0.113.10 40000 1686052607']);
    expect(s.media[0]!.endOfCandidates).toBe('end-of-candidates');
    expect(s.media[1]!.ssrcGroups).toEqual([{ semantics: 'FID', ssrcs: '2222 3333' }]);
    expect(s.media[1]!.msid).toEqual([{ id: 'stream-a', appdata: 'track-v' }]);
    expect(s.media[0]!.iceOptions).toBe('trickle');
  });

  it("our offer's audio and video sections equal Chromium 156's captured offer (codecs, fmtp, rtcp-fb, extensions)", () => {
    const ours = parse(writeSession(createOffer(options('actpass'))));
    for (const text of [captured().host.offer, captured().rtclab.offer]) {
      const theirs = parse(text);
      expect(ours.media.map(shape)).toEqual(theirs.media.filter((m) => m.type !== 'application').map(shape));
      expect(ours.msidSemantic?.semantic).toBe(theirs.msidSemantic?.semantic);
      expect(ours.extmapAllowMixed).toBe(theirs.extmapAllowMixed);
    }
  });

  it("answers Chromium's captured offers: m-lines and mids mirrored, data rejected with port 0, codecs as Chromium's own answer", () => {
    const { host, rtclab } = captured();
    const hostOffer = decodeSdp(host.offer).value;
    const r = createAnswer(hostOffer, options('active'));
    if (!r.ok) throw new Error(r.error);
    const ours = parse(writeSession(r.model));
    expect(ours.media.map((m) => `${m.type} ${m.mid} ${m.port === 0 ? 'rejected' : 'accepted'}`)).toEqual(['audio 0 accepted', 'video 1 accepted', 'application 2 rejected']);
    expect(ours.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(ours.media.map((m) => m.setup)).toEqual(['active', 'active', undefined]);
    // Chromium's answer to the same offer (it answered with data too): the media sections agree field for field
    const chromiumAnswer = parse(host.answer);
    expect(ours.media.slice(0, 2).map(shape)).toEqual(chromiumAnswer.media.slice(0, 2).map(shape));
    const n = settle(r.model, hostOffer);
    expect(n.send.map((x) => `${x.kind} ${x.codec}/${x.payloadType} mid ${x.mid}`)).toEqual(['audio opus/111 mid 0', 'video VP8/96 mid 1']);
    // the offer Chromium sent our peer over the bridge (two sections, eight candidates incl. IPv6 and TCP)
    const b = createAnswer(decodeSdp(rtclab.offer).value, options('active'));
    if (!b.ok) throw new Error(b.error);
    expect(parse(writeSession(b.model)).media.map((m) => `${m.type} ${m.mid} ${m.port === 0 ? 'rejected' : 'accepted'} ${m.payloads}`)).toEqual([
      `audio 0 accepted 111 63 9 0 8 13 110 126`,
      `video 1 accepted 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 100 101 118 119 120`,
    ]);
  });
});
