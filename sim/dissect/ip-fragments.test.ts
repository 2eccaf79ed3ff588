import { describe, expect, it } from 'vitest';
import { concatBytes, utf8Decode, utf8Encode } from '../core/encoding.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { fragmentIPv4 } from '../wire/ip/fragment.ts';
import { encodeTcpSegment } from '../wire/tcp/tcp.ts';
import { encodeStun, Method, Software } from '../wire/stun/index.ts';
import type { HttpMessage } from '../wire/http/http.ts';
import { Dissector } from './dissector.ts';

// IPv4 fragments (RFC 791 §3.2) in captured frames: reassembled by the Dissector, and the whole datagram dissected
// on the last fragment, UDP (STUN) as well as TCP (HTTP through the stream reassembly).

const ETHERNET = 1;
const ether = (ip: Uint8Array): Uint8Array => concatBytes(new Uint8Array([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]), ip);

function fragments(datagram: Uint8Array, mtu: number): Uint8Array[] {
  const f = fragmentIPv4(datagram, mtu);
  if (!Array.isArray(f)) throw new Error(f.error);
  return f;
}

describe('IPv4 fragments in captured frames', () => {
  it('a STUN message split into 4 fragments is dissected whole on the last one, out of order too', () => {
    const stun = encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(7), attributes: [{ type: Software.type, value: 'x'.repeat(400) }] });
    const dgram = encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 5000, dstPort: 3478, payload: stun, identification: 0x1234, dontFragment: false });
    const parts = fragments(dgram, 150);
    expect(parts.length).toBe(4);
    const d = new Dissector();
    const order = [parts[1]!, parts[0]!, parts[3]!, parts[2]!];
    const out = order.map((p, i) => d.packet(ether(p), { linkType: ETHERNET, index: i, t: i }));
    for (const p of out.slice(0, 3)) expect(p.summary).toContain('IP fragment, reassembly pending');
    const last = out[3]!;
    expect(last.protocol).toBe('STUN');
    expect(last.summary).toContain('(reassembled from 4 fragments)');
    expect(last.reassembled).toEqual(dgram);
    expect(last.layers.map((l) => l.protocol)).toEqual(['ETH', 'IPv4', 'UDP', 'STUN']);
    expect(last.problems).toEqual([]);
  });

  it('a TCP segment carrying an HTTP request, fragmented, reaches the stream reassembly', () => {
    const body = JSON.stringify({ janus: 'keepalive', transaction: 'frag', pad: 'y'.repeat(300) });
    const req = utf8Encode(`POST /janus HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const syn = encodeTcpSegment({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 40000, dstPort: 80, sequenceNumber: 9, flags: ['SYN'] });
    const seg = encodeTcpSegment({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 40000, dstPort: 80, sequenceNumber: 10, flags: ['ACK', 'PSH'], payload: req, dontFragment: false, identification: 77 });
    const d = new Dissector();
    d.packet(ether(syn), { linkType: ETHERNET });
    const out = fragments(seg, 200).map((p) => d.packet(ether(p), { linkType: ETHERNET }));
    const last = out[out.length - 1]!;
    expect(last.protocol).toBe('SIGNALING');
    const http = last.layers.find((l) => l.protocol === 'HTTP')!.value as HttpMessage;
    expect(JSON.parse(utf8Decode(http.body)).transaction).toBe('frag');
    expect(last.problems).toEqual([]);
  });
});
