// Signaling messages as their apps' JSON text: every protocol's messages survive encode → decode unchanged, and
// hostile text is an error naming what is wrong, never a throw.
import { describe, expect, it } from 'vitest';
import { decodeSignaling, describeMessage, encodeSignaling, iceSignal, jsep, messageData, protoo, type SignalingMessage } from './message.ts';

const OFFER = 'v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host\r\na=candidate:2 1 udp 1694498815 203.0.113.1 6000 typ srflx raddr 10.0.0.1 rport 5000\r\n';

const samples: SignalingMessage[] = [
  jsep({ type: 'offer', sdp: OFFER }),
  jsep({ type: 'answer', sdp: 'v=0\r\n' }),
  jsep({ type: 'candidate', candidate: 'candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host', sdpMid: '0', ufrag: 'abcd' }),
  jsep({ type: 'end-of-candidates', ufrag: 'abcd' }),
  protoo({ request: true, id: 3, method: 'produce', data: { kind: 'audio', rtpParameters: { encodings: [{ ssrc: 1234 }] } } }),
  protoo({ response: true, id: 3, ok: true, data: { id: 'p1' } }),
  protoo({ response: true, id: 4, ok: false, errorReason: 'no port left' }),
  protoo({ notification: true, method: 'newProducer', data: { producerId: 'p1' } }),
  iceSignal({ type: 'description', ufrag: 'u', pwd: 'p'.repeat(22), lite: false, candidates: ['1 1 udp 1 10.0.0.1 5000 typ host'], endOfCandidates: true, restart: false }),
  iceSignal({ type: 'candidate', ufrag: 'u', candidate: '1 1 udp 1 10.0.0.1 5000 typ host' }),
  iceSignal({ type: 'end-of-candidates', ufrag: 'u' }),
];

describe('signaling messages', () => {
  it('survive encode → decode unchanged, each as the JSON body its app sends', () => {
    for (const m of samples) {
      const text = encodeSignaling(m);
      expect(JSON.parse(text)).toEqual(m.body);
      expect(decodeSignaling(m.protocol, text)).toEqual({ ok: true, value: m });
    }
  });

  it('describe themselves in one line and give notes their kind and SDP or JSON', () => {
    expect(describeMessage(samples[0]!)).toBe('SDP offer (2 candidate(s))');
    expect(describeMessage(samples[4]!)).toBe('request produce #3');
    expect(describeMessage(samples[6]!)).toBe('response #4 error no port left');
    expect(describeMessage(samples[8]!)).toBe('ICE description (ufrag u, 1 candidate(s), end-of-candidates)');
    expect(messageData(samples[0]!)).toEqual({ message: 'offer', sdp: OFFER });
    expect(messageData(samples[7]!)).toEqual({ message: 'notification', json: encodeSignaling(samples[7]!) });
    expect(messageData(samples[9]!)).toEqual({ message: 'candidate' });
  });

  it('turns hostile text into an error naming what is wrong, never a throw', () => {
    const cases: [SignalingMessage['protocol'], string, string][] = [
      ['jsep', '{"type":"offer"', 'not JSON'],
      ['jsep', '[1,2]', 'not a JSON object'],
      ['jsep', '{"type":"offer","sdp":7}', 'jsep: no offer, answer'],
      ['jsep', '{"type":"pranswer","sdp":""}', '"pranswer"'],
      ['protoo', '{"request":true,"id":"1","method":"x","data":{}}', 'protoo: neither a request'],
      ['protoo', '{"response":true,"id":1,"ok":true,"data":[]}', 'response data is not an object'],
      ['ice', '{"type":"candidate","candidate":"x"}', 'ice: no ufrag'],
      ['ice', '{"type":"description","ufrag":"u","pwd":"p","lite":false,"endOfCandidates":true,"restart":false,"candidates":[1]}', 'not a list of strings'],
      ['ice', 'null', 'not a JSON object'],
    ];
    for (const [protocol, text, error] of cases) {
      const r = decodeSignaling(protocol, text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain(error);
    }
  });
});
