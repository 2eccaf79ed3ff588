import { describe, expect, it } from 'vitest';
import { encodeStun } from '../wire/stun/index.ts';
import { encodeIPv4 } from '../wire/ip/ipv4.ts';
import { encodeUdp } from '../wire/ip/udp.ts';
import { IPPROTO } from '../wire/ip/protocols.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { Dissector } from './dissector.ts';
import { dissectUdpPayload, payloadLayers } from './dissect.ts';
import { LazyLayer, plainLayer } from './layer.ts';

// Summaries, classifications and "ip:port" texts are written when first read (a packet list reads a screenful);
// what they say must not change, and layers handed to code that copies them with a spread must keep them.

const rtp = encodeRtp({ payloadType: 111, sequenceNumber: 812, timestamp: 48000, ssrc: 0x1234abcd, marker: true, payload: new Uint8Array(20) });
const binding = encodeStun({ method: 1, class: 'request', transactionId: new Uint8Array(12).fill(7), attributes: [] });

const ALICE = '192.0.2.1';
const BOB = '198.51.100.7';

function datagram(payload: Uint8Array, src: string, srcPort: number, dst: string, dstPort: number): Uint8Array {
  const bytes = (ip: string): Uint8Array => Uint8Array.from(ip.split('.').map(Number));
  const pseudo = { family: 4 as const, src: bytes(src), dst: bytes(dst), protocol: IPPROTO.UDP };
  return encodeIPv4({ src, dst, protocol: IPPROTO.UDP }, encodeUdp({ srcPort, dstPort }, payload, pseudo));
}

describe('texts written on first read', () => {
  it('an RTP layer says what it said when written eagerly: summary and RFC 7983 classification', () => {
    const [l] = payloadLayers(rtp, 28);
    expect(l).toBeInstanceOf(LazyLayer);
    expect(l!.summary).toBe('RTP PT 111 ssrc 0x1234abcd seq 812 ts 48000 M');
    expect(l!.classification).toBe('first byte 0x80 is in 128–191 (RTP/RTCP) and the second byte 239 is outside 192–223: RTP, payload type 111');
  });

  it('layers from dissectUdpPayload keep their summary and classification through a spread', () => {
    for (const payload of [rtp, binding]) {
      const [l] = dissectUdpPayload(payload, 0);
      const copy = { ...l! };
      expect(copy.summary).toBe(l!.summary);
      expect(copy.summary.length).toBeGreaterThan(0);
      expect(copy.classification).toBe(l!.classification);
    }
    const lazy = payloadLayers(rtp, 0)[0]!;
    expect({ ...plainLayer(lazy) }.summary).toBe(lazy.summary);
  });

  it('a packet names its endpoints "ip:port" in either direction of a flow, and its summary is its top layer\'s', () => {
    const d = new Dissector({ spans: false });
    const out = d.packet(datagram(binding, ALICE, 5000, BOB, 3478), { index: 0 });
    const back = d.packet(datagram(binding, BOB, 3478, ALICE, 5000), { index: 1 });
    const other = d.packet(datagram(rtp, ALICE, 5002, BOB, 3478), { index: 2 });
    expect([out.src, out.dst]).toEqual(['192.0.2.1:5000', '198.51.100.7:3478']);
    expect([back.src, back.dst]).toEqual(['198.51.100.7:3478', '192.0.2.1:5000']);
    expect([other.src, other.dst]).toEqual(['192.0.2.1:5002', '198.51.100.7:3478']);
    expect(out.summary).toBe('Binding Request');
    expect(out.protocol).toBe('STUN');
    // both directions are one flow, first seen from 192.0.2.1:5000; another port is another flow
    expect(d.flows.all().map((f) => [f.key, f.a, f.b, f.packets])).toEqual([
      ['UDP 192.0.2.1:5000 198.51.100.7:3478', '192.0.2.1:5000', '198.51.100.7:3478', 2],
      ['UDP 192.0.2.1:5002 198.51.100.7:3478', '192.0.2.1:5002', '198.51.100.7:3478', 1],
    ]);
  });
});
