import { describe, expect, it } from 'vitest';
import { toHex, utf8Encode } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { decodeSdp, describeSdp, effective, encodeSdp } from './sdp.ts';

// A browser-style offer (shape of Chromium's createOffer with one audio and one video section, bundled).
const OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS stream',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 192.168.1.10 54400 typ host generation 0 network-id 1',
  'a=candidate:842163049 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.168.1.10 rport 54400 generation 0',
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:3/sendrecv http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  'a=ssrc:1001 cname:rtclab',
  'a=ssrc:1001 msid:stream audio0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1',
  'a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F',
  'a=setup:actpass',
  'a=mid:1',
  'a=recvonly',
  'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('SDP (RFC 8866) as WebRTC writes it', () => {
  it('reads the session part, both media sections and the bundle group with no problem', () => {
    const d = decodeSdp(OFFER);
    expect(d.problems).toEqual([]);
    const v = d.value;
    expect(v.version).toBe(0);
    expect(v.origin).toMatchObject({ sessionId: '4611731400430051336', sessionVersion: '2', address: '127.0.0.1' });
    expect(v.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1'] }]);
    expect(v.media.map((m) => [m.media, m.port, m.proto, m.formats, m.mid, m.direction])).toEqual([
      ['audio', 9, 'UDP/TLS/RTP/SAVPF', ['111', '0'], '0', 'sendrecv'],
      ['video', 9, 'UDP/TLS/RTP/SAVPF', ['96'], '1', 'recvonly'],
    ]);
    expect(describeSdp(v)).toBe('SDP audio, video (BUNDLE 0 1), 2 candidates');
  });

  it('parses a=candidate per RFC 8839 §5.1, with raddr/rport and extensions', () => {
    const [host, srflx] = decodeSdp(OFFER).value.media[0]!.candidates;
    expect(host).toEqual({ foundation: '1467250027', component: 1, transport: 'udp', priority: 2122260223, address: '192.168.1.10', port: 54400, type: 'host', extensions: [['generation', '0'], ['network-id', '1']] });
    expect(srflx).toMatchObject({ type: 'srflx', address: '203.0.113.7', port: 61000, relatedAddress: '192.168.1.10', relatedPort: 54400 });
  });

  it('reads ICE credentials, DTLS fingerprint and setup role, rtpmap/fmtp, extmap and ssrc', () => {
    const d = decodeSdp(OFFER).value;
    const audio = d.media[0]!;
    expect(effective(d, audio)).toMatchObject({ iceUfrag: 'EsAw', icePwd: 'P2uYro0UCOQ4zxjKXaWCBui1', setup: 'actpass' });
    expect(audio.fingerprints[0]!.hashFunction).toBe('sha-256');
    expect(toHex(audio.fingerprints[0]!.fingerprint)).toBe('d2fa0ec322595e149569923d13b484242cc2a2c03efd348e5eea6faf52cee60f');
    expect(audio.rtpmaps).toEqual([
      { payloadType: 111, encodingName: 'opus', clockRate: 48000, encodingParameters: '2' },
      { payloadType: 0, encodingName: 'PCMU', clockRate: 8000 },
    ]);
    expect(audio.fmtps[0]!.pairs).toEqual([['minptime', '10'], ['useinbandfec', '1']]);
    expect(audio.extmaps).toEqual([
      { id: 1, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' },
      { id: 3, direction: 'sendrecv', uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' },
    ]);
    expect(audio.ssrcs).toEqual([
      { ssrc: 1001, attribute: 'cname', value: 'rtclab' },
      { ssrc: 1001, attribute: 'msid', value: 'stream audio0' },
    ]);
    expect(audio.rtcpMux).toBe(true);
    expect(d.media[1]!.endOfCandidates).toBe(true);
  });

  it('gives every line a span, and token spans inside a=candidate, at byte offsets plus base', () => {
    const d = decodeSdp(utf8Encode(OFFER), 100);
    const line = 'a=candidate:842163049 1 udp 1686052607 203.0.113.7 61000 typ srflx';
    const at = OFFER.indexOf(line);
    const cand = d.fields.filter((f) => f.name === 'a=candidate')[1]!;
    expect(cand.offset).toBe(100 + at);
    const addr = findField(cand.children!, 'connection-address')!;
    expect(addr).toMatchObject({ offset: 100 + OFFER.indexOf('203.0.113.7'), length: 11, display: '203.0.113.7' });
    expect(findField(cand.children!, 'rel-port')).toMatchObject({ offset: 100 + OFFER.indexOf('54400 generation 0\r\na=ice'), display: '54400' });
  });

  it('counts byte offsets across multi-byte UTF-8 in s=', () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=Grüße\r\nt=0 0\r\na=ice-ufrag:abcd\r\n';
    const d = decodeSdp(sdp);
    expect(d.problems).toEqual([]);
    const prefix = sdp.slice(0, sdp.indexOf('a=ice-ufrag'));
    expect(utf8Encode(prefix).length).toBe(prefix.length + 2);
    expect(d.fields.find((f) => f.name === 'a=ice-ufrag')!.offset).toBe(utf8Encode(prefix).length);
  });

  it('writes the lines back byte for byte', () => {
    expect(encodeSdp(decodeSdp(OFFER).value)).toBe(OFFER);
  });

  it('reports what is malformed and keeps going: bad candidate, bad fingerprint, unknown setup, bundle naming a missing mid', () => {
    const bad = OFFER.replace('typ host', 'typo host').replace('sha-256 D2:FA', 'sha-256 D2:FAX').replace('setup:actpass', 'setup:sideways').replace('BUNDLE 0 1', 'BUNDLE 0 1 2');
    const d = decodeSdp(bad);
    const messages = d.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/candidate needs .* typ <type>/);
    expect(messages).toMatch(/fingerprint is not colon-separated pairs/);
    expect(messages).toMatch(/setup "sideways" is not/);
    expect(messages).toMatch(/names mid 2, which no m= section has/);
    expect(d.value.media).toHaveLength(2);
    expect(d.value.media[0]!.candidates).toHaveLength(1);
  });

  it('never throws on garbage and reports a missing v= line', () => {
    for (const g of ['', 'hello', '\r\n\r\n', 'v=0', 'm=', 'a=candidate:', '\u0000\u00ff=x']) {
      const d = decodeSdp(g);
      expect(Array.isArray(d.problems)).toBe(true);
    }
    expect(decodeSdp('hello\r\n').problems.map((p) => p.message)).toContain('a session description starts with v=0 (RFC 8866 §5)');
  });
});

