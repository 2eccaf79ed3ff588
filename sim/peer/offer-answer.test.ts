// Offers and answers as libwebrtc's MediaSessionDescriptionFactory makes them: the offer's sections, codecs and
// attributes; the answer mirroring an offer's m-lines and mids, negotiating codecs (offerer's payload types) and
// extensions by intersection, rejecting with port 0; renegotiation and ICE restart in later offers.
import { describe, expect, it } from 'vitest';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import type { SessionDescription } from '../wire/sdp/types.ts';
import { CHROMIUM, FIREFOX } from './codecs.ts';
import { writeSession } from './description.ts';
import { answerDirection, codecsOf, createAnswer, createOffer, negotiateCodecs, settle, type FactoryOptions } from './offer-answer.ts';

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

function options(extra: Partial<FactoryOptions> = {}): FactoryOptions {
  return {
    capabilities: CHROMIUM,
    transport: { ufrag: 'Xy7Qabcd', pwd: 'abcdefghijklmnopqrstuv+/', iceOptions: ['trickle'], lite: false, fingerprint: FP, setup: 'actpass' },
    candidates: ['1467250027 1 udp 2122260223 10.0.1.10 50000 typ host'], endOfCandidates: false,
    sessionId: '4611731400430051336', sessionVersion: 2, cname: 'alice', streamId: 'stream-a',
    tracks: [
      { kind: 'audio', send: { streamId: 'stream-a', trackId: 'track-a', ssrc: 1111 } },
      { kind: 'video', send: { streamId: 'stream-a', trackId: 'track-v', ssrc: 2222, rtxSsrc: 3333 } },
    ],
    ...extra,
  };
}

const parse = (text: string): SessionDescription => {
  const d = decodeSdp(text);
  expect(d.problems).toEqual([]);
  return d.value;
};

const attrs = (s: SessionDescription, i: number, name: string): string[] => s.media[i]!.attributes.filter((a) => a.name === name).map((a) => a.value ?? '');

