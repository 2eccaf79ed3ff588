// Every link layer a capture of WebRTC traffic is likely to use hands back the offset of the IP datagram, the
// ethertype or address family, and a span for each header field; frames that carry no IP say why.
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { encodeUdpDatagram } from '../ip/udp-datagram.ts';
import { decodeLinkLayer } from './link-layer.ts';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './linktype.ts';

const v4 = encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: new Uint8Array(4) });
const v6 = encodeUdpDatagram({ src: '2001:db8::1', dst: '2001:db8::2', srcPort: 1, dstPort: 2, payload: new Uint8Array(4) });
const macs = fromHex('020000000002 020000000001');

describe('Ethernet', () => {
  it('finds IPv4 after a 14-byte Ethernet II header, with spans for dst, src and type', () => {
    const l = decodeLinkLayer(concatBytes(macs, fromHex('0800'), v4), LINKTYPE_ETHERNET);
    expect([l.ipOffset, l.family, l.ethertype, l.note, l.problems]).toEqual([14, 4, 0x0800, undefined, []]);
    expect(findField(l.fields, 'eth.dst')).toMatchObject({ offset: 0, length: 6, display: '02:00:00:00:00:02' });
    expect(findField(l.fields, 'eth.src')).toMatchObject({ offset: 6, length: 6 });
    expect(findField(l.fields, 'eth.type')).toMatchObject({ offset: 12, length: 2, display: '0x0800 (IPv4)' });
  });

  it('skips an 802.1Q tag and reads its VLAN id, priority and DEI as bit fields', () => {
    const l = decodeLinkLayer(concatBytes(macs, fromHex('8100 a07b 86dd'), v6), LINKTYPE_ETHERNET);
    expect([l.ipOffset, l.family, l.ethertype, l.vlans]).toEqual([18, 6, 0x86dd, [123]]);
    expect(findField(l.fields, 'vlan.id')).toMatchObject({ offset: 14, length: 2, bits: { start: 4, count: 12 }, display: '123' });
    expect(findField(l.fields, 'vlan.pcp')?.display).toBe('5');
    expect(findField(l.fields, 'vlan.type')).toMatchObject({ offset: 16, length: 2 });
  });

  it('skips 802.1ad QinQ: an outer service tag then an inner customer tag', () => {
    const l = decodeLinkLayer(concatBytes(macs, fromHex('88a8 0064 8100 00c8 0800'), v4), LINKTYPE_ETHERNET);
    expect([l.ipOffset, l.family, l.vlans]).toEqual([22, 4, [100, 200]]);
  });

  it('keeps an ARP frame with a note instead of an IP offset', () => {
    const l = decodeLinkLayer(concatBytes(macs, fromHex('0806'), new Uint8Array(28)), LINKTYPE_ETHERNET);
    expect([l.ipOffset, l.ethertype, l.note]).toEqual([undefined, 0x0806, 'ethertype 0x0806 (ARP) is not IP']);
  });

  it('recognises an 802.3 length field (≤ 1500) as LLC framing, not IP', () => {
    const l = decodeLinkLayer(concatBytes(macs, fromHex('0026'), new Uint8Array(38)), LINKTYPE_ETHERNET);
    expect(l.ipOffset).toBeUndefined();
    expect(l.note).toMatch(/802\.3 frame \(length 38/);
  });

  it('reports a frame cut inside the Ethernet header as truncated, at the offset where it ends', () => {
    const l = decodeLinkLayer(macs.subarray(0, 9), LINKTYPE_ETHERNET);
    expect(l.ipOffset).toBeUndefined();
    expect(l.problems[0]?.message).toMatch(/truncated: eth\.src needs 6 byte\(s\) at offset 6/);
  });

  it('flags a datagram whose version nibble contradicts the ethertype', () => {
    const l = decodeLinkLayer(concatBytes(macs, fromHex('86dd'), v4), LINKTYPE_ETHERNET);
    expect(l.problems.map((p) => [p.offset, p.message])).toEqual([[14, 'link layer announces IPv6 but the datagram at offset 14 has IP version 4']]);
  });

  it('stops after 8 stacked VLAN tags rather than reading tags forever', () => {
    const tags = fromHex('0001 8100 '.repeat(20)); // TCI, then another 802.1Q TPID, twenty times
    const l = decodeLinkLayer(concatBytes(macs, fromHex('8100'), tags), LINKTYPE_ETHERNET);
    expect(l.vlans.length).toBe(8);
    expect(l.note).toBe('too many VLAN tags');
  });
});

describe('IP without a link header', () => {
  it('RAW (101) takes the family from the version nibble', () => {
    expect(decodeLinkLayer(v4, LINKTYPE_RAW)).toMatchObject({ ipOffset: 0, family: 4, fields: [] });
    expect(decodeLinkLayer(v6, LINKTYPE_RAW)).toMatchObject({ ipOffset: 0, family: 6 });
    expect(decodeLinkLayer(fromHex('5000'), LINKTYPE_RAW)).toMatchObject({ ipOffset: undefined, note: 'raw IP frame with IP version 5' });
  });

  it('IPV4 (228) and IPV6 (229) fix the family and report a mismatching nibble', () => {
    expect(decodeLinkLayer(v4, LINKTYPE_IPV4)).toMatchObject({ ipOffset: 0, family: 4, problems: [] });
    expect(decodeLinkLayer(v6, LINKTYPE_IPV6)).toMatchObject({ ipOffset: 0, family: 6, problems: [] });
    expect(decodeLinkLayer(v6, LINKTYPE_IPV4).problems).toHaveLength(1);
  });
});

describe('Linux cooked captures (tshark -i any)', () => {
  it('SLL (113): IP after 16 bytes, with packet type, ARPHRD type and address spans', () => {
    const sll = fromHex('0004 0001 0006 020000000001 0000 0800');
    const l = decodeLinkLayer(concatBytes(sll, v4), LINKTYPE_LINUX_SLL);
    expect([l.ipOffset, l.family, l.ethertype]).toEqual([16, 4, 0x0800]);
    expect(findField(l.fields, 'sll.pkttype')?.display).toBe('4 (sent by us)');
    expect(findField(l.fields, 'sll.addr')).toMatchObject({ offset: 6, length: 8, display: '02:00:00:00:00:01' });
    expect(findField(l.fields, 'sll.protocol')).toMatchObject({ offset: 14, length: 2 });
  });

  it('SLL2 (276): IP after 20 bytes; the protocol comes first and the interface index is kept', () => {
    const sll2 = fromHex('86dd 0000 00000003 0304 00 00 0000000000000000');
    const l = decodeLinkLayer(concatBytes(sll2, v6), LINKTYPE_LINUX_SLL2);
    expect([l.ipOffset, l.family, l.ethertype]).toEqual([20, 6, 0x86dd]);
    expect(findField(l.fields, 'sll2.ifindex')).toMatchObject({ offset: 4, length: 4, display: '3' });
  });

  it('a netlink SLL frame is kept as not-IP', () => {
    const sll = fromHex('0000 0338 0000 0000000000000000 0000');
    expect(decodeLinkLayer(concatBytes(sll, new Uint8Array(16)), LINKTYPE_LINUX_SLL).note).toBe('netlink message (protocol 0) is not IP');
  });
});

describe('BSD loopback', () => {
  it('NULL (0) reads AF_INET in either byte order', () => {
    const le = decodeLinkLayer(concatBytes(fromHex('02000000'), v4), LINKTYPE_NULL);
    const be = decodeLinkLayer(concatBytes(fromHex('00000002'), v4), LINKTYPE_NULL);
    expect([le.ipOffset, le.family, be.ipOffset, be.family]).toEqual([4, 4, 4, 4]);
    expect(findField(le.fields, 'null.family')?.display).toBe('2 (AF_INET), little-endian');
    expect(findField(be.fields, 'null.family')?.display).toBe('2 (AF_INET), big-endian');
  });

  it('NULL recognises the AF_INET6 values of Darwin (30), FreeBSD (28) and the other BSDs (24)', () => {
    for (const af of ['1e000000', '1c000000', '00000018']) {
      expect(decodeLinkLayer(concatBytes(fromHex(af), v6), LINKTYPE_NULL)).toMatchObject({ ipOffset: 4, family: 6 });
    }
  });

  it('LOOP (108) reads the family in network byte order (and tolerates the other)', () => {
    expect(decodeLinkLayer(concatBytes(fromHex('00000018'), v6), LINKTYPE_LOOP)).toMatchObject({ ipOffset: 4, family: 6 });
    expect(decodeLinkLayer(concatBytes(fromHex('02000000'), v4), LINKTYPE_LOOP)).toMatchObject({ ipOffset: 4, family: 4 });
  });

  it('an unknown address family is a note, not an IP offset', () => {
    expect(decodeLinkLayer(concatBytes(fromHex('00000007'), v4), LINKTYPE_NULL).note).toBe('loopback address family 7 is not IP');
  });
});

describe('frames the reader cannot place', () => {
  it('a zero-length frame says so', () => {
    expect(decodeLinkLayer(new Uint8Array(0), LINKTYPE_ETHERNET)).toMatchObject({ ipOffset: undefined, note: 'empty frame (0 bytes captured)' });
  });

  it('an unsupported link type is named in the note', () => {
    expect(decodeLinkLayer(v4, 105).note).toBe('link type LINKTYPE 105 is not decoded');
  });
});
