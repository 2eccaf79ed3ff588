import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import { encodeTcpSegment, type TcpFlagName } from '../wire/tcp/tcp.ts';
import { encodeWebSocketFrame, Opcode } from '../wire/websocket/frame.ts';
import type { HttpMessage } from '../wire/http/http.ts';
import { Dissector } from './dissector.ts';
import { TcpDirection } from './tcp-reassembly.ts';
import type { DissectedPacket } from './types.ts';

// TCP stream reassembly per direction (RFC 9293 §3.4): segments out of order, retransmitted, overlapping, lost,
// sequence numbers wrapping, SYN/FIN/RST, and memory bounded against a flood of out-of-order data.

const text = (d: { bytes: Uint8Array }[]): string => d.map((x) => utf8Decode(x.bytes)).join('');
const none = { syn: false, fin: false, rst: false };

describe('one direction of a TCP stream', () => {
  it('delivers in order after a SYN, and holds an early segment until the gap before it fills', () => {
    const t = new TcpDirection();
    t.segment(1000, { ...none, syn: true }, new Uint8Array(0));
    const late = t.segment(1006, none, utf8Encode('world'));
    expect(late.deliveries).toEqual([]);
    expect(late.notes[0]).toMatch(/out of order: 5 byte/);
    const fill = t.segment(1001, none, utf8Encode('hello'));
    expect(text(fill.deliveries)).toBe('helloworld');
    expect(fill.deliveries[0]!.fromThisSegment).toBe(0);
    expect(fill.deliveries[1]!.fromThisSegment).toBeUndefined();
  });

  it('drops a full retransmission and trims an overlapping one to its new bytes', () => {
    const t = new TcpDirection();
    t.segment(0, { ...none, syn: true }, new Uint8Array(0));
    t.segment(1, none, utf8Encode('abcdef'));
    const again = t.segment(1, none, utf8Encode('abcdef'));
    expect(again.deliveries).toEqual([]);
    expect(again.notes).toEqual(['retransmission of 6 byte(s) already seen']);
    const overlap = t.segment(4, none, utf8Encode('defGHI'));
    expect(text(overlap.deliveries)).toBe('GHI');
    expect(overlap.deliveries[0]!.fromThisSegment).toBe(3);
  });

  it('follows sequence numbers across the 2^32 wrap', () => {
    const t = new TcpDirection();
    t.segment(0xfffffffd, { ...none, syn: true }, new Uint8Array(0));
    const a = t.segment(0xfffffffe, none, utf8Encode('abcd'));
    const b = t.segment(2, none, utf8Encode('ef'));
    expect(text([...a.deliveries, ...b.deliveries])).toBe('abcdef');
  });

  it('reports bytes never captured when the FIN arrives beyond a gap, and delivers what follows it', () => {
    const t = new TcpDirection();
    t.segment(0, { ...none, syn: true }, new Uint8Array(0));
    t.segment(1, none, utf8Encode('ab'));
    t.segment(10, none, utf8Encode('xyz'));
    const fin = t.segment(13, { ...none, fin: true }, new Uint8Array(0));
    expect(fin.problems).toEqual(['7 byte(s) of the stream at seq 3 were never captured (the FIN came at seq 13 with the stream still at 3)']);
    expect(text(fin.deliveries)).toBe('xyz');
    expect(fin.deliveries[0]!.afterGap).toBe(7);
    expect(fin.ended).toBe(true);
  });

  it('bounds the out-of-order bytes it holds: past the cap the gap is declared lost', () => {
    const t = new TcpDirection({ maxHeldBytes: 1000, maxHeldSegments: 8 });
    t.segment(0, { ...none, syn: true }, new Uint8Array(0));
    const problems: string[] = [];
    // a hostile sender: segments always 100 bytes ahead of the stream, never the missing one
    for (let i = 0; i < 50; i++) problems.push(...t.segment(101 + i * 100, none, new Uint8Array(100)).problems);
    expect(t.heldSize).toBeLessThanOrEqual(1000);
    expect(problems).toEqual(['100 byte(s) of the stream at seq 1 were never captured (more than 1000 bytes or 8 segments held out of order)']);
  });

  it('picks a stream up mid-connection, and ends it on RST', () => {
    const t = new TcpDirection();
    const first = t.segment(5000, none, utf8Encode('mid'));
    expect(first.notes).toContain('stream picked up mid-connection (no SYN seen)');
    expect(text(first.deliveries)).toBe('mid');
    const rst = t.segment(5003, { ...none, rst: true }, new Uint8Array(0));
    expect(rst.ended).toBe(true);
    expect(rst.notes).toContain('connection reset (RST)');
  });
});