/** The seed's Firefox 71 offer (seeds/003-janus-flow-sip-sdp.md), as the Janus SIP demo received it. */
export const SEED_FIREFOX_OFFER = [
  'v=0', 'o=mozilla...THIS_IS_SDPARTA-71.0 193135304282057553 0 IN IP4 0.0.0.0', 's=-', 't=0 0',
  'a=fingerprint:sha-256 7A:59:CD:7A:79:8A:3C:E4:A0:2D:D7:59:63:3D:17:FD:85:F1:5D:8D:94:3C:60:C3:82:52:63:B2:96:BC:91:FB',
  'a=group:BUNDLE 0', 'a=ice-options:trickle', 'a=msid-semantic:WMS *',
  'm=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101', 'c=IN IP4 0.0.0.0', 'a=sendrecv',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level', 'a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1', 'a=fmtp:101 0-15', 'a=ice-pwd:printf`1', 'a=ice-ufrag:huanglin', 'a=mid:0',
  'a=msid:{96e3a11e-ecda-499a-ad79-fc9216d99d2b} {16c327d4-157a-4d08-8e63-e05a89031dc2}',
  'a=rtpmap:109 opus/48000/2', 'a=rtpmap:9 G722/8000/1', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000/1',
  'a=setup:actpass', 'a=ssrc:743106987 cname:{2ccb8d2c-e04b-4fb0-a27b-42084a25bc58}', '',
].join('\r\n');

describe('createOffer (MediaSessionDescriptionFactory::CreateOffer)', () => {
  const text = writeSession(createOffer(options()));
  const s = parse(text);

  it('has audio and video with mids 0 and 1 in one BUNDLE group, ICE and DTLS attributes on each section', () => {
    expect(s.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1'] }]);
    expect(s.media.map((m) => [m.media, m.mid, m.proto, m.direction, m.rtcpMux])).toEqual([
      ['audio', '0', 'UDP/TLS/RTP/SAVPF', 'sendrecv', true],
      ['video', '1', 'UDP/TLS/RTP/SAVPF', 'sendrecv', true],
    ]);
    for (const m of s.media) {
      expect([m.iceUfrag, m.icePwd, m.setup, m.iceOptions]).toEqual(['Xy7Qabcd', 'abcdefghijklmnopqrstuv+/', 'actpass', ['trickle']]);
      expect(m.fingerprints.map((f) => f.hashFunction)).toEqual(['sha-256']);
      expect(m.attributes.some((a) => a.name === 'rtcp-rsize')).toBe(true);
    }
    // JSEP §5.2.1 / RFC 8843 §7.1.3: the candidates and the default address go in the first bundled section only
    expect(s.media[0]!.candidates).toHaveLength(1);
    expect(s.media[0]!.port).toBe(50000);
    expect(s.media[1]!.candidates).toHaveLength(0);
    expect(s.media[1]!.port).toBe(9);
  });

  it('lists codecs, fmtp, rtcp-fb and header extensions as Chromium 156 does', () => {
    expect(s.media[0]!.formats).toEqual(['111', '63', '9', '0', '8', '13', '110', '126']);
    expect(s.media[1]!.formats).toEqual('96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 100 101 118 119 120'.split(' '));
    expect(attrs(s, 0, 'fmtp')).toEqual(['111 minptime=10;useinbandfec=1', '63 111/111']);
    expect(attrs(s, 0, 'rtcp-fb')).toEqual(['111 transport-cc']);
    expect(attrs(s, 1, 'rtcp-fb').slice(0, 5)).toEqual(['96 goog-remb', '96 transport-cc', '96 ccm fir', '96 nack', '96 nack pli']);
    expect(attrs(s, 1, 'fmtp')).toContain('102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f');
    expect(attrs(s, 1, 'fmtp')).toContain('97 apt=96');
    expect(s.media[0]!.extmaps.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(s.media[1]!.extmaps.map((e) => e.id)).toEqual([14, 2, 13, 3, 5, 6, 7, 8, 4, 10, 11]);
  });

  it('signals the tracks: msid, ssrc cname and msid, and an FID group pairing video with its RTX SSRC', () => {
    expect(attrs(s, 0, 'msid')).toEqual(['stream-a track-a']);
    expect(attrs(s, 1, 'ssrc-group')).toEqual(['FID 2222 3333']);
    expect(s.media[1]!.ssrcs.map((x) => `${x.ssrc} ${x.attribute}`)).toEqual(['2222 cname', '2222 msid', '3333 cname', '3333 msid']);
  });

  it('without tracks the sections receive only and carry no msid or ssrc', () => {
    const r = parse(writeSession(createOffer(options({ tracks: [] }))));
    expect(r.media.map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
    expect(r.media.flatMap((m) => m.ssrcs)).toEqual([]);
  });

  it('adds a data section (m=application UDP/DTLS/SCTP) when asked', () => {
    const r = parse(writeSession(createOffer(options({ data: true }))));
    expect(r.media.map((m) => `${m.media} ${m.mid}`)).toEqual(['audio 0', 'video 1', 'application 2']);
    expect(r.groups[0]!.mids).toEqual(['0', '1', '2']);
  });

  it('renegotiation keeps the sections and mids, gives an added track a new section, keeps the credentials', () => {
    const first = createOffer(options({ tracks: [options().tracks[0]!] }));
    const track = { kind: 'audio' as const, send: { streamId: 'stream-a', trackId: 'track-b', ssrc: 4444 } };
    const second = createOffer(options({ tracks: [...options().tracks.filter((t) => t.kind === 'audio'), track], sessionVersion: 3 }), first);
    const r = parse(writeSession(second));
    expect(r.origin!.sessionVersion).toBe('3');
    expect(parse(writeSession(first)).media.map((m) => `${m.media} ${m.mid}`)).toEqual(['audio 0']);
    expect(r.media.map((m) => `${m.media} ${m.mid} ${m.direction}`)).toEqual(['audio 0 sendrecv', 'audio 1 sendrecv']);
    expect(r.media[1]!.ssrcs[0]!.ssrc).toBe(4444);
    expect(r.groups[0]!.mids).toEqual(['0', '1']);
    expect(r.media.every((m) => m.iceUfrag === 'Xy7Qabcd')).toBe(true);
    const third = parse(writeSession(createOffer(options({ sessionVersion: 4 }), first)));
    expect(third.media.map((m) => `${m.media} ${m.mid} ${m.direction}`)).toEqual(['audio 0 sendrecv', 'video 1 sendrecv']);
  });

  it('an ICE restart is a new offer with new credentials and the same sections', () => {
    const first = createOffer(options());
    const restart = createOffer(options({ transport: { ...options().transport, ufrag: 'NEWufrag', pwd: 'zyxwvutsrqponmlkjihgfe+/' } }), first);
    const r = parse(writeSession(restart));
    expect(r.media.map((m) => [m.mid, m.iceUfrag])).toEqual([['0', 'NEWufrag'], ['1', 'NEWufrag']]);
  });
});

describe('createAnswer (MediaSessionDescriptionFactory::CreateAnswer)', () => {
  it("answers the seed's Firefox offer: opus keeps PT 109, BUNDLE 0 as offered, extensions by the offer's ids, setup active", () => {
    const offer = decodeSdp(SEED_FIREFOX_OFFER).value;
    // the seed's offer has no a=rtcp-mux (cut from the excerpt): Chromium's rtcpMuxPolicy "require" refuses it
    const refused = createAnswer(offer, options({ transport: { ...options().transport, setup: 'active' } }));
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/mid 0 has no a=rtcp-mux/) });
    const r = createAnswer(offer, options({ transport: { ...options().transport, setup: 'active' }, rtcpMuxPolicy: 'negotiate' }));
    if (!r.ok) throw new Error(r.error);
    const s = parse(writeSession(r.model));
    expect(s.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0'] }]);
    expect(s.media).toHaveLength(1);
    const m = s.media[0]!;
    expect([m.media, m.mid, m.direction, m.setup, m.rtcpMux]).toEqual(['audio', '0', 'sendrecv', 'active', false]);
    expect(m.formats).toEqual(['109', '9', '0', '8', '101']);
    expect(m.rtpmaps.map((x) => `${x.payloadType} ${x.encodingName}/${x.clockRate}${x.encodingParameters ? `/${x.encodingParameters}` : ''}`)).toEqual([
      '109 opus/48000/2', '9 G722/8000/1', '0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000/1',
    ]);
    // rtcp-fb: Firefox offered none for opus, so transport-cc is not in the intersection
    expect(attrs(s, 0, 'rtcp-fb')).toEqual([]);
    // csrc-audio-level is not one Chromium knows: dropped; the others keep Firefox's ids
    expect(m.extmaps.map((e) => `${e.id} ${e.uri}`)).toEqual(['1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', '3 urn:ietf:params:rtp-hdrext:sdes:mid']);
    // only the audio track is sent: the offer has no video section
    expect(m.ssrcs[0]!.ssrc).toBe(1111);
    const n = settle(r.model, offer);
    expect(n.send).toEqual([{ kind: 'audio', mid: '0', ssrc: 1111, payloadType: 109, codec: 'opus', extensions: { audioLevel: 1, mid: 3 } }]);
  });

  it('rejects what it cannot do with port 0, keeps mids in order, drops rejected mids from BUNDLE', () => {
    const offer = createOffer(options({ data: true }));
    const text = writeSession(offer).replace('m=video 9 UDP/TLS/RTP/SAVPF', 'm=video 9 UDP/TLS/RTP/SAVPF 200').replace(/a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\//g, 'a=rtpmap:$1 X$2/');
    const r = createAnswer(decodeSdp(text).value, options({ transport: { ...options().transport, setup: 'active' } }));
    if (!r.ok) throw new Error(r.error);
    const s = parse(writeSession(r.model));
    expect(s.media.map((m) => `${m.media} ${m.mid} ${m.port}`)).toEqual(['audio 0 50000', 'video 1 0', 'application 2 0']);
    expect(s.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0'] }]);
    expect(r.rejected.map((x) => x.mid)).toEqual(['1', '2']);
    expect(r.rejected[0]!.reason).toMatch(/no video codec in common/);
  });

  it('reverses the direction: sendonly ⇒ recvonly, recvonly ⇒ sendonly (with a track) or inactive', () => {
    expect(answerDirection('sendonly', true)).toBe('recvonly');
    expect(answerDirection('recvonly', true)).toBe('sendonly');
    expect(answerDirection('recvonly', false)).toBe('inactive');
    expect(answerDirection('sendrecv', false)).toBe('recvonly');
    expect(answerDirection('inactive', true)).toBe('inactive');
  });

  it('matches H.264 by packetization-mode and profile, VP9 by profile-id, and rtx by the codec it repairs', () => {
    const offered = codecsOf(decodeSdp(writeSession(createOffer(options()))).value.media[1]!);
    const onlyH264Pm1 = offered.filter((c) => c.payloadType === 108 || c.payloadType === 109 || c.payloadType === 96);
    const ours = CHROMIUM.video.codecs.filter((c) => c.name !== 'VP8' && !(c.name === 'rtx' && c.fmtp[0]![1] === '96'));
    expect(negotiateCodecs(ours, onlyH264Pm1).map((c) => `${c.payloadType} ${c.name}`)).toEqual(['108 H264', '109 rtx']);
    // Firefox's H.264 without packetization-mode is mode 0: Chromium's 42e01f mode-0 codec (114)
    const ff = negotiateCodecs(CHROMIUM.video.codecs, FIREFOX.video.codecs);
    expect(ff.map((c) => `${c.payloadType} ${c.name}`)).toEqual(['120 VP8', '121 VP9', '126 H264', '97 H264']);
    expect(ff[0]!.feedback).toEqual(['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  });

  it('names an offer without a=mid and keeps working on one without BUNDLE by taking the first section only', () => {
    const noMid = writeSession(createOffer(options())).replace('a=mid:1\r\n', '');
    expect(createAnswer(decodeSdp(noMid).value, options())).toMatchObject({ ok: false, error: expect.stringMatching(/no a=mid/) });
    const noBundle = writeSession(createOffer(options())).replace(/a=group:BUNDLE[^\r]*\r\n/, '');
    const r = createAnswer(decodeSdp(noBundle).value, options());
    if (!r.ok) throw new Error(r.error);
    expect(r.model.bundle).toBeUndefined();
    expect(r.rejected).toEqual([{ mid: '1', reason: 'not in the BUNDLE group: this peer runs one transport' }]);
  });
});
