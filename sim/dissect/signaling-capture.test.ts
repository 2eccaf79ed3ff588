import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { utf8Decode } from '../core/encoding.ts';
import type { HttpMessage, HttpRequestLine, HttpStatusLine } from '../wire/http/http.ts';
import type { WebSocketFrame } from '../wire/websocket/frame.ts';
import type { SessionDescription } from '../wire/sdp/types.ts';
import { encodeSdp } from '../wire/sdp/sdp.ts';
import type { SignalingMessage } from './signaling.ts';
import { CAPTURES_DIR, dissectFile } from '../../test/support/dissect-captures.ts';
import type { DissectedPacket, Layer } from './types.ts';

// A real loopback capture of HTTP and WebSocket signaling (captures/signaling/README.md): Janus over HTTP with
// pipelining and a chunked answer, then Janus over WebSocket with the offer split over two TCP segments, the answer
// fragmented into two frames, trickle, a protoo request, ping/pong and Close. Its truth file is tshark's reading.

const FILE = `${CAPTURES_DIR}signaling/janus-websocket.pcapng`;
const truth = JSON.parse(readFileSync(`${CAPTURES_DIR}signaling/janus-websocket.truth.json`, 'utf8')) as {
  packet_count: number;
  frames: { frame: number; http_request?: { method: string; uri: string }; http_response?: number; websocket?: { opcode: number; fin: boolean; masked: boolean }[]; close_code?: number }[];
  offer_sdp: string;
  answer_sdp: string;
};
const d = dissectFile(FILE);
const packet = (no: number): DissectedPacket => d.packets[no - 1]!.d;
const layers = (no: number, protocol: Layer['protocol']): Layer[] => packet(no).layers.filter((l) => l.protocol === protocol);
const http = (no: number): HttpMessage[] => layers(no, 'HTTP').map((l) => l.value as HttpMessage);
const frames = (no: number): WebSocketFrame[] => layers(no, 'WEBSOCKET').map((l) => l.value as WebSocketFrame);

describe('HTTP and WebSocket signaling captured on loopback', () => {
  it('dissects all 49 packets with no problem', () => {
    expect(d.packets).toHaveLength(truth.packet_count);
    expect(d.packets.flatMap((p) => p.d.problems.map((x) => `${p.raw.index + 1}: ${x.message}`))).toEqual([]);
  });

  it('finds exactly the HTTP messages and WebSocket frames tshark finds, frame by frame', () => {
    const byFrame = new Map(truth.frames.map((f) => [f.frame, f]));
    for (let no = 1; no <= d.packets.length; no++) {
      const t = byFrame.get(no);
      const requests = http(no).filter((m) => m.start.kind === 'request').map((m) => m.start as HttpRequestLine);
      const responses = http(no).filter((m) => m.start.kind === 'response').map((m) => (m.start as HttpStatusLine).status);
      expect(requests.map((r) => r.method).join(','), `frame ${no}`).toBe(t?.http_request?.method ?? '');
      expect(requests.map((r) => r.target).join(','), `frame ${no}`).toBe(t?.http_request?.uri ?? '');
      expect(responses, `frame ${no}`).toEqual(t?.http_response ? [t.http_response] : []);
      expect(frames(no).map((f) => ({ opcode: f.opcode, fin: f.fin, masked: f.masked })), `frame ${no}`).toEqual(t?.websocket ?? []);
      if (t?.close_code) expect(frames(no)[0]!.closeCode).toBe(t.close_code);
    }
  });

  it('reads two requests pipelined in one segment, and joins the chunked body of the second answer', () => {
    expect(http(8).map((m) => (m.start as HttpRequestLine).target)).toEqual(['/janus/info', '/janus/1234']);
    const chunked = http(13)[0]!;
    expect(chunked.framing).toBe('chunked');
    expect(JSON.parse(utf8Decode(chunked.body))).toMatchObject({ janus: 'success', transaction: 'Ht2', data: { id: 5678 } });
    // frame 11 carries the answer's head and first chunk: a segment of a message completed later
    expect(packet(11).protocol).toBe('TCP');
    expect(packet(11).layers.at(-1)!.protocol).toBe('DATA');
  });

  it('verifies the Upgrade: Sec-WebSocket-Accept is the hash of the request key (RFC 6455 §4.2.2)', () => {
    expect(packet(23).summary).toContain('WebSocket upgrade, accept value verified');
  });

  it('reassembles the offer from two TCP segments, unmasks it and parses the SDP inside exactly', () => {
    expect(layers(25, 'WEBSOCKET')).toEqual([]);
    const ws = layers(26, 'WEBSOCKET')[0]!;
    expect(ws.bytesFrom).toBe('reassembled');
    const sig = layers(26, 'SIGNALING')[0]!.value as SignalingMessage;
    expect(sig).toMatchObject({ dialect: 'janus', kind: 'janus message', id: 'Wt3', descriptions: [{ type: 'offer', sdp: truth.offer_sdp }] });
    const sdp = layers(26, 'SDP')[0]!;
    expect(sdp.problems).toEqual([]);
    expect(encodeSdp(sdp.value as SessionDescription)).toBe(truth.offer_sdp);
    expect(packet(26).summary).toBe('Janus message (transaction Wt3): SDP offer');
  });

  it('joins the fragmented answer (text without FIN, then continuation) into one message', () => {
    expect(layers(30, 'SIGNALING')).toEqual([]);
    const sdp = layers(32, 'SDP')[0]!.value as SessionDescription;
    expect(encodeSdp(sdp)).toBe(truth.answer_sdp);
    expect(sdp.media[0]!.candidates.map((c) => `${c.address}:${c.port}`)).toEqual(['127.0.0.1:52097', '127.0.0.1:4444']);
  });

  it('recognises trickle, end of candidates and a protoo request with DTLS fingerprints', () => {
    expect((layers(34, 'SIGNALING')[0]!.value as SignalingMessage).candidates[0]!.candidate).toMatch(/typ srflx raddr 127\.0\.0\.1 rport 35027/);
    expect((layers(37, 'SIGNALING')[0]!.value as SignalingMessage).endOfCandidates).toBe(true);
    const protoo = layers(39, 'SIGNALING')[0]!.value as SignalingMessage;
    expect(protoo).toMatchObject({ dialect: 'protoo', kind: 'protoo request connectWebRtcTransport', id: '7', dtlsRole: 'client' });
    expect(protoo.fingerprints[0]!.value).toMatch(/^53:C8/);
    expect((layers(40, 'SIGNALING')[0]!.value as SignalingMessage).kind).toBe('protoo response ok');
  });

  it('notes the retransmitted FIN tshark marks as a retransmission', () => {
    expect(packet(46).layers.find((l) => l.protocol === 'TCP')!.summary).toContain('retransmitted FIN');
    expect(packet(45).layers.find((l) => l.protocol === 'TCP')!.summary).not.toContain('retransmitted');
  });
});
