import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex } from '../core/encoding.ts';
import { decodeArp, describeArp } from '../wire/arp/arp.ts';
import { decodeIcmp } from '../wire/icmp/icmp.ts';
import { LINKTYPE_ETHERNET } from '../wire/pcap/linktype.ts';
import { dissectFile } from '../../test/support/dissect-captures.ts';
import { tsharkAvailable, tsharkFields } from '../../test/support/tshark.ts';
import { dissectFrame } from './dissect.ts';
import type { DissectedPacket } from './types.ts';

// ARP (RFC 826) and Neighbor Discovery (RFC 4861 §4) in captured frames, judged by tshark on the capture made in
// network namespaces with a Linux NAT (captures/icmp-linux-nat, make/make.sh): the kernels' own ARP requests and
// replies, Router Solicitations, Neighbor Solicitations (Duplicate Address Detection from ::, with a nonce; address
// resolution, with the source link-layer address) and Neighbor Advertisements (router, solicited, override flags,
// with and without the target link-layer address).

const CAPTURE = 'captures/icmp-linux-nat/icmp-linux-nat.pcapng';

const ARP_FIELDS = ['arp.hw.type', 'arp.proto.type', 'arp.hw.size', 'arp.proto.size', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4'];
const ND_FIELDS = ['icmpv6.type', 'icmpv6.nd.ns.target_address', 'icmpv6.nd.na.target_address', 'icmpv6.nd.na.flag.r', 'icmpv6.nd.na.flag.s', 'icmpv6.nd.na.flag.o', 'icmpv6.opt.type', 'icmpv6.opt.length', 'icmpv6.opt.linkaddr', 'icmpv6.opt.nonce'];

function tsharkRows(file: string, fields: readonly string[], filter: string): string[][] {
  return tsharkFields(file, ['frame.number', '_ws.col.Info', ...fields], { filter, aggregator: ';' });
}

const list = (s: string | undefined): string[] => (s ? s.split(';').filter((x) => x !== '') : []);
const bool = (s: string | undefined): boolean => s === '1' || s === 'True';

describe.skipIf(!tsharkAvailable())('ARP and Neighbor Discovery agree with tshark, field by field, on a capture from Linux network namespaces', () => {
  const ours: DissectedPacket[] = dissectFile(CAPTURE).packets.map((p) => p.d);

  it('every ARP request and reply: types, sizes, opcode, both hardware and protocol addresses, and the summary', () => {
    const rows = tsharkRows(CAPTURE, ARP_FIELDS, 'arp');
    expect(rows.length).toBe(8);
    for (const [no, info, hwType, protoType, hwSize, protoSize, opcode, sha, spa, tha, tpa] of rows) {
      const p = ours[Number(no) - 1]!;
      expect(p.protocol, `frame ${no}`).toBe('ARP');
      const a = p.layers.find((l) => l.protocol === 'ARP')!.value!;
      expect([a.hardwareType, a.protocolType, a.hardwareSize, a.protocolSize, a.opcode], `frame ${no}`).toEqual([Number(hwType), Number(protoType), Number(hwSize), Number(protoSize), Number(opcode)]);
      expect([a.senderHardware, a.senderProtocol, a.targetHardware, a.targetProtocol], `frame ${no}`).toEqual([sha, spa, tha, tpa]);
      expect(p.summary, `frame ${no}`).toBe(info);
      expect(p.problems, `frame ${no}`).toEqual([]);
    }
  });

  it('every Router and Neighbor Solicitation and Neighbor Advertisement: target, flags, each option, and the summary', () => {
    const rows = tsharkRows(CAPTURE, ND_FIELDS, 'icmpv6.type >= 133 && icmpv6.type <= 137');
    expect(rows.length).toBe(20);
    const kinds = new Set<string>();
    for (const [no, info, type, nsTarget, naTarget, r, s, o, optTypes, optLengths, linkAddrs, nonce] of rows) {
      const p = ours[Number(no) - 1]!;
      const m = p.layers.find((l) => l.protocol === 'ICMPv6')!.value!;
      expect(m.type, `frame ${no}`).toBe(Number(type));
      const n = m.ndp!;
      expect(n, `frame ${no}: a Neighbor Discovery message`).toBeDefined();
      if (nsTarget || naTarget) expect(n.target, `frame ${no} target`).toBe(nsTarget || naTarget);
      if (naTarget) expect([n.router, n.solicited, n.override], `frame ${no} R/S/O`).toEqual([bool(r), bool(s), bool(o)]);
      expect(n.options.map((x) => String(x.type)), `frame ${no} option types`).toEqual(list(optTypes));
      expect(n.options.map((x) => String(x.length)), `frame ${no} option lengths`).toEqual(list(optLengths));
      expect(n.options.flatMap((x) => (x.linkAddress ? [x.linkAddress] : [])), `frame ${no} link-layer addresses`).toEqual(list(linkAddrs));
      if (nonce) expect(n.options.find((x) => x.type === 14)?.nonce, `frame ${no} nonce`).toBe(nonce.replace(/:/g, ''));
      expect(p.summary, `frame ${no}`).toBe(info);
      expect(p.problems, `frame ${no}`).toEqual([]);
      kinds.add(`${type}/${list(optTypes).join(',')}`);
    }
    // Router Solicitation with SLLA, DAD with a nonce, resolution with SLLA, advertisements with and without TLLA
    expect([...kinds].sort()).toEqual(['133/1', '135/1', '135/14', '136/', '136/2']);
  });
});

describe('ARP and Neighbor Discovery that are not as they should be', () => {
  const request = fromHex('0001080006040001' + '1af387ecd6cc' + '0a000002' + '000000000000' + '0a000001');

  it('an ARP packet cut short keeps what it read and names the address that ran out, where it is in the frame', () => {
    const d = decodeArp(request.subarray(0, 20), 14);
    expect(d.value?.opcode).toBe(1);
    expect(d.value?.senderProtocol).toBe('10.0.0.2');
    expect(d.problems.map((p) => p.message)).toEqual(['truncated: arp.dst.hw needs 6 byte(s) at offset 32, only 2 left']);
    expect(decodeArp(request.subarray(0, 5)).value).toBeUndefined();
  });

  it('a probe and a gratuitous ARP are named as RFC 5227 and tshark name them', () => {
    const probe = concatBytes(request.subarray(0, 14), fromHex('00000000'), request.subarray(18));
    expect(describeArp(decodeArp(probe).value!)).toBe('Who has 10.0.0.1? (ARP Probe)');
    const gratuitous = concatBytes(request.subarray(0, 14), fromHex('0a000001'), request.subarray(18));
    expect(describeArp(decodeArp(gratuitous).value!)).toBe('Gratuitous ARP for 10.0.0.1 (Request)');
  });

  it('an Ethernet frame padded to 60 bytes: the padding is not ARP, and the frame names the packet by its ARP', () => {
    const frame = concatBytes(fromHex('ffffffffffff1af387ecd6cc0806'), request, new Uint8Array(18));
    const p = dissectFrame(frame, LINKTYPE_ETHERNET);
    expect(p.protocol).toBe('ARP');
    expect(p.summary).toBe('Who has 10.0.0.1? Tell 10.0.0.2');
    expect(p.layers.find((l) => l.protocol === 'ARP')!.fields.at(-1)).toMatchObject({ name: 'padding', offset: 42, length: 18 });
  });

  it('a Neighbor Discovery option of length 0 is a problem (RFC 4861 §4.6: the message is discarded), and nothing loops', () => {
    // Neighbor Solicitation for fd00::1 with an option of type 1 and length 0
    const ns = fromHex('87000000' + '00000000' + 'fd000000000000000000000000000001' + '0100000000000000');
    const d = decodeIcmp(ns, { family: 6 });
    expect(d.value?.ndp?.target).toBe('fd00::1');
    expect(d.problems.map((x) => x.message)).toContain('Source link-layer address option with length 0: invalid, receivers discard the message (RFC 4861 §4.6)');
  });
});
