// The signaling server's mangle rules: what each SDP edit changes (and nothing else), which messages a rule
// matches, drops, and the messages it leaves alone.
import { describe, expect, it } from 'vitest';
import { editSdp, mangleMessage, type MangleRule } from './mangle.ts';

const OFFER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 13 110', 'c=IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122260223 10.0.1.10 5000 typ host', 'a=end-of-candidates',
  'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789012345678901', 'a=fingerprint:sha-256 AA:BB', 'a=setup:actpass', 'a=mid:0', 'a=sendrecv',
  'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtcp-fb:111 transport-cc',
  'a=rtpmap:63 red/48000/2', 'a=fmtp:63 111/111', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:13 CN/8000', 'a=rtpmap:110 telephone-event/48000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=sendrecv',
  'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  '',
].join('\r\n');

describe('editSdp', () => {
  it('removes candidate and end-of-candidates lines only', () => {
    const r = editSdp(OFFER, { removeCandidates: true });
    expect(r.sdp).not.toMatch(/a=candidate|a=end-of-candidates/);
    expect(r.sdp.split('\r\n').length).toBe(OFFER.split('\r\n').length - 2);
    expect(r.changes).toEqual(['2 candidate line(s) removed']);
  });
  it('replaces credentials, setup, fingerprint and direction, saying what they were', () => {
    const r = editSdp(OFFER, { iceUfrag: 'wxyz', icePwd: 'p'.repeat(22), setup: 'passive', fingerprint: 'sha-256 CC:DD', direction: 'sendonly' });
    expect(r.sdp).toContain('a=ice-ufrag:wxyz\r\n');
    expect(r.sdp).toContain(`a=ice-pwd:${'p'.repeat(22)}\r\n`);
    expect(r.sdp).toContain('a=setup:passive\r\n');
    expect(r.sdp).toContain('a=fingerprint:sha-256 CC:DD\r\n');
    expect(r.sdp.match(/a=sendonly/g)).toHaveLength(2);
    expect(r.sdp).not.toContain('a=sendrecv');
    expect(r.changes).toEqual([
      'a=ice-ufrag:abcd → wxyz', `a=ice-pwd:0123456789012345678901 → ${'p'.repeat(22)}`, 'a=setup:actpass → passive', 'a=fingerprint:sha-256 AA:BB → sha-256 CC:DD', 'direction sendrecv → sendonly',
    ]);
    expect(r.sdp.endsWith('\r\n')).toBe(true);
  });
  it('removes codecs from the m= line with their rtpmap, fmtp and rtcp-fb, and the RTX repairing them', () => {
    const r = editSdp(OFFER, { removeCodecs: ['OPUS', 'g722', 'vp8'] });
    expect(r.sdp).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 63 0 13 110\r\n');
    expect(r.sdp).toContain('m=video 9 UDP/TLS/RTP/SAVPF\r\n');
    expect(r.sdp).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):(111|9|96|97) /);
    expect(r.sdp).toContain('a=fmtp:63 111/111'); // RED names opus in its fmtp, not apt=: it stays
    expect(r.changes).toEqual(['codec(s) removed: opus/111, G722/9, VP8/96']);
  });
  it('changes nothing and says nothing when no line matches', () => {
    expect(editSdp(OFFER, { removeCodecs: ['H264'] })).toEqual({ sdp: OFFER, changes: [] });
  });
});

describe('mangleMessage', () => {
  const forward = (body: Record<string, unknown>): string => JSON.stringify({ from: 'alice', ...body });
  const rules: MangleRule[] = [
    { message: 'candidate', from: 'alice', drop: true },
    { message: 'answer', to: 'alice', sdp: { setup: 'active' } },
  ];
  it('drops the messages a rule names, from the party it names', () => {
    const c = { type: 'candidate', candidate: '1 1 udp 1 10.0.0.1 5 typ host', sdpMid: '0', ufrag: 'abcd' };
    expect(mangleMessage(rules, 'alice', 'bob', c, forward)).toEqual({ text: undefined, changes: ['candidate dropped'], message: 'candidate' });
    expect(mangleMessage(rules, 'bob', 'alice', c, forward).text).toBe(forward(c));
  });
  it('rewrites the SDP of a matching description and forwards it', () => {
    const r = mangleMessage(rules, 'bob', 'alice', { type: 'answer', sdp: OFFER }, forward);
    expect(r.changes).toEqual(['a=setup:actpass → active']);
    expect(JSON.parse(r.text!).sdp).toContain('a=setup:active\r\n');
    expect(mangleMessage(rules, 'bob', 'carol', { type: 'answer', sdp: OFFER }, forward).changes).toEqual([]);
  });
  it('leaves protoo requests and unknown messages alone', () => {
    const req = { request: true, id: 1, method: 'produce', data: { type: 'offer' } };
    expect(mangleMessage([{ message: 'offer', drop: true }], 'alice', 'sfu', req, forward)).toEqual({ text: forward(req), changes: [] });
    expect(mangleMessage([{ message: 'offer', drop: true }], 'alice', 'bob', { type: 'hello' }, forward).changes).toEqual([]);
  });
});
