import { describe, expect, it } from 'vitest';
import { utf8Encode } from '../core/encoding.ts';
import { findField } from '../wire/field.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { dissectPacket } from './dissect.ts';
import { layerToJson as layerJson } from './json.ts';
import { classifyDatagram, classOfProtocol } from './registry.ts';
import type { Layer } from './types.ts';

const udp = (payload: Uint8Array, srcPort = 5062, dstPort = 5060) => encodeUdpDatagram({ src: '192.0.2.1', dst: '198.51.100.2', srcPort, dstPort, payload });

const INVITE = [
  'INVITE sip:bob@198.51.100.2 SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK5a1c;rport',
  'Max-Forwards: 70',
  'f: "Alice" <sip:alice@192.0.2.1>;tag=9fxced76sl',
  'To: <sip:bob@198.51.100.2>',
  'Call-ID: 3848276298220188511@192.0.2.1',
  'CSeq: 2 INVITE',
  'Contact: <sip:alice@192.0.2.1:5062>',
  'Content-Type: application/sdp',
  '',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n',
].join('\r\n');

const sipOf = (layers: readonly Layer[]) => layers.find((l) => l.protocol === 'SIP');

describe('the SIP dissector (RFC 3261 over UDP)', () => {
  it('recognises an INVITE by its request line, with its header tree and SDP body', () => {
    const p = dissectPacket(udp(utf8Encode(INVITE), 40000, 40002));
    expect(p.protocol).toBe('SIP'); // named by its SIP layer, as a signaling message carrying SDP is
    const sip = sipOf(p.layers)!;
    expect(sip.summary).toBe('INVITE sip:bob@198.51.100.2');
    expect(sip.classification).toBe('a SIP request line (RFC 3261 §7): SIP');
    expect(sip.problems).toEqual([]);
    expect(findField(sip.fields, 'Branch')?.display).toBe('z9hG4bK5a1c');
    expect(findField(sip.fields, 'RPort')?.display).toBe('(requested)');
    expect(findField(sip.fields, 'From')?.display).toBe('"Alice" <sip:alice@192.0.2.1>;tag=9fxced76sl (compact form f)');
    expect(findField(sip.fields, 'Tag')?.display).toBe('9fxced76sl');
    expect(findField(sip.fields, 'Method')?.display).toBe('INVITE');
    const sdp = p.layers.at(-1)!;
    expect(sdp.summary).toMatch(/^offer: /);
    // the SDP layer spans exactly the body, inside this packet
    const bytes = udp(utf8Encode(INVITE), 40000, 40002);
    expect(new TextDecoder().decode(bytes.subarray(sdp.offset, sdp.offset + sdp.length))).toMatch(/^v=0\r\n[\s\S]*a=sendrecv\r\n$/);
  });

  it('reads digest parameters of a 401 and of the REGISTER answering it', () => {
    const r401 = ['SIP/2.0 401 Unauthorized', 'Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKr1;rport=5062;received=192.0.2.1', 'From: <sip:1001@rtclab.test>;tag=a1', 'To: <sip:1001@rtclab.test>;tag=b2', 'Call-ID: c1', 'CSeq: 1 REGISTER', 'WWW-Authenticate: Digest realm="rtclab.test", nonce="abc", qop="auth", algorithm=MD5', 'Content-Length: 0', '', ''].join('\r\n');
    const p = dissectPacket(udp(utf8Encode(r401), 5060, 5062));
    const sip = sipOf(p.layers)!;
    expect(sip.summary).toBe('401 Unauthorized (REGISTER)');
    expect(findField(sip.fields, 'Realm')?.display).toBe('rtclab.test');
    expect(findField(sip.fields, 'Received')?.display).toBe('192.0.2.1');
    expect(findField(sip.fields, 'RPort')?.display).toBe('5062');
    const j = layerJson(sip);
    expect(j).toMatchObject({ status: 401, reason: 'Unauthorized', callId: 'c1', cseq: { seq: 1, method: 'REGISTER' }, via: { transport: 'UDP', sentBy: '192.0.2.1:5062', branch: 'z9hG4bKr1', received: '192.0.2.1', rport: 5062 }, from: { uri: 'sip:1001@rtclab.test', tag: 'a1' }, to: { tag: 'b2' } });
  });

  it('on port 5060 a keep-alive is SIP, and a broken message is SIP with a problem naming what is wrong', () => {
    expect(sipOf(dissectPacket(udp(utf8Encode('\r\n\r\n'))).layers)?.summary).toMatch(/keep-alive/);
    const bad = sipOf(dissectPacket(udp(utf8Encode('REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n'))).layers)!;
    expect(bad.summary).toBe('SIP (malformed)');
    expect(bad.problems.map((x) => x.message)).toEqual([expect.stringContaining('without From, To, Call-ID, CSeq, Max-Forwards')]);
    // off 5060 the same text is no SIP start line's datagram: left as data
    expect(sipOf(dissectPacket(udp(utf8Encode('Hello'), 4000, 4001)).layers)).toBeUndefined();
  });

  it('leaves every other UDP payload as it was (STUN, ChannelData, unassigned bytes)', () => {
    expect(dissectPacket(udp(new Uint8Array([0x40, 0x00, 0x00, 0x02, 1, 2]), 4000, 3478)).protocol).toBe('TURN-CHANNELDATA');
    expect(dissectPacket(udp(utf8Encode('Zebra'), 4000, 4001)).layers.at(-1)!.protocol).toBe('DATA');
  });

  it('classifies SIP datagrams for the visualizer as the dissector does', () => {
    expect(classifyDatagram(udp(utf8Encode(INVITE), 40000, 40002))).toBe(classOfProtocol('SIP'));
  });
});
