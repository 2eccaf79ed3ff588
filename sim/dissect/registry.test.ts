import { describe, expect, it } from 'vitest';
import { encodeIcmp } from '../wire/icmp/icmp.ts';
import { parseIPv6 } from '../wire/ip/address.ts';
import { encodeIPv4 } from '../wire/ip/ipv4.ts';
import { encodeIPv6 } from '../wire/ip/ipv6.ts';
import { IPPROTO } from '../wire/ip/protocols.ts';
import { encodeUdp } from '../wire/ip/udp.ts';
import { classifyDatagram, classOfProtocol, PROTOCOL_CLASSES, PROTOCOL_LIST, protocolSpec } from './registry.ts';
import { ipProtocolOwner, rfc7983Owner, tcpStreamRecognisers, udpPortDissector } from './table.ts';

// The one protocol list: every protocol once, each registered on its parent's table, the visualizer's classes
// and colours taken from it.

const className = (b: Uint8Array): string => PROTOCOL_CLASSES[classifyDatagram(b)]!.name;
const udp = (payload: number[]): Uint8Array => encodeIPv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: IPPROTO.UDP }, encodeUdp({ srcPort: 1000, dstPort: 2000 }, Uint8Array.from(payload)));

describe('the protocol registry', () => {
  it('lists every protocol once, with a description', () => {
    const names = PROTOCOL_LIST.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of PROTOCOL_LIST) expect(s.description.length, s.name).toBeGreaterThan(10);
    expect(protocolSpec('ICMPv6')?.viz.class).toBe('ICMP');
  });

  it('gives the visualizer the classes and colours it had, from the protocols that define them', () => {
    expect(PROTOCOL_CLASSES.map((c) => `${c.name} ${c.colour}`)).toEqual([
      'IP #9aa5b1',
      'UDP #7fb3ff',
      'TCP #c9a0ff',
      'STUN #ffd166',
      'TURN-CHANNELDATA #f4a261',
      'DTLS #ef6f9a',
      'RTP #5ad1a0',
      'RTCP #3fb6c6',
      'ZRTP #b5b5b5',
      'ICMP #ff8c69',
      'SIP #c3a6ff',
      'MDNS #a3d977',
    ]);
    // a protocol without a class of its own takes its parent's colour
    expect(['SRTP', 'SRTCP', 'TLS', 'HTTP', 'WEBSOCKET', 'SIGNALING', 'SDP', 'IPv6', 'ETH', 'DATA'].map((p) => PROTOCOL_CLASSES[classOfProtocol(p as 'SRTP')]!.name)).toEqual(['RTP', 'RTCP', 'TCP', 'TCP', 'TCP', 'TCP', 'TCP', 'IP', 'IP', 'IP']);
  });

  it('fills each parent table from the list: IP protocol numbers, RFC 7983 classes, TCP recognisers in order', () => {
    expect([1, 6, 17, 58, 132].map(ipProtocolOwner)).toEqual(['ICMP', 'TCP', 'UDP', 'ICMPv6', undefined]);
    expect((['stun', 'zrtp', 'dtls', 'turn-channeldata', 'rtp', 'rtcp', 'other', 'empty'] as const).map(rfc7983Owner)).toEqual(['STUN', 'ZRTP', 'DTLS', 'TURN-CHANNELDATA', 'RTP', 'RTCP', undefined, undefined]);
    const recognise = (text: string): (string | undefined)[] => tcpStreamRecognisers().map((r) => r.recognise(new TextEncoder().encode(text)));
    expect(tcpStreamRecognisers().map((r) => r.order)).toEqual([5, 10, 20, 30]);
    expect(recognise('GET / HTTP/1.1\r\n')).toEqual([undefined, 'http', undefined, undefined]);
    expect(recognise('OPTIONS sip:a@b SIP/2.0\r\n')).toEqual(['sip', 'http', undefined, undefined]);
    // udp.port: mDNS on 5353, either side; nothing on a port nobody registered, nor where ports are unknown
    expect([udpPortDissector(5353, 5353)?.owner, udpPortDissector(5353, 40000)?.owner, udpPortDissector(40000, 5353)?.owner]).toEqual(['MDNS', 'MDNS', 'MDNS']);
    expect([udpPortDissector(3478, 40000), udpPortDissector(-1, -1)]).toEqual([undefined, undefined]);
  });

  it('classifies a datagram by the same tables, without dissecting it', () => {
    expect(className(udp([0x00, 0x01, 0, 0]))).toBe('STUN');
    expect(className(udp([0x16, 0xfe, 0xfd]))).toBe('DTLS');
    expect(className(udp([0x40, 0x00, 0, 0]))).toBe('TURN-CHANNELDATA');
    expect(className(udp([0x10, 0x00]))).toBe('ZRTP');
    expect(className(udp([0x80, 0xc8, 0, 1, 0, 0, 0, 0]))).toBe('RTCP');
    expect(className(udp([0x70, 0x72]))).toBe('UDP');
    // the first byte 0x00 of an mDNS message (ID 0) on port 5353 is mDNS, not STUN
    const onPort = (payload: number[], port: number): Uint8Array => encodeIPv4({ src: '192.0.2.1', dst: '224.0.0.251', protocol: IPPROTO.UDP }, encodeUdp({ srcPort: port, dstPort: port }, Uint8Array.from(payload)));
    expect([className(onPort([0, 0, 0x84, 0], 5353)), className(onPort([0, 0, 0x84, 0], 5354))]).toEqual(['MDNS', 'STUN']);
    const echo = encodeIcmp({ family: 4, type: 8, identifier: 1, sequence: 1 });
    expect(className(encodeIPv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: IPPROTO.ICMP }, echo))).toBe('ICMP');
    const pseudo = { family: 6 as const, src: parseIPv6('fd00::1')!, dst: parseIPv6('fd00::2')!, protocol: 58 };
    expect(className(encodeIPv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: 58 }, encodeIcmp({ family: 6, type: 128, identifier: 1, sequence: 1 }, pseudo)))).toBe('ICMP');
    expect(className(encodeIPv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 132 }, new Uint8Array(12)))).toBe('IP');
    expect(className(new Uint8Array([0x45, 0]))).toBe('IP');
  });
});