describe('SDP from other stacks', () => {
  it('reads a Firefox-style offer: UDP in capitals, mDNS host candidate, TCP candidate, IPv6, b= lines', () => {
    const sdp = [
      'v=0',
      'o=mozilla...THIS_IS_SDPARTA-99.0 7385391470323478347 0 IN IP4 0.0.0.0',
      's=-',
      't=0 0',
      'a=fingerprint:sha-256 4C:B1:2A:3E:52:0E:67:3F:8B:3A:3E:2E:C9:6F:1C:28:8F:80:D1:6E:05:0A:7E:E4:2C:0D:7B:0B:6C:DB:73:19',
      'a=group:BUNDLE 0',
      'a=ice-options:trickle',
      'a=msid-semantic:WMS *',
      'm=audio 9 UDP/TLS/RTP/SAVPF 109',
      'c=IN IP6 ::1',
      'b=AS:64',
      'a=candidate:0 1 UDP 2122252543 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 60000 typ host',
      'a=candidate:1 1 TCP 2105524479 2001:db8::5 9 typ host tcptype active',
      'a=sendrecv',
      'a=ice-pwd:f4b5a2ed4f1a4ed0b7d6c8c9d3c1e0aa',
      'a=ice-ufrag:8c2f3b1a',
      'a=mid:0',
      'a=rtcp-mux',
      'a=rtpmap:109 opus/48000/2',
      'a=setup:actpass',
      '',
    ].join('\r\n');
    const d = decodeSdp(sdp);
    expect(d.problems).toEqual([]);
    const [mdns, tcp] = d.value.media[0]!.candidates;
    expect(mdns).toMatchObject({ transport: 'udp', address: '1f4712db-ea17-4bcf-a596-105139dfd8bf.local', type: 'host' });
    expect(tcp).toMatchObject({ transport: 'tcp', address: '2001:db8::5', tcpType: 'active' });
    expect(d.value.media[0]!.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '::1' });
    expect(effective(d.value, d.value.media[0]!).fingerprints).toHaveLength(1);
  });

  it('lines out of RFC 8866 order are a warning, not an error', () => {
    const d = decodeSdp('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=ice-lite\r\nt=0 0\r\n');
    expect(d.problems).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/t= is out of order/) })]);
  });
});
