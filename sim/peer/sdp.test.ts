// The SDP we write for offers and answers is real RFC 8866 / JSEP text: the sim/wire/sdp decoder reads it back
// without a single problem, and every attribute a browser relies on is there with the values we put in.
import { describe, expect, it } from 'vitest';
import { decodeSdp, effective } from '../wire/sdp/sdp.ts';
import { answerSetup, dtlsRoleFor, readDescription, writeDescription, type DescriptionSpec } from './sdp.ts';

const FP = 'ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89';
const offer: DescriptionSpec = {
  type: 'offer', sessionId: '4611731400430051336', sessionVersion: 2, ufrag: 'Xy7Q', pwd: 'abcdefghijklmnopqrstuv+/',
  candidates: ['1467250027 1 udp 2122260223 10.0.1.10 50000 typ host', '842163049 1 udp 1686052607 203.0.113.10 40000 typ srflx raddr 10.0.1.10 rport 50000'],
  endOfCandidates: true, fingerprint: FP, setup: 'actpass', cname: 'alice',
  media: [
    { kind: 'audio', mid: '0', ssrc: 1111 },
    { kind: 'video', mid: '1', ssrc: 2222 },
    { kind: 'application', mid: '2' },
  ],
};

describe('SDP offers and answers (RFC 8866, JSEP)', () => {
  it('an offer decodes with no problems: BUNDLE, ICE, DTLS, rtcp-mux, codecs, extmaps, ssrc and candidates', () => {
    const text = writeDescription(offer);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n').every((l, i, all) => (i === all.length - 1 ? l === '' : /^[a-z]=/.test(l)))).toBe(true);
    const d = decodeSdp(text);
    expect(d.problems).toEqual([]);
    const s = d.value;
    expect(s.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1', '2'] }]);
    expect(s.media.map((m) => [m.media, m.mid, m.proto])).toEqual([
      ['audio', '0', 'UDP/TLS/RTP/SAVPF'],
      ['video', '1', 'UDP/TLS/RTP/SAVPF'],
      ['application', '2', 'UDP/DTLS/SCTP'],
    ]);
    for (const m of s.media) {
      const e = effective(s, m);
      expect(e.iceUfrag).toBe('Xy7Q');
      expect(e.icePwd).toBe('abcdefghijklmnopqrstuv+/');
      expect(e.setup).toBe('actpass');
      expect(e.fingerprints[0]!.hashFunction).toBe('sha-256');
      expect(m.iceOptions).toEqual(['trickle']);
    }
    const [audio, video] = s.media;
    expect(audio!.rtcpMux && video!.rtcpMux).toBe(true);
    expect(audio!.rtpmaps).toEqual([{ payloadType: 111, encodingName: 'opus', clockRate: 48000, encodingParameters: '2' }]);
    // VP8 and its RTX (RFC 4588 §8.6, apt=96), as the SFU answers
    expect(video!.rtpmaps).toEqual([{ payloadType: 96, encodingName: 'VP8', clockRate: 90000 }, { payloadType: 97, encodingName: 'rtx', clockRate: 90000 }]);
    expect(video!.fmtps.find((f) => f.format === '97')!.pairs).toEqual([['apt', '96']]);
    expect(audio!.fmtps[0]!.pairs).toContainEqual(['useinbandfec', '1']);
    // the ids sim/media writes into its RTP header extensions
    expect(audio!.extmaps.map((x) => [x.id, x.uri])).toEqual([
      [1, 'urn:ietf:params:rtp-hdrext:ssrc-audio-level'],
      [2, 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time'],
      [4, 'urn:ietf:params:rtp-hdrext:sdes:mid'],
    ]);
    expect(video!.extmaps.map((x) => x.id)).toEqual([2, 4]);
    expect(audio!.ssrcs.find((x) => x.attribute === 'cname')).toEqual({ ssrc: 1111, attribute: 'cname', value: 'alice' });
    // RFC 8843: the candidates of the bundle sit in its first section, followed by end-of-candidates
    expect(audio!.candidates.map((c) => c.type)).toEqual(['host', 'srflx']);
    expect(audio!.endOfCandidates).toBe(true);
    expect(video!.candidates).toEqual([]);
    // JSEP §5.2.1: the default candidate gives the m= port and c= address
    expect(audio!.port).toBe(50000);
    expect(audio!.connection?.address).toBe('10.0.1.10');
    expect(s.iceLite).toBe(false);
  });

  it('an ICE-lite answer says a=ice-lite at session level and a=setup:passive, without trickle', () => {
    const text = writeDescription({ ...offer, type: 'answer', lite: true, setup: 'passive', candidates: ['1 1 udp 2130706431 198.51.100.30 40000 typ host'] });
    const d = decodeSdp(text);
    expect(d.problems).toEqual([]);
    expect(d.value.iceLite).toBe(true);
    expect(text).not.toContain('a=ice-options:trickle');
    expect(effective(d.value, d.value.media[0]!).setup).toBe('passive');
  });

  it('without candidates a section uses port 9 and 0.0.0.0 (JSEP §5.2.1) and has no end-of-candidates', () => {
    const d = decodeSdp(writeDescription({ ...offer, candidates: [], endOfCandidates: false }));
    expect(d.problems).toEqual([]);
    expect(d.value.media[0]!.port).toBe(9);
    expect(d.value.media[0]!.connection?.address).toBe('0.0.0.0');
    expect(d.value.media[0]!.endOfCandidates).toBe(false);
  });

  it('readDescription gives back what the peer needs: credentials, candidates, fingerprint, setup, ssrcs', () => {
    const r = readDescription(writeDescription(offer));
    if (!r.ok) throw new Error(r.error);
    expect(r.problems).toEqual([]);
    expect(r.value.ufrag).toBe('Xy7Q');
    expect(r.value.candidates).toEqual(offer.candidates);
    expect(r.value.endOfCandidates).toBe(true);
    expect(r.value.fingerprint).toBe(`sha-256 ${FP.toUpperCase()}`);
    expect(r.value.setup).toBe('actpass');
    expect(r.value.bundle).toEqual(['0', '1', '2']);
    expect(r.value.ssrcs).toEqual([
      { mid: '0', kind: 'audio', ssrc: 1111, cname: 'alice' },
      { mid: '1', kind: 'video', ssrc: 2222, cname: 'alice' },
    ]);
  });

  it('a description without a fingerprint or ICE credentials is refused', () => {
    const text = writeDescription(offer);
    expect(readDescription(text.replace(/a=fingerprint:[^\r]*\r\n/g, ''))).toMatchObject({ ok: false, error: expect.stringMatching(/fingerprint/) });
    expect(readDescription(text.replace(/a=ice-pwd:[^\r]*\r\n/g, ''))).toMatchObject({ ok: false, error: expect.stringMatching(/ice-pwd/) });
  });

  it('a=setup decides the DTLS role (RFC 8842 §5.1): the answerer to actpass goes active, active is the client', () => {
    expect(answerSetup('actpass')).toBe('active');
    expect(answerSetup('active')).toBe('passive');
    expect(answerSetup('passive')).toBe('active');
    expect(dtlsRoleFor('active', 'actpass')).toBe('client');
    expect(dtlsRoleFor('actpass', 'active')).toBe('server');
    expect(dtlsRoleFor('actpass', 'passive')).toBe('client');
    expect(dtlsRoleFor('passive', 'active')).toBe('server');
  });
});