describe('HTTP and WebSocket over reassembled TCP through the Dissector', () => {
  const C = { ip: '10.0.0.1', port: 40000 };
  const S = { ip: '10.0.0.2', port: 8188 };
  function seg(from: typeof C, to: typeof C, seq: number, payload: Uint8Array, flags: TcpFlagName[] = ['ACK', 'PSH']): Uint8Array {
    return encodeTcpSegment({ src: from.ip, dst: to.ip, srcPort: from.port, dstPort: to.port, sequenceNumber: seq, flags, payload });
  }

  it('a POST whose body arrives out of order and retransmitted is read once, on the segment that completes it', () => {
    const body = JSON.stringify({ janus: 'message', transaction: 'x1', jsep: { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n' } });
    const msg = utf8Encode(`POST /janus/1/2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const d = new Dissector();
    const out: DissectedPacket[] = [];
    out.push(d.packet(seg(C, S, 99, new Uint8Array(0), ['SYN'])));
    out.push(d.packet(seg(C, S, 100 + 60, msg.subarray(60))));
    out.push(d.packet(seg(C, S, 100, msg.subarray(0, 60))));
    out.push(d.packet(seg(C, S, 100, msg.subarray(0, 60))));
    expect(out.map((p) => p.protocol)).toEqual(['TCP', 'TCP', 'SIGNALING', 'TCP']);
    const http = out[2]!.layers.find((l) => l.protocol === 'HTTP')!;
    expect(http.bytesFrom).toBe('reassembled');
    expect(utf8Decode((http.value as HttpMessage).body)).toBe(body);
    expect(out[3]!.layers.find((l) => l.protocol === 'TCP')!.summary).toContain('retransmission of 60 byte(s)');
    expect(out.flatMap((p) => p.problems)).toEqual([]);
  });

  it('a message wholly inside one segment keeps packet offsets: the request line highlights the right bytes', () => {
    const d = new Dissector();
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    const bytes = seg(C, S, 1, utf8Encode('GET /ws HTTP/1.1\r\nHost: x\r\n\r\n'));
    const p = d.packet(bytes);
    const http = p.layers.find((l) => l.protocol === 'HTTP')!;
    expect(http.bytes).toBeUndefined();
    const f = http.fields.find((x) => x.name === 'request-line')!;
    expect(utf8Decode(bytes.subarray(f.offset, f.offset + f.length))).toBe('GET /ws HTTP/1.1');
  });

  it('after a gap the half-read message is dropped with a problem and parsing resumes at the next frame', () => {
    const d = new Dissector();
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    d.packet(seg(S, C, 0, new Uint8Array(0), ['SYN', 'ACK']));
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const req = utf8Encode(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    d.packet(seg(C, S, 1, req));
    const resp = utf8Encode('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
    expect(d.packet(seg(S, C, 1, resp)).summary).toContain('accept value verified');
    const f1 = encodeWebSocketFrame({ opcode: Opcode.text, payload: utf8Encode('{"janus":"keepalive","transaction":"k1"}') });
    const f2 = encodeWebSocketFrame({ opcode: Opcode.text, payload: utf8Encode('{"janus":"ack","transaction":"k2"}') });
    let seq = 1 + resp.length;
    d.packet(seg(S, C, seq, f1.subarray(0, 10)));
    // the rest of f1 is lost; f2 arrives, then the FIN
    const after = d.packet(seg(S, C, seq + f1.length, f2));
    expect(after.protocol).toBe('TCP');
    seq += f1.length + f2.length;
    const fin = d.packet(seg(S, C, seq, new Uint8Array(0), ['FIN', 'ACK']));
    expect(fin.problems.map((p) => p.message)).toEqual([`${f1.length - 10} byte(s) of the stream at seq ${1 + resp.length + 10} were never captured (the FIN came at seq ${seq} with the stream still at ${1 + resp.length + 10})`, '10 byte(s) of an unfinished message dropped after a gap in the stream']);
    expect(fin.summary).toBe('Janus ack (transaction k2)');
  });

  it('a 4 MiB WebSocket frame in 3000 segments is joined once it is whole (no quadratic copying)', () => {
    const d = new Dissector({ spans: false });
    d.packet(seg(S, C, 0, new Uint8Array(0), ['SYN']));
    const resp = utf8Encode('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    d.packet(seg(S, C, 1, resp));
    const frame = encodeWebSocketFrame({ opcode: Opcode.binary, payload: new Uint8Array(4 << 20).fill(0x61) });
    let seq = 1 + resp.length;
    let last: DissectedPacket | undefined;
    const size = Math.ceil(frame.length / 3000);
    for (let at = 0; at < frame.length; at += size) {
      last = d.packet(seg(S, C, seq, frame.subarray(at, at + size)));
      seq += Math.min(size, frame.length - at);
    }
    expect(last!.summary).toBe('WebSocket Binary (FIN) 4194304 bytes');
  });

  it('a Content-Length of a terabyte is not buffered: past 16 MiB the direction is shown as data, with one problem', () => {
    const d = new Dissector({ spans: false });
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    const head = utf8Encode('POST /upload HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n');
    d.packet(seg(C, S, 1, head));
    const chunk = new Uint8Array(60000);
    let seq = 1 + head.length;
    const problems: string[] = [];
    for (let i = 0; i < 300; i++) {
      problems.push(...d.packet(seg(C, S, seq, chunk)).problems.map((p) => p.message));
      seq += chunk.length;
    }
    expect(problems).toEqual([expect.stringMatching(/^more than 16777216 bytes without a complete message/)]);
  });

  it('at the end of a capture, a gap never filled and a message left unfinished are reported', () => {
    const d = new Dissector();
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    d.packet(seg(C, S, 1, utf8Encode('POST /janus HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"janus":')));
    d.packet(seg(C, S, 500, utf8Encode('late bytes')));
    expect(d.finish().problems).toEqual([
      'TCP 10.0.0.1:40000 10.0.0.2:8188: 10 byte(s) in 1 segment(s) from 10.0.0.1:40000 held behind a gap at seq 55 that the capture never filled',
      'TCP 10.0.0.1:40000 10.0.0.2:8188: the capture ends inside a HTTP message from 10.0.0.1:40000 (54 byte(s) read)',
    ]);
    expect(new Dissector().finish().problems).toEqual([]);
  });

  it('a WHIP exchange (RFC 9725): the offer POSTed as application/sdp and the answer in the 201 are parsed', () => {
    const d = new Dissector();
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    d.packet(seg(S, C, 0, new Uint8Array(0), ['SYN', 'ACK']));
    const offer = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
    const post = utf8Encode(`POST /whip/endpoint HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: ${offer.length}\r\n\r\n${offer}`);
    const req = d.packet(seg(C, S, 1, post));
    expect(req.layers.map((l) => l.protocol)).toEqual(['IPv4', 'TCP', 'HTTP', 'SDP']);
    expect(req.layers[3]!.summary).toBe('offer: SDP audio');
    const answer = offer.replace('o=- 1 1', 'o=- 2 1');
    const created = utf8Encode(`HTTP/1.1 201 Created\r\nLocation: /whip/resource/1\r\nContent-Type: application/sdp\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`);
    const resp = d.packet(seg(S, C, 1, created));
    expect(resp.layers[3]!.summary).toBe('answer: SDP audio');
    expect(resp.protocol).toBe('HTTP');
  });
});

